import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import type { MlKem768Backend } from "./ml-kem-768-backend.js";
import { Redacted } from "./redacted.js";

/**
 * ML-KEM-768 in pure JavaScript (@noble/post-quantum, pinned exactly): for runtimes without
 * node:crypto's ML-KEM (Node.js before 24.7, browsers), and for Encaps with given randomness,
 * which node:crypto does not expose (known-answer tests only).
 */

/** The expanded decapsulation key (FIPS 203 dk, 2,400 bytes), kept out of sight. */
export class PureJsDecapsulationKey extends Redacted {
  readonly #dk: Uint8Array;

  constructor(dk: Uint8Array) {
    super("PureJsDecapsulationKey");
    this.#dk = dk;
  }

  /** @internal */
  bytes(): Uint8Array {
    return this.#dk;
  }

}

export const pureJsMlKem768: MlKem768Backend<PureJsDecapsulationKey> = Object.freeze({
  backend: "pure-js",
  keyGen: (seed: Uint8Array) => {
    const { secretKey, publicKey } = ml_kem768.keygen(seed);
    return { dk: new PureJsDecapsulationKey(secretKey), ek: publicKey };
  },
  encaps: (ek: Uint8Array) => {
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(ek);
    return { ciphertext: cipherText, sharedSecret };
  },
  decaps: (dk: PureJsDecapsulationKey, ciphertext: Uint8Array) => ml_kem768.decapsulate(ciphertext, dk.bytes()),
});

/** ML-KEM.Encaps_internal(ek, m): Encaps with the 32-byte m given, for known-answer tests. */
export function encapsDeterministic(ek: Uint8Array, m: Uint8Array): { readonly sharedSecret: Uint8Array; readonly ciphertext: Uint8Array } {
  const { cipherText, sharedSecret } = ml_kem768.encapsulate(ek, m);
  return { ciphertext: cipherText, sharedSecret };
}
