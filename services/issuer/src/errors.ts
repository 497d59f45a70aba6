/**
 * The issuer's one error table: each code maps to the status and the `application/problem+json`
 * body (RFC 9457) of the answer. Every code is also an `outcome` label value of
 * `issuer_token_requests_total`. Bodies are fixed text: never request data, never an internal
 * message, and the same for every client.
 *
 * Statuses follow RFC 9578 §5.2/§6.2 ("If any of these conditions is not met, the Issuer MUST
 * return an HTTP 422 (Unprocessable Content) error"), RFC 6750 §3 for the Bearer credential and
 * draft-ietf-privacypass-batched-tokens for batches.
 */
import { CommonProblems, problemType, type Problem } from "@oblivious/service-kit";

export const IssuerError = {
  MethodNotAllowed: "method_not_allowed",
  UnsupportedMediaType: "unsupported_media_type",
  TooLarge: "too_large",
  /** Not a TokenRequest / BatchTokenRequest at all, or an empty batch. */
  Malformed: "malformed",
  CredentialMissing: "credential_missing",
  CredentialInvalid: "credential_invalid",
  /** The credential could not be checked (the JWKS URL did not answer): fail closed. */
  AttestationUnavailable: "attestation_unavailable",
  UnsupportedTokenType: "unsupported_token_type",
  /** The truncated token key id names no key that signs now. */
  UnknownKey: "unknown_key",
  /** blinded_msg is not Nk bytes, or not below the key's modulus. */
  InvalidBlindedMessage: "invalid_blinded_message",
  BatchTooLarge: "batch_too_large",
  /** An ARC CredentialRequest whose encoded_request has the wrong size, does not decode, or whose proof does not verify. */
  CredentialRequestInvalid: "credential_request_invalid",
  QuotaExceeded: "quota_exceeded",
  QuotaUnavailable: "quota_unavailable",
  Overloaded: "overloaded",
  Internal: "internal",
} as const;
export type IssuerError = (typeof IssuerError)[keyof typeof IssuerError];

export const PROBLEMS: Readonly<Record<IssuerError, Problem>> = {
  method_not_allowed: CommonProblems.methodNotAllowed,
  unsupported_media_type: {
    ...CommonProblems.unsupportedMediaType,
    detail: "A token request must be sent as application/private-token-request or as a batched token request; an ARC credential request as application/private-credential-request.",
  },
  too_large: { ...CommonProblems.payloadTooLarge, detail: "The token request is larger than this issuer accepts." },
  malformed: { type: problemType("token-request-malformed"), title: "malformed token request", status: 400 },
  credential_missing: {
    type: problemType("credential-required"),
    title: "device credential required",
    status: 401,
    detail: "Send a device credential as Authorization: Bearer <credential>.",
  },
  credential_invalid: { type: problemType("credential-invalid"), title: "device credential not accepted", status: 401 },
  attestation_unavailable: { type: problemType("attestation-unavailable"), title: "device credentials cannot be checked now", status: 503 },
  unsupported_token_type: { type: problemType("token-type-unsupported"), title: "token type not supported", status: 422 },
  unknown_key: {
    type: problemType("token-key-unknown"),
    title: "token key not in use",
    status: 422,
    detail: "Fetch the issuer directory again and use the first key whose not-before has passed.",
  },
  invalid_blinded_message: { type: problemType("blinded-message-invalid"), title: "blinded message not valid for the key", status: 422 },
  batch_too_large: { type: problemType("batch-too-large"), title: "too many token requests in one batch", status: 422 },
  credential_request_invalid: { type: problemType("credential-request-invalid"), title: "ARC credential request not valid", status: 422 },
  quota_exceeded: { ...CommonProblems.tooManyRequests, type: problemType("quota-exceeded"), title: "token quota exceeded" },
  quota_unavailable: { type: problemType("quota-unavailable"), title: "quota check unavailable", status: 503 },
  overloaded: { type: problemType("issuer-overloaded"), title: "issuer overloaded", status: 503 },
  internal: CommonProblems.internal,
};

/** Every value of the `outcome` label: a closed set. */
export const OUTCOMES = ["ok", "aborted", ...Object.values(IssuerError)] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** RFC 6750 §3: the challenge for a missing credential, and the one for a refused credential. */
export const WWW_AUTHENTICATE_MISSING = 'Bearer realm="issuer"';
export const WWW_AUTHENTICATE_INVALID = 'Bearer realm="issuer", error="invalid_token"';
