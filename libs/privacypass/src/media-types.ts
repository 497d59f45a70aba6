/**
 * Media types and the well-known path of Privacy Pass issuance:
 * RFC 9578 Sections 4 and 8.1 (issuer directory) and 8.3 (the three media types),
 * and draft-ietf-privacypass-batched-tokens-08 Sections 8.2.3 and 8.2.4 (generic batches, the
 * variant that carries token type 0x0002; the "amortized" batch is for VOPRF types only).
 * Content types are compared exactly: no parameters such as "; charset".
 */
export const MediaType = {
  TokenRequest: "application/private-token-request",
  TokenResponse: "application/private-token-response",
  BatchedTokenRequest: "application/private-token-generic-batch-request",
  BatchedTokenResponse: "application/private-token-generic-batch-response",
  IssuerDirectory: "application/private-token-issuer-directory",
} as const;
export type MediaType = (typeof MediaType)[keyof typeof MediaType];

/** RFC 9578 Section 4 and Section 8.1: where an issuer serves its directory. */
export const ISSUER_DIRECTORY_PATH = "/.well-known/private-token-issuer-directory";
