/**
 * The gateway's two error tables (RFC 9458 §5.2):
 *
 * - OUTER: errors found before the encapsulation is removed. "Errors detected by the Oblivious
 *   Gateway Resource before removing protection (including being unable to remove encapsulation
 *   for any reason) result in the status code being sent without protection." They are plain
 *   `application/problem+json` answers that the relay sees.
 * - INNER: errors found after decryption. "Errors detected by the Oblivious Gateway Resource
 *   after successfully removing encapsulation and errors detected by the Target Resource MUST be
 *   sent in an Encapsulated Response." They are Binary HTTP responses with a problem body,
 *   encapsulated with the request's response context, inside an outer 200 `message/ohttp-res`.
 *
 * Every code is also an `outcome` label value of `gateway_requests_total`.
 */
import { CommonProblems, problemType, type Problem } from "@oblivious/service-kit";

/** RFC 9458 §5.3 (registered in the IANA "HTTP Problem Types" registry, §9.5). */
export const OHTTP_KEY_PROBLEM_TYPE = "https://iana.org/assignments/http-problem-types#ohttp-key";
/** RFC 9458 §6.5.2 (registered in the IANA "HTTP Problem Types" registry, §9.6). */
export const DATE_PROBLEM_TYPE = "https://iana.org/assignments/http-problem-types#date";

export const OuterError = {
  MethodNotAllowed: "method_not_allowed",
  UnsupportedMediaType: "unsupported_media_type",
  TooLarge: "too_large",
  /** Too short to hold a header, `enc` and a tag: structure the relay can see anyway. */
  Malformed: "malformed",
  /**
   * Unknown key identifier, a suite the key does not accept, or a failed decryption: ONE answer,
   * identical to the byte, so it is no oracle for which check failed (RFC 9458 §5.3, §6.4).
   */
  KeyRejected: "key_rejected",
  Internal: "internal",
} as const;
export type OuterError = (typeof OuterError)[keyof typeof OuterError];

/**
 * RFC 9458 §5.3, Figure 7 answers an outdated or incorrect key configuration with 400 and the
 * `ohttp-key` type (title as in the figure). §6.4 would also allow 422; the gateway follows the
 * figure, for an unknown key identifier and for a failed decryption alike.
 */
export const OUTER_PROBLEMS: Readonly<Record<OuterError, Problem>> = {
  method_not_allowed: CommonProblems.methodNotAllowed,
  unsupported_media_type: {
    ...CommonProblems.unsupportedMediaType,
    detail: "An encapsulated request must be sent as message/ohttp-req.",
  },
  too_large: CommonProblems.payloadTooLarge,
  malformed: { type: problemType("ohttp-malformed"), title: "malformed encapsulated request", status: 400 },
  key_rejected: { type: OHTTP_KEY_PROBLEM_TYPE, title: "key identifier unknown", status: 400 },
  internal: CommonProblems.internal,
};

export const InnerError = {
  /** Not a valid Binary HTTP request (RFC 9292), or a field the target connection cannot carry. */
  BadRequest: "bad_request",
  /** RFC 9458 §5.1: "the Oblivious Gateway Resource MUST generate an error if a 100-continue expectation is received". */
  ExpectationFailed: "expectation_failed",
  /** RFC 9458 §6.5.2: `Date` missing (when required), unreadable, or outside the window. */
  DateRejected: "date_rejected",
  /** The inner target is not on the allow-list, or its method, authority or path is not one we forward. */
  TargetForbidden: "target_forbidden",
  /** RFC 9458 §6.5: this `enc` was already answered within the window. */
  Replayed: "replayed",
  /** The replay cache cannot answer (Redis down, memory bound reached): fail closed. */
  ReplayUnavailable: "replay_unavailable",
  TargetFailed: "target_failed",
  TargetTooLarge: "target_too_large",
  TargetTimeout: "target_timeout",
  Internal: "internal",
} as const;
export type InnerError = (typeof InnerError)[keyof typeof InnerError];

export const INNER_PROBLEMS: Readonly<Record<InnerError, Problem>> = {
  bad_request: { type: problemType("bhttp-invalid"), title: "invalid binary HTTP request", status: 400 },
  expectation_failed: {
    type: "about:blank",
    title: "Expectation Failed",
    status: 417,
    detail: "Oblivious HTTP cannot carry an Expect field (RFC 9458, Section 5.1).",
  },
  date_rejected: { type: DATE_PROBLEM_TYPE, title: "date field in request outside of acceptable range", status: 400 },
  target_forbidden: { type: problemType("target-not-allowed"), title: "target not allowed", status: 403 },
  replayed: { type: problemType("replayed-request"), title: "request already answered", status: 400 },
  replay_unavailable: { type: problemType("replay-check-unavailable"), title: "replay check unavailable", status: 503 },
  target_failed: { type: "about:blank", title: "Bad Gateway", status: 502 },
  target_too_large: { type: problemType("target-response-too-large"), title: "target response too large", status: 502 },
  target_timeout: { type: "about:blank", title: "Gateway Timeout", status: 504 },
  internal: CommonProblems.internal,
};

/** Every value of the `outcome` label: a closed set. */
export const OUTCOMES = [
  "ok",
  "aborted",
  ...new Set<OuterError | InnerError>([...Object.values(OuterError), ...Object.values(InnerError)]),
] as const;
export type Outcome = "ok" | "aborted" | OuterError | InnerError;
