/**
 * The Privacy Pass Token Type registry (RFC 9577 Section 6.2), for the one type this library
 * implements: 0x0002, Blind RSA (2048-bit), RFC 9578 Section 8.2.2 (Nk = 256, Nid = 32).
 */
export const TokenType = {
  /** RFC 9578 Section 6: RSABSSA-SHA384-PSS-Deterministic over a 2048-bit key. */
  BlindRsa2048: 0x0002,
} as const;
export type TokenType = (typeof TokenType)[keyof typeof TokenType];

/** Nk for token type 0x0002: the length of the authenticator, a blinded message and a blind signature. */
export const NK = 256;

/** Nid: the length of a token key identifier (SHA-256 of the encoded key), for every RFC 9578 type. */
export const NID = 32;

/** The length of a token nonce and of a challenge digest (RFC 9577 Section 2.2). */
export const NONCE_LENGTH = 32;
export const CHALLENGE_DIGEST_LENGTH = 32;
