import * as nodeCrypto from "node:crypto";
import type { KeyObject } from "node:crypto";
import type { MlKem768Backend } from "./ml-kem-768-backend.js";

/**
 * ML-KEM-768 on node:crypto (OpenSSL 3.5): `crypto.encapsulate`/`decapsulate` and ml-kem-768
 * KeyObjects, present from Node.js 24.7. `nodeMlKem768()` is undefined where they are missing.
 *
 * Keys travel as DER: the private key as PKCS#8 in the seed form (the `seed [0]` choice of
 * ML-KEM-768-PrivateKey in the LAMPS profile for ML-KEM keys: the 64 bytes d || z), the public key
 * as SubjectPublicKeyInfo around ek.
 */

/** The calls @types/node 20 does not declare, typed as narrowly as they are used. */
interface NodeKemCalls {
  encapsulate(key: KeyObject): { sharedKey: Buffer; ciphertext: Buffer };
  decapsulate(key: KeyObject, ciphertext: Uint8Array): Buffer;
}

/** PrivateKeyInfo { version 0, id-alg-ml-kem-768 (2.16.840.1.101.3.4.4.2), OCTET STRING { [0] 64 bytes } }. */
const PKCS8_SEED_PREFIX = Buffer.from("3054020100300b060960864801650304040204428040", "hex");
/** SubjectPublicKeyInfo { id-alg-ml-kem-768, BIT STRING (0 unused bits) ek }. */
const SPKI_PREFIX = Buffer.from("308204b2300b0609608648016503040402038204a100", "hex");

function plain(bytes: Buffer): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function backend(calls: NodeKemCalls): MlKem768Backend<KeyObject> {
  return Object.freeze({
    backend: "node",
    keyGen: (seed: Uint8Array) => {
      const der = Buffer.concat([PKCS8_SEED_PREFIX, seed]);
      try {
        const dk = nodeCrypto.createPrivateKey({ key: der, format: "der", type: "pkcs8" });
        const spki = nodeCrypto.createPublicKey(dk).export({ format: "der", type: "spki" });
        if (!spki.subarray(0, SPKI_PREFIX.length).equals(SPKI_PREFIX)) throw new Error("unexpected ML-KEM-768 public key encoding");
        return { dk, ek: Uint8Array.from(spki.subarray(SPKI_PREFIX.length)) };
      } finally {
        der.fill(0);
      }
    },
    encaps: (ek: Uint8Array) => {
      const key = nodeCrypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, ek]), format: "der", type: "spki" });
      const { sharedKey, ciphertext } = calls.encapsulate(key);
      return { sharedSecret: plain(sharedKey), ciphertext: plain(ciphertext) };
    },
    decaps: (dk: KeyObject, ciphertext: Uint8Array) => plain(calls.decapsulate(dk, ciphertext)),
  });
}

function probe(): MlKem768Backend<KeyObject> | undefined {
  const calls = nodeCrypto as unknown as Partial<NodeKemCalls>;
  const { encapsulate, decapsulate } = calls;
  if (typeof encapsulate !== "function" || typeof decapsulate !== "function") return undefined;
  const candidate = backend({ encapsulate, decapsulate });
  try {
    // One round trip proves the runtime's OpenSSL has ML-KEM-768 and takes the seed form.
    const { dk, ek } = candidate.keyGen(nodeCrypto.randomBytes(64));
    const { sharedSecret, ciphertext } = candidate.encaps(ek);
    return Buffer.from(candidate.decaps(dk, ciphertext)).equals(sharedSecret) ? candidate : undefined;
  } catch {
    return undefined;
  }
}

const available = probe();

/** node:crypto's ML-KEM-768, or undefined on a runtime without it. */
export function nodeMlKem768(): MlKem768Backend<KeyObject> | undefined {
  return available;
}
