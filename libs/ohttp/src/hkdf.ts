import { concat, latin1ToBytes } from "@oblivious/wire";
import { primitives } from "#primitives";
import type { KdfParameters } from "./algorithms.js";
import { OhttpError, OhttpErrorCode } from "./errors.js";

/**
 * HKDF (RFC 5869) on the platform's HMAC-SHA256 (primitives.ts), and the labelled forms HPKE builds on it (RFC 9180
 * Section 4). Inputs are never copied: the parts of a labelled input are fed to the HMAC one
 * after the other, which is the same as hashing their concatenation.
 */

const HPKE_V1 = new TextEncoder().encode("HPKE-v1");
const COUNTER: readonly Uint8Array[] = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));
/** Most (label, L) pairs are the spec's own constants; caller-chosen Export lengths stop here. */
const MAX_CACHED_PREFIXES = 64;

/** RFC 5869 Section 2.2: PRK = HMAC-Hash(salt, IKM). */
export function extract(_kdf: KdfParameters, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return primitives.hmacSha256(salt, [ikm]);
}

/**
 * RFC 5869 Section 2.3: T(0) = "", T(i) = HMAC-Hash(PRK, T(i-1) | info | i), OKM = the first L
 * bytes of T(1) | T(2) | ... `info` is given as parts, hashed as their concatenation.
 */
export function expand(kdf: KdfParameters, prk: Uint8Array, info: readonly Uint8Array[], L: number): Uint8Array {
  if (!Number.isInteger(L) || L < 0 || L > 255 * kdf.Nh) throw new OhttpError(OhttpErrorCode.InvalidArgument, "HKDF-Expand length");
  const blocks = Math.ceil(L / kdf.Nh);
  if (blocks <= 1) {
    const t1 = primitives.hmacSha256(prk, [...info, COUNTER[1] as Uint8Array]);
    return L === kdf.Nh ? t1 : t1.subarray(0, L);
  }
  const okm = new Uint8Array(blocks * kdf.Nh);
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 1; i <= blocks; i++) {
    previous = primitives.hmacSha256(prk, [previous, ...info, COUNTER[i] as Uint8Array]);
    okm.set(previous, (i - 1) * kdf.Nh);
  }
  return okm.subarray(0, L);
}

/**
 * LabeledExtract and LabeledExpand (RFC 9180 Section 4) for one `suite_id`:
 *
 *   def LabeledExtract(salt, label, ikm):
 *     labeled_ikm = concat("HPKE-v1", suite_id, label, ikm)
 *     return Extract(salt, labeled_ikm)
 *
 *   def LabeledExpand(prk, label, info, L):
 *     labeled_info = concat(I2OSP(L, 2), "HPKE-v1", suite_id, label, info)
 *     return Expand(prk, labeled_info, L)
 *
 * The constant prefixes ("HPKE-v1" | suite_id | label, with I2OSP(L, 2) for Expand) are built
 * once per label and kept.
 */
export class LabeledKdf {
  readonly kdf: KdfParameters;
  readonly #suiteId: Uint8Array;
  readonly #extractPrefixes = new Map<string, Uint8Array>();
  readonly #expandPrefixes = new Map<string, Uint8Array>();

  constructor(kdf: KdfParameters, suiteId: Uint8Array) {
    this.kdf = kdf;
    this.#suiteId = Uint8Array.from(suiteId);
  }

  labeledExtract(salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
    let prefix = this.#extractPrefixes.get(label);
    if (prefix === undefined) {
      prefix = concat(HPKE_V1, this.#suiteId, latin1ToBytes(label));
      if (this.#extractPrefixes.size < MAX_CACHED_PREFIXES) this.#extractPrefixes.set(label, prefix);
    }
    return primitives.hmacSha256(salt, [prefix, ikm]);
  }

  labeledExpand(prk: Uint8Array, label: string, info: Uint8Array, L: number): Uint8Array {
    if (!Number.isInteger(L) || L < 0 || L > 0xffff) throw new OhttpError(OhttpErrorCode.InvalidArgument, "LabeledExpand length");
    const cacheKey = `${L} ${label}`;
    let prefix = this.#expandPrefixes.get(cacheKey);
    if (prefix === undefined) {
      prefix = concat(Uint8Array.of(L >>> 8, L & 0xff), HPKE_V1, this.#suiteId, latin1ToBytes(label));
      if (this.#expandPrefixes.size < MAX_CACHED_PREFIXES) this.#expandPrefixes.set(cacheKey, prefix);
    }
    return expand(this.kdf, prk, [prefix, info], L);
  }
}
