import type { KemBackend } from "./kem.js";

/**
 * ML-KEM-768 (FIPS 203) as the HPKE KEMs need it, with a decapsulation key kept in whatever form
 * the backend decapsulates fastest (`D`): node:crypto's KeyObject (ml-kem-768-node.ts) or the
 * expanded key of pure JavaScript (ml-kem-768-pure-js.ts). Bytes are plain Uint8Arrays.
 */
export interface MlKem768Backend<D> {
  readonly backend: KemBackend;
  /** ML-KEM.KeyGen_internal(d, z) from the 64-byte seed d || z: the decapsulation key and ek. */
  keyGen(seed: Uint8Array): { readonly dk: D; readonly ek: Uint8Array };
  /** ML-KEM.Encaps(ek) with fresh randomness; throws when ek fails the input check. */
  encaps(ek: Uint8Array): { readonly sharedSecret: Uint8Array; readonly ciphertext: Uint8Array };
  /** ML-KEM.Decaps(dk, c) (implicit rejection: a wrong ciphertext gives a pseudorandom secret). */
  decaps(dk: D, ciphertext: Uint8Array): Uint8Array;
}

/** FIPS 203 sizes for ML-KEM-768. */
export const ML_KEM_768 = Object.freeze({ seedLength: 64, ekLength: 1184, ctLength: 1088, ssLength: 32, mLength: 32 });
