/**
 * Token keys for type 0x0002, RFC 9578 Section 6.5: the Issuer Public Key is a DER
 * SubjectPublicKeyInfo that "MUST use the RSASSA-PSS OID [RFC5756], which specifies the hash
 * algorithm and salt size. The salt size MUST match the output size of the hash function", and
 * token_key_id = SHA-256(encoded key); truncated_token_key_id is its last byte (Section 6.1).
 *
 *   SubjectPublicKeyInfo ::= SEQUENCE {
 *     algorithm AlgorithmIdentifier { id-RSASSA-PSS,            -- 1.2.840.113549.1.1.10
 *       RSASSA-PSS-params { hashAlgorithm [0] id-sha384,        -- parameters absent
 *                           maskGenAlgorithm [1] id-mgf1(id-sha384),
 *                           saltLength [2] 48 } },
 *     subjectPublicKey BIT STRING -- RSAPublicKey }
 *
 * The encoder writes exactly the bytes of the RFC 9578 Appendix A.2 pkS (OpenSSL itself would
 * write NULL hash parameters, which changes token_key_id). The decoder accepts any DER that
 * node:crypto reads as RSASSA-PSS with SHA-384, MGF1-SHA-384, salt 48 and a 2048-bit modulus (the
 * client reads keys without node:crypto, token-key-spki.ts, and accepts two spellings of them);
 * key ids are always computed over the bytes as published, never over a re-encoding.
 */
import { createPublicKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { concat } from "@oblivious/wire";
import { DerTag, readTlv, writeSequence, writeTlv } from "./der.js";
import { decodeWhole } from "./decode.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";
import { isRsaKey, rsaPublicComponents } from "./rsa-key.js";
import { PSS_SALT_LENGTH, RSASSA_PSS_SHA384_ALGORITHM, TOKEN_KEY_MODULUS_BITS } from "./token-key-spki.js";

export { PSS_SALT_LENGTH, TOKEN_KEY_MODULUS_BITS, tokenKeyId, truncatedTokenKeyId } from "./token-key-spki.js";

function invalidKey(detail: string): PrivacyPassError {
  return new PrivacyPassError(PrivacyPassErrorCode.InvalidKey, detail);
}

/** Whether an RSA or RSA-PSS KeyObject can be a type 0x0002 token key. */
function requireTokenKeyShape(key: KeyObject): void {
  const details = key.asymmetricKeyDetails;
  if (details?.modulusLength !== TOKEN_KEY_MODULUS_BITS) throw invalidKey("the modulus must be 2048 bits");
  if (key.asymmetricKeyType === "rsa-pss" && details.hashAlgorithm !== undefined) {
    if (details.hashAlgorithm !== "sha384" || details.mgf1HashAlgorithm !== "sha384" || details.saltLength !== PSS_SALT_LENGTH) {
      throw invalidKey("RSASSA-PSS parameters must be SHA-384, MGF1-SHA-384, salt 48");
    }
  }
}

/** The RFC 9578 encoding of an RSA-2048 public key (an "rsa" or "rsa-pss" KeyObject, public or private). */
export function encodeTokenKey(publicKey: KeyObject): Uint8Array {
  if (!isRsaKey(publicKey)) throw invalidKey("not an RSA key");
  requireTokenKeyShape(publicKey);
  const { rsaPublicKey } = rsaPublicComponents(publicKey);
  return writeSequence(RSASSA_PSS_SHA384_ALGORITHM, writeTlv(DerTag.BitString, concat(Uint8Array.of(0), rsaPublicKey)));
}

/** A verification KeyObject ("rsa-pss") for an RFC 9578 token key; refuses rsaEncryption and other parameters. */
export function decodeTokenKey(spki: Uint8Array): KeyObject {
  // One DER SEQUENCE spanning every byte: OpenSSL alone would ignore trailing bytes.
  decodeWhole("SubjectPublicKeyInfo", spki, (reader) => readTlv(reader, DerTag.Sequence));
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch {
    throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, "SubjectPublicKeyInfo");
  }
  if (key.asymmetricKeyType !== "rsa-pss") throw invalidKey("the key must use the RSASSA-PSS OID");
  if (key.asymmetricKeyDetails?.hashAlgorithm === undefined) throw invalidKey("RSASSA-PSS parameters are required");
  requireTokenKeyShape(key);
  return key;
}
