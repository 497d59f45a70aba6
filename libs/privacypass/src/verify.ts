/**
 * Token verification for type 0x0002, RFC 9578 Section 6.4:
 *
 *   token_authenticator_input = concat(Token.token_type, Token.nonce,
 *                                      Token.challenge_digest, Token.token_key_id)
 *   valid = RSASSA-PSS-VERIFY(pkI, token_authenticator_input, Token.authenticator)
 *
 * with SHA-384, MGF1-SHA-384 and a 48-byte salt, on node:crypto. This checks the signature only:
 * the caller picks `publicKey` by Token.token_key_id, compares Token.challenge_digest with the
 * digest of a challenge it issued, and spends the nonce once (RFC 9577 Section 2.2).
 */
import { constants, verify as verifySignature } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { isRsaKey } from "./rsa-key.js";
import { PSS_SALT_LENGTH, TOKEN_KEY_MODULUS_BITS } from "./token-key.js";
import { tokenAuthenticatorInput } from "./token.js";
import type { Token } from "./token.js";
import { CHALLENGE_DIGEST_LENGTH, NID, NK, NONCE_LENGTH, TokenType } from "./token-types.js";

/** RSASSA-PSS-VERIFY (RFC 8017 Section 8.1.2) with SHA-384, MGF1-SHA-384 and `saltLength`, on OpenSSL. */
function rsassaPssVerify(keyObject: KeyObject, msg: Uint8Array, sig: Uint8Array, saltLength: number): boolean {
  try {
    return verifySignature("sha384", msg, { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, sig);
  } catch {
    return false;
  }
}

function wellFormed(token: Token): boolean {
  return (
    token.tokenType === TokenType.BlindRsa2048 &&
    token.nonce instanceof Uint8Array && token.nonce.length === NONCE_LENGTH &&
    token.challengeDigest instanceof Uint8Array && token.challengeDigest.length === CHALLENGE_DIGEST_LENGTH &&
    token.tokenKeyId instanceof Uint8Array && token.tokenKeyId.length === NID &&
    token.authenticator instanceof Uint8Array && token.authenticator.length === NK
  );
}

/** True when the token's authenticator is a valid signature by `publicKey` (RSA-2048, "rsa" or "rsa-pss"). */
export function verifyToken(token: Token, publicKey: KeyObject): boolean {
  if (!wellFormed(token) || !isRsaKey(publicKey)) return false;
  if (publicKey.asymmetricKeyDetails?.modulusLength !== TOKEN_KEY_MODULUS_BITS) return false;
  return rsassaPssVerify(publicKey, tokenAuthenticatorInput(token), token.authenticator, PSS_SALT_LENGTH);
}
