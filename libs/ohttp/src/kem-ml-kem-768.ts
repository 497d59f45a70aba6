import { primitives } from "#primitives";
import { KEM_PARAMETERS, KemId } from "./algorithms.js";
import { OhttpError, OhttpErrorCode, decryptFailed } from "./errors.js";
import type { Kem, KemPrivateKey } from "./kem.js";
import { kemSuiteId, labeledDeriveShake256 } from "./labeled-derive.js";
import type { MlKem768Backend } from "./ml-kem-768-backend.js";
import { INSPECT } from "./primitives.js";
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

const PARAMS = KEM_PARAMETERS[KemId.MlKem768];
const SUITE_ID = kemSuiteId(KemId.MlKem768);
const EMPTY = new Uint8Array(0);

class MlKem768PrivateKey<D> implements KemPrivateKey {
  readonly kemId = KemId.MlKem768;
  readonly publicKey: Uint8Array;
  readonly dk: D;
  readonly #seed: Uint8Array;
  readonly #owner: Kem;

  constructor(owner: Kem, seed: Uint8Array, dk: D, ek: Uint8Array) {
    this.#owner = owner;
    this.#seed = seed;
    this.dk = dk;
    this.publicKey = ek;
  }

  ownedBy(kem: Kem): boolean {
    return this.#owner === kem;
  }

  /** @internal */
  seed(): Uint8Array {
    return Uint8Array.from(this.#seed);
  }

  toString(): string {
    return "MlKem768PrivateKey { [redacted] }";
  }

  toJSON(): { readonly redacted: true } {
    return { redacted: true };
  }

  [INSPECT](): string {
    return this.toString();
  }
}

/** The KEM on one ML-KEM-768 backend (node:crypto or pure JavaScript). */
export function mlKem768Kem<D>(backend: MlKem768Backend<D>): Kem {
  const fromSeed = (seed: Uint8Array): MlKem768PrivateKey<D> => {
    if (seed.length !== PARAMS.Nsk) throw new OhttpError(OhttpErrorCode.InvalidArgument, "ML-KEM-768 private key length");
    const copy = Uint8Array.from(seed);
    const { dk, ek } = backend.keyGen(copy);
    return new MlKem768PrivateKey(kem, copy, dk, ek);
  };
  const own = (sk: KemPrivateKey): MlKem768PrivateKey<D> | undefined => (sk instanceof MlKem768PrivateKey && sk.ownedBy(kem) ? (sk as MlKem768PrivateKey<D>) : undefined);
  const kem: Kem = Object.freeze({
    id: KemId.MlKem768,
    name: "ML-KEM-768",
    backend: backend.backend,
    ...PARAMS,
    generateKeyPair: () => fromSeed(primitives.randomBytes(PARAMS.Nsk)),
    deriveKeyPair: (ikm: Uint8Array) => fromSeed(labeledDeriveShake256(SUITE_ID, ikm, "DeriveKeyPair", EMPTY, PARAMS.Nsk)),
    deserializePrivateKey: fromSeed,
    serializePrivateKey: (sk: KemPrivateKey) => {
      const key = own(sk);
      if (key === undefined) throw new OhttpError(OhttpErrorCode.InvalidArgument, "not an ML-KEM-768 private key of this backend");
      return key.seed();
    },
    encap: (pkRm: Uint8Array, randomness?: Uint8Array) => {
      if (pkRm.length !== PARAMS.Npk) throw new OhttpError(OhttpErrorCode.InvalidArgument, "ML-KEM-768 public key length");
      if (randomness !== undefined && randomness.length !== 32) throw new OhttpError(OhttpErrorCode.InvalidArgument, "ML-KEM-768 encapsulation randomness length");
      let out: { readonly sharedSecret: Uint8Array; readonly ciphertext: Uint8Array };
      try {
        out = randomness === undefined ? backend.encaps(pkRm) : encapsDeterministic(pkRm, randomness);
      } catch {
        throw new OhttpError(OhttpErrorCode.InvalidArgument, "ML-KEM-768 public key");
      }
      return { sharedSecret: out.sharedSecret, enc: out.ciphertext };
    },
    decap: (enc: Uint8Array, skR: KemPrivateKey) => {
      const key = own(skR);
      if (key === undefined || enc.length !== PARAMS.Nenc) throw decryptFailed();
      try {
        return backend.decaps(key.dk, enc);
      } catch {
        throw decryptFailed();
      }
    },
  });
  return kem;
}
