/**
 * The range proof for the presentation nonce (draft-ietf-privacypass-arc-crypto, Section "Range
 * Proof for Arbitrary Values"): nonce in [0, presentationLimit) is shown by committing to its
 * decomposition over `ComputeBases(presentationLimit)`, proving each digit a bit with the
 * linearized relations D[i] = b[i]*G + s[i]*H and D[i] = b[i]*D[i] + s2[i]*H (inside the
 * presentation proof, ./presentation-relation.ts), and checking sum(bases[i] * D[i]) == nonceCommit
 * outside it.
 */
import { PrivacyPassError, PrivacyPassErrorCode } from "../errors.js";
import { GENERATOR_G, GENERATOR_H, mulSum, mulSumPublic, ORDER, scalarAdd, scalarInverse, scalarMul, scalarSub, type ArcElement } from "./group.js";
import { randomScalar, type ArcRandom } from "./random.js";

/** The largest presentation limit this library accepts (nonces are 32-bit; proofs grow with log2 of it). */
export const MAX_PRESENTATION_LIMIT = 2 ** 32;

/** Throws invalid-argument unless 2 <= limit <= 2^32 (a limit of 1 has no range proof: its single base is 0). */
export function requirePresentationLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 2 || limit > MAX_PRESENTATION_LIMIT) {
    throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "presentationLimit must be an integer in [2, 2^32]");
  }
}

/** k = ceil(log2(limit)): the number of bases, D commitments, and triples of range responses. */
export function rangeBits(limit: number): number {
  requirePresentationLimit(limit);
  let k = 0;
  while (2 ** k < limit) k++;
  return k;
}

/** ComputeBases: 1, 2, ..., 2^(k-2), then limit - 2^(k-1) (the remainder minus one), sorted descending. */
export function computeBases(limit: number): bigint[] {
  const k = rangeBits(limit);
  const bases: bigint[] = [];
  let remainder = BigInt(limit);
  for (let i = 0; i < k - 1; i++) {
    const base = 1n << BigInt(i);
    remainder -= base;
    bases.push(base);
  }
  bases.push(remainder - 1n);
  return bases.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
}

export interface RangeWitness {
  readonly D: ArcElement[];
  /** b[0..k), s[0..k), s2[0..k): the order the range scalars are allocated in. */
  readonly witness: bigint[];
}

/**
 * MakeRangeProofHelper's witness side: the canonical decomposition of `nonce` (greedy over the
 * descending bases), bit commitments with random blinds s[0..k-1), and the last blind chosen so
 * that sum(bases[i] * s[i]) = nonceBlinding, hence sum(bases[i] * D[i]) = nonceCommit.
 */
export function makeRangeWitness(nonce: number, nonceBlinding: bigint, limit: number, rng: ArcRandom): RangeWitness {
  const bases = computeBases(limit);
  let remainder = BigInt(nonce);
  const b = bases.map((base) => {
    const bit = remainder >= base ? 1n : 0n;
    remainder -= bit * base;
    return bit;
  });
  const s: bigint[] = [];
  let partial = 0n;
  for (let i = 0; i < bases.length - 1; i++) {
    const si = randomScalar(rng, ORDER);
    s.push(si);
    partial = scalarAdd(partial, scalarMul(bases[i] as bigint, si));
  }
  s.push(scalarMul(scalarInverse(bases[bases.length - 1] as bigint), scalarSub(nonceBlinding, partial)));
  const s2 = s.map((si, i) => scalarMul(1n - (b[i] as bigint), si));
  const D = s.map((si, i) => mulSum([GENERATOR_G, GENERATOR_H], [b[i] as bigint, si]));
  return { D, witness: [...b, ...s, ...s2] };
}

/** The check outside the proof: sum(bases[i] * D[i]) == nonceCommit. */
export function rangeSumHolds(D: readonly ArcElement[], nonceCommit: ArcElement, limit: number): boolean {
  const bases = computeBases(limit);
  if (D.length !== bases.length) return false;
  return D.length > 0 && mulSumPublic(D, bases).equals(nonceCommit);
}
