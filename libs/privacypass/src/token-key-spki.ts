/**
 * The platform-neutral half of token keys for type 0x0002 (RFC 9578 Section 6.5; the encoding is
 * described in token-key.ts): reading n and e out of the published SubjectPublicKeyInfo in DER,
 * and token_key_id = SHA-256(encoded key) over the bytes as published (Section 6.1). The client
 * (client.ts) needs no more, so it runs without node:crypto.
 *
 * The algorithm identifier must be id-RSASSA-PSS with SHA-384, MGF1-SHA-384 and salt 48, written
 * as RFC 9578 Appendix A.2 writes it (hash parameters absent) or as OpenSSL writes it (NULL hash
 * parameters); the modulus must be 2048 bits.
 */
import { equal, fromHex } from "@oblivious/wire";
import { primitives } from "#primitives";
import { DerTag, readSequence, unsignedInteger, writeTlv } from "./der.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";
import { NK } from "./token-types.js";

/** AlgorithmIdentifier { id-RSASSA-PSS, { sha384, mgf1(sha384), 48 } }, as in RFC 9578 A.2. */
export const RSASSA_PSS_SHA384_ALGORITHM = fromHex(
  "303d06092a864886f70d01010a3030a00d300b0609608648016503040202a11a301806092a864886f70d010108300b0609608648016503040202a203020130",
);
/** The same parameters with NULL hash parameters, as OpenSSL writes them. */
const RSASSA_PSS_SHA384_ALGORITHM_NULL_PARAMETERS = fromHex(
  "304106092a864886f70d01010a3034a00f300d06096086480165030402020500a11c301a06092a864886f70d010108300d06096086480165030402020500a203020130",
);

export const TOKEN_KEY_MODULUS_BITS = NK * 8;
export const PSS_SALT_LENGTH = 48;

export interface TokenKeyComponents {
  /** The modulus, big-endian, without leading zero bytes. */
  readonly n: Uint8Array;
  readonly e: Uint8Array;
}

function invalidKey(detail: string): PrivacyPassError {
  return new PrivacyPassError(PrivacyPassErrorCode.InvalidKey, detail);
}

/** n and e of an RFC 9578 token key; `malformed` for bad DER, `invalid-key` for another algorithm or size. */
export function tokenKeyComponents(spki: Uint8Array): TokenKeyComponents {
  const [algorithm, bitString] = readSequence(spki, [DerTag.Sequence, DerTag.BitString]);
  if (algorithm === undefined || bitString === undefined) throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, "SubjectPublicKeyInfo");
  const identifier = writeTlv(DerTag.Sequence, algorithm);
  if (!equal(identifier, RSASSA_PSS_SHA384_ALGORITHM) && !equal(identifier, RSASSA_PSS_SHA384_ALGORITHM_NULL_PARAMETERS)) {
    throw invalidKey("the key must use the RSASSA-PSS OID with SHA-384, MGF1-SHA-384, salt 48");
  }
  if (bitString[0] !== 0) throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, "SubjectPublicKeyInfo");
  const [n, e] = readSequence(bitString.subarray(1), [DerTag.Integer, DerTag.Integer]);
  if (n === undefined || e === undefined) throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, "RSAPublicKey");
  const modulus = unsignedInteger(n);
  const exponent = unsignedInteger(e);
  if (modulus.length !== NK || ((modulus[0] as number) & 0x80) === 0) throw invalidKey("the modulus must be 2048 bits");
  if (exponent.length === 0 || (exponent.length === 1 && (exponent[0] as number) < 3) || ((exponent[exponent.length - 1] as number) & 1) === 0) {
    throw invalidKey("the public exponent must be odd and at least 3");
  }
  return { n: new Uint8Array(modulus), e: new Uint8Array(exponent) };
}

/** token_key_id = SHA-256 over the encoded key, exactly as published. */
export function tokenKeyId(spki: Uint8Array): Uint8Array {
  return primitives.sha256([spki]);
}

/** truncated_token_key_id: the least significant byte of token_key_id. */
export function truncatedTokenKeyId(spki: Uint8Array): number {
  const id = tokenKeyId(spki);
  return id[id.length - 1] as number;
}
