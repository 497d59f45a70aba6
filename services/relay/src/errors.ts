/**
 * The relay's problem table (RFC 9457 `application/problem+json`): what the relay itself answers,
 * before anything is decrypted (the relay never decrypts). The common problems (405, 404, 408,
 * 429, 500) come from service-kit's CommonProblems; docs/errors.md is generated from this table
 * (scripts/src/errors-doc.ts).
 */
import { CommonProblems, problemType, type Problem } from "@oblivious/service-kit";
import { GatewayErrorCode } from "./forward.js";
import type { ForwardOutcome } from "./metrics.js";

/** The relay's own problems; see also CommonProblems. */
export const RelayProblems = {
  gatewayUnreachable: {
    type: problemType("gateway-unreachable"),
    title: "Bad Gateway",
    status: 502,
    detail: "The gateway could not be reached.",
  },
  gatewayInvalid: {
    type: problemType("gateway-invalid"),
    title: "Bad Gateway",
    status: 502,
    detail: "The gateway's answer could not be relayed.",
  },
  gatewayTimeout: {
    type: problemType("gateway-timeout"),
    title: "Gateway Timeout",
    status: 504,
    detail: "The gateway did not answer in time.",
  },
  keysUnavailable: {
    type: problemType("keys-unavailable"),
    title: "Service Unavailable",
    status: 503,
    detail: "The gateway's key configuration is not available.",
  },
  unsupportedMediaType: { ...CommonProblems.unsupportedMediaType, detail: "The body must be message/ohttp-req." },
  payloadTooLarge: { ...CommonProblems.payloadTooLarge, detail: "The body is larger than this relay accepts." },
} as const satisfies Record<string, Problem>;

/** A gateway error answer whose body is not problem+json: its status, with a body of ours. */
export function gatewayErrorProblem(status: number): Problem {
  return { type: problemType("gateway-error"), title: "Gateway Error", status, detail: "The gateway answered with an error." };
}

/** One table from what went wrong with the gateway to the outcome and the client's answer. */
export const GATEWAY_FAILURES: Readonly<Record<GatewayErrorCode, { outcome: Exclude<ForwardOutcome, "forwarded" | "gateway_error">; problem: Problem }>> = {
  [GatewayErrorCode.Timeout]: { outcome: "gateway_timeout", problem: RelayProblems.gatewayTimeout },
  [GatewayErrorCode.Unreachable]: { outcome: "gateway_unreachable", problem: RelayProblems.gatewayUnreachable },
  [GatewayErrorCode.TooLarge]: { outcome: "gateway_invalid", problem: RelayProblems.gatewayInvalid },
  [GatewayErrorCode.Protocol]: { outcome: "gateway_invalid", problem: RelayProblems.gatewayInvalid },
};
