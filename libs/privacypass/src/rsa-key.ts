/**
 * RSA key plumbing on node:crypto: the public components (n, e) of a key, and plain "rsa" views of
 * "rsa-pss" keys. OpenSSL refuses raw (RSA_NO_PADDING) operations on keys whose algorithm is
 * RSASSA-PSS, so signing and the fault check run on the same key material re-imported as
 * rsaEncryption. The key material is never exported in any other form.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { DerTag, readSequence, unsignedInteger } from "./der.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";

export interface RsaPublicComponents {
  /** The modulus, big-endian, without leading zero bytes. */
  readonly n: Uint8Array;
  readonly e: Uint8Array;
  /** DER RSAPublicKey (RFC 8017 Appendix A.1.1). */
  readonly rsaPublicKey: Uint8Array;
}

function invalidKey(detail?: string): PrivacyPassError {
  return new PrivacyPassError(PrivacyPassErrorCode.InvalidKey, detail);
}

export function isRsaKey(key: unknown): key is KeyObject {
  return (
    typeof key === "object" &&
    key !== null &&
    "asymmetricKeyType" in key &&
    (key.asymmetricKeyType === "rsa" || key.asymmetricKeyType === "rsa-pss")
  );
}

/** n and e of an RSA or RSA-PSS key (public or private), read from its SubjectPublicKeyInfo. */
export function rsaPublicComponents(key: KeyObject): RsaPublicComponents {
  if (!isRsaKey(key)) throw invalidKey("not an RSA key");
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  const spki = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
  try {
    const [, bitString] = readSequence(spki, [DerTag.Sequence, DerTag.BitString]);
    if (bitString === undefined || bitString[0] !== 0) throw invalidKey();
    const rsaPublicKey = bitString.subarray(1);
    const [n, e] = readSequence(rsaPublicKey, [DerTag.Integer, DerTag.Integer]);
    if (n === undefined || e === undefined) throw invalidKey();
    return { n: unsignedInteger(n), e: unsignedInteger(e), rsaPublicKey };
  } catch (error) {
    if (error instanceof PrivacyPassError) throw invalidKey();
    throw error;
  }
}

/** The same private key as an "rsa" KeyObject (PKCS#8 PrivateKeyInfo.privateKey is RSAPrivateKey for both). */
export function asRsaPrivateKey(key: KeyObject): KeyObject {
  if (!isRsaKey(key) || key.type !== "private") throw invalidKey("not an RSA private key");
  if (key.asymmetricKeyType === "rsa") return key;
  const pkcs8 = new Uint8Array(key.export({ format: "der", type: "pkcs8" }));
  try {
    const [, , privateKey] = readSequence(pkcs8, [DerTag.Integer, DerTag.Sequence, DerTag.OctetString]);
    if (privateKey === undefined) throw invalidKey();
    return createPrivateKey({ key: Buffer.from(privateKey), format: "der", type: "pkcs1" });
  } catch (error) {
    if (error instanceof PrivacyPassError) throw invalidKey();
    throw error;
  }
}

/** The public half of `key` as an "rsa" KeyObject. */
export function asRsaPublicKey(key: KeyObject): KeyObject {
  const { rsaPublicKey } = rsaPublicComponents(key);
  return createPublicKey({ key: Buffer.from(rsaPublicKey), format: "der", type: "pkcs1" });
}
