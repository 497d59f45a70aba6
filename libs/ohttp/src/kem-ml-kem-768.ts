import { KemId } from "./algorithms.js";
import type { Kem } from "./kem.js";
import { seedKem } from "./seed-key.js";
import type { MlKem768Backend } from "./ml-kem-768-backend.js";
import { encapsDeterministic } from "./ml-kem-768-pure-js.js";

/**
 * ML-KEM-768 as an HPKE KEM, 0x0041 (draft-ietf-hpke-pq-04 Section 3):
 *
 *   def DeriveKeyPair(ikm):
 *     dk = SHAKE256.LabeledDerive(ikm, "DeriveKeyPair", "", 64)
 *     (_expanded_dk, ek) = expandDecapsKey(dk)
 *     return (dk, ek)
 *
 *   def GenerateKeyPair():
 *     dk = random(64)
 *     ...
 *
 * The private key is the 64-byte seed dk = d || z (Nsk = 64), serialized as is; the public key
 * and enc are ek and the ciphertext (the identity). Encap is ML-KEM.Encaps, whose encapsulation
 * key check failing is the caller's `invalid-argument`; Decap is ML-KEM.Decaps on the key
 * expanded from the seed (expanded once, when the key is loaded), and any failure is
 * `decrypt-failed`.
 */

/** The KEM on one ML-KEM-768 backend (node:crypto or pure JavaScript). */
export function mlKem768Kem<D>(backend: MlKem768Backend<D>): Kem {
  return seedKem<D>({
    id: KemId.MlKem768,
    name: "ML-KEM-768",
    shortName: "ML-KEM-768",
    keyName: "MlKem768PrivateKey",
    backend: backend.backend,
    randomnessLength: 32,
    expand: (seed) => {
      const { dk, ek } = backend.keyGen(seed);
      return { handle: dk, publicKey: ek };
    },
    encaps: (pk, randomness) => (randomness === undefined ? backend.encaps(pk) : encapsDeterministic(pk, randomness)),
    decaps: (dk, ct) => backend.decaps(dk, ct),
  });
}
