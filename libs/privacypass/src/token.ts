/**
 * Token, RFC 9577 Section 2.2, for token type 0x0002 (RFC 9578 Section 6.3: Nid = 32, Nk = 256).
 *
 *   struct {
 *       uint16_t token_type;
 *       uint8_t nonce[32];
 *       uint8_t challenge_digest[32];
 *       uint8_t token_key_id[Nid];
 *       uint8_t authenticator[Nk];
 *   } Token;
 *
 * The authenticator is computed over AuthenticatorInput (RFC 9577 Section 2.2.1): the same
 * struct without its last field.
 */
import { ByteWriter } from "@oblivious/wire";
import { copyBytes, decodeWhole, requireLength } from "./decode.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";
import { CHALLENGE_DIGEST_LENGTH, NID, NK, NONCE_LENGTH, TokenType } from "./token-types.js";

export interface Token {
  readonly tokenType: number;
  readonly nonce: Uint8Array;
  readonly challengeDigest: Uint8Array;
  readonly tokenKeyId: Uint8Array;
  readonly authenticator: Uint8Array;
}

/** The encoded length of a type 0x0002 token: 2 + 32 + 32 + 32 + 256. */
export const TOKEN_LENGTH = 2 + NONCE_LENGTH + CHALLENGE_DIGEST_LENGTH + NID + NK;

function requireTokenFields(token: Omit<Token, "authenticator">): void {
  if (token.tokenType !== TokenType.BlindRsa2048) throw new PrivacyPassError(PrivacyPassErrorCode.UnsupportedTokenType);
  requireLength(token.nonce, NONCE_LENGTH, "nonce");
  requireLength(token.challengeDigest, CHALLENGE_DIGEST_LENGTH, "challengeDigest");
  requireLength(token.tokenKeyId, NID, "tokenKeyId");
}

/** token_type || nonce || challenge_digest || token_key_id: the message the issuer's key signs. */
export function tokenAuthenticatorInput(token: Omit<Token, "authenticator">): Uint8Array {
  requireTokenFields(token);
  return new ByteWriter(TOKEN_LENGTH - NK)
    .uint16(token.tokenType)
    .bytes(token.nonce)
    .bytes(token.challengeDigest)
    .bytes(token.tokenKeyId)
    .finish();
}

export function encodeToken(token: Token): Uint8Array {
  requireTokenFields(token);
  requireLength(token.authenticator, NK, "authenticator");
  return new ByteWriter(TOKEN_LENGTH)
    .uint16(token.tokenType)
    .bytes(token.nonce)
    .bytes(token.challengeDigest)
    .bytes(token.tokenKeyId)
    .bytes(token.authenticator)
    .finish();
}

export function decodeToken(bytes: Uint8Array): Token {
  return decodeWhole("Token", bytes, (reader) => {
    const tokenType = reader.uint16();
    if (tokenType !== TokenType.BlindRsa2048) throw new PrivacyPassError(PrivacyPassErrorCode.UnsupportedTokenType, "Token");
    return {
      tokenType,
      nonce: copyBytes(reader.bytes(NONCE_LENGTH)),
      challengeDigest: copyBytes(reader.bytes(CHALLENGE_DIGEST_LENGTH)),
      tokenKeyId: copyBytes(reader.bytes(NID)),
      authenticator: copyBytes(reader.bytes(NK)),
    };
  });
}
