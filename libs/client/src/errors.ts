/**
 * The one error the client throws. Its `code` comes from a closed set so an app can decide what to
 * do (retry later, re-authenticate the device, report a bug) without reading messages. Messages
 * are fixed per code and never carry a token, a credential, a query or bytes from an answer; the
 * problem a service answered with, if any, is kept apart in `problem` for the app to show.
 */
import { CodedError } from "@oblivious/wire";
import { parseProblem, type ProblemSummary } from "./http.js";

export const ClientErrorCode = {
  /** The caller passed something the client cannot send (a bad origin, path or option). */
  InvalidArgument: "invalid-argument",
  /** The relay or the issuer could not be reached (the injected fetch threw). */
  Network: "network",
  /** The relay answered a request with an error status that is not the gateway's key problem. */
  RelayFailed: "relay-failed",
  /** The gateway's key configuration could not be fetched or holds no usable configuration. */
  KeysUnavailable: "keys-unavailable",
  /** The gateway refused the key again after one refresh (RFC 9458 Section 5.3, `ohttp-key`). */
  KeyRejected: "key-rejected",
  /** The gateway refused the inner Date again after one retry with its own clock. */
  DateRejected: "date-rejected",
  /** An answer that does not decapsulate, decode or parse. */
  InvalidResponse: "invalid-response",
  /** The issuer directory could not be fetched through the relay, or does not parse. */
  DirectoryFailed: "directory-failed",
  /** A challenge that cannot be answered: malformed, another token type, or a key not in the pinned directory. */
  UntrustedChallenge: "untrusted-challenge",
  /** The issuer refused the device credential (401). */
  CredentialRejected: "credential-rejected",
  /** The issuer's quota for this device is used up (429); see `retryAfterSeconds`. */
  RateLimited: "rate-limited",
  /** The issuer failed otherwise, or its answer did not finalize into valid tokens. */
  IssuanceFailed: "issuance-failed",
  /** A typed feature call got a status it cannot use; see `status`. */
  RequestFailed: "request-failed",
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

const MESSAGES: Readonly<Record<ClientErrorCode, string>> = {
  "invalid-argument": "invalid argument",
  "network": "network failure",
  "relay-failed": "the relay refused the request",
  "keys-unavailable": "gateway keys unavailable",
  "key-rejected": "the gateway rejected its key configuration",
  "date-rejected": "the gateway rejected the request date",
  "invalid-response": "invalid response",
  "directory-failed": "issuer directory unavailable",
  "untrusted-challenge": "untrusted token challenge",
  "credential-rejected": "the issuer rejected the device credential",
  "rate-limited": "token issuance rate limited",
  "issuance-failed": "token issuance failed",
  "request-failed": "request failed",
};

export interface ClientErrorDetails {
  /** The problem (RFC 9457) the refusing party answered with, when it sent one. */
  readonly problem?: ProblemSummary;
  /** An HTTP status that led to the error, when there was one. */
  readonly status?: number;
  /** Seconds to wait before trying again (the issuer's Retry-After on 429). */
  readonly retryAfterSeconds?: number;
  /** What failed underneath (a library error); for debugging, never shown to a user. */
  readonly cause?: unknown;
}

export class ClientError extends CodedError<ClientErrorCode> {
  override readonly name = "ClientError";
  readonly status: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly problem: ProblemSummary | undefined;

  /** `detail` names what failed (a step, an argument), never a value. */
  constructor(code: ClientErrorCode, detail?: string, details: ClientErrorDetails = {}) {
    // The client's messages are words a user understands, so they come from its own table.
    super(code, detail === undefined ? MESSAGES[code] : `${MESSAGES[code]}: ${detail}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.problem = details.problem;
  }
}

/** The details of a refusal: its status, and the problem its body carries, if any. */
export function withProblem(status: number, contentType: string | null | undefined, body: Uint8Array): ClientErrorDetails {
  const problem = parseProblem(contentType, body);
  return problem === undefined ? { status } : { status, problem };
}
