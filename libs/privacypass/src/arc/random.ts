/**
 * Randomness, injected. Every randomized ARC and Sigma function takes an `ArcRandom` (the Sigma
 * draft's CSRNG interface, Section "Randomized algorithms": `getrandom(length)`), so tests drive
 * them with the drafts' deterministic SeededPRNG and reproduce the vectors byte for byte;
 * production uses `systemRandom` (Web Crypto `getRandomValues`, the same in browsers and Node).
 *
 * Two reductions, as the vectors' generator uses them:
 * - Sigma prover nonces (Sigma draft, "Seeded PRNG"; Fiat-Shamir draft Section 9.1.4):
 *   OS2IP(Ns + 16 random bytes) mod p.
 * - ARC's RandomScalar (keys, client secrets, blinds): the generator's `Scalar.random(rng)`, which is
 *   `randint(0, p - 1)`: OS2IP(Ns + 16 random bytes) mod (p - 1). ARC requires a non-zero scalar,
 *   so a zero result is drawn again (probability 2^-256; it never occurs in the vectors).
 */
import { PrivacyPassError, PrivacyPassErrorCode } from "../errors.js";
import { Shake128Sponge, paddedLabel } from "./duplex-sponge.js";
import { bytesToBigInt } from "./sigma-group.js";

export interface ArcRandom {
  /** `length` bytes from a cryptographically secure generator. */
  getRandom(length: number): Uint8Array;
}

/** The platform CSPRNG through Web Crypto (globalThis.crypto), which browsers and Node both provide. */
export const systemRandom: ArcRandom = {
  getRandom(length: number): Uint8Array {
    const out = new Uint8Array(length);
    // getRandomValues fills at most 65536 bytes per call.
    for (let offset = 0; offset < length; offset += 65536) {
      globalThis.crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + 65536)));
    }
    return out;
  },
};

function byteLength(value: bigint): number {
  return Math.ceil(value.toString(2).length / 8);
}

/** A Sigma prover nonce in [0, order): OS2IP(Ns + 16 bytes) mod order. */
export function randomNonce(rng: ArcRandom, order: bigint): bigint {
  return bytesToBigInt(rng.getRandom(byteLength(order) + 16)) % order;
}

/** ARC's RandomScalar: a non-zero scalar, OS2IP(Ns + 16 bytes) mod (order - 1) as the vectors draw it. */
export function randomScalar(rng: ArcRandom, order: bigint): bigint {
  const range = order - 1n;
  for (;;) {
    const s = bytesToBigInt(rng.getRandom(byteLength(range) + 16)) % range;
    if (s !== 0n) return s;
  }
}

/**
 * The drafts' SeededPRNG, for reproducible test vectors only (Sigma draft Appendix "Seeded PRNG";
 * ARC draft "Test Vectors"): a SHAKE128 sponge with IV "sigma-proofs/TestDRNG/SHAKE128", absorbing a
 * 32-byte seed; successive `getRandom` calls return successive bytes of its output stream.
 * Production code MUST NOT use it.
 */
export class SeededRandom implements ArcRandom {
  readonly #sponge: Shake128Sponge;
  #offset = 0;

  constructor(seed: Uint8Array) {
    if (seed.length !== 32) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "seed must be 32 bytes");
    this.#sponge = new Shake128Sponge(paddedLabel("sigma-proofs/TestDRNG/SHAKE128")).absorb(seed);
  }

  getRandom(length: number): Uint8Array {
    const end = this.#offset + length;
    const out = this.#sponge.squeeze(end).slice(this.#offset, end);
    this.#offset = end;
    return out;
  }
}
