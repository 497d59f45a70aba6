/**
 * The token gate's problem table (RFC 9457 `application/problem+json`) and the answer to each
 * rejection. One problem for every invalid token, so the answer is no oracle for which check
 * failed. docs/errors.md is generated from the table (scripts/src/errors-doc.ts).
 */
import { problemType, type Problem } from "@oblivious/service-kit";
import type { GateOutcome } from "./metrics.js";

export type GateRejection = Exclude<GateOutcome, "accepted">;

export type GateResult =
  | { readonly ok: true; readonly outcome: "accepted" }
  | {
      readonly ok: false;
      readonly outcome: GateRejection;
      readonly problem: Problem;
      /** `WWW-Authenticate` on a 401, `Retry-After` on a 503. */
      readonly headers: Readonly<Record<string, string>>;
    };

/** The problems the gate answers with. One for every invalid token: the answer is no oracle. */
export const TokenGateProblems = {
  tokenRequired: { type: problemType("token-required"), title: "Token Required", status: 401, detail: "Present a PrivateToken for one of the challenges." },
  invalidToken: { type: problemType("invalid-token"), title: "Invalid Token", status: 401, detail: "The token is not valid here; use a token for one of the challenges." },
  spentToken: { type: problemType("spent-token"), title: "Token Already Spent", status: 401, detail: "Each token is accepted once; present another." },
  malformedAuthorization: { type: problemType("malformed-authorization"), title: "Malformed Authorization", status: 400, detail: "The PrivateToken credential could not be parsed." },
  tokenCheckUnavailable: { type: problemType("token-check-unavailable"), title: "Token Check Unavailable", status: 503, detail: "Tokens cannot be checked right now; retry later." },
} as const satisfies Record<string, Problem>;

/** Outcome → answer. `challenge`: a 401 that carries a fresh WWW-Authenticate. */
export const ANSWERS: Readonly<Record<GateRejection, { readonly problem: Problem; readonly challenge: boolean }>> = {
  missing: { problem: TokenGateProblems.tokenRequired, challenge: true },
  malformed: { problem: TokenGateProblems.malformedAuthorization, challenge: false },
  bad_type: { problem: TokenGateProblems.invalidToken, challenge: true },
  unknown_key: { problem: TokenGateProblems.invalidToken, challenge: true },
  bad_challenge: { problem: TokenGateProblems.invalidToken, challenge: true },
  bad_signature: { problem: TokenGateProblems.invalidToken, challenge: true },
  spent: { problem: TokenGateProblems.spentToken, challenge: true },
  store_unavailable: { problem: TokenGateProblems.tokenCheckUnavailable, challenge: false },
  keys_unavailable: { problem: TokenGateProblems.tokenCheckUnavailable, challenge: false },
  overloaded: { problem: TokenGateProblems.tokenCheckUnavailable, challenge: false },
};
