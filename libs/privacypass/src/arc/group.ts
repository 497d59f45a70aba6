/**
 * ARC's group, suite ARCV1-P256 (draft-ietf-privacypass-arc-crypto, Section "ARC(P-256)"), on
 * @noble/curves (choice and measurements: docs/decisions/0022-arc-p256-library.md).
 *
 * - SerializeElement: SEC1 compressed, Ne = 33. DeserializeElement: 33 bytes, compressed form only,
 *   x below the field prime, on the curve, not the identity.
 * - SerializeScalar: 32 bytes big-endian. Deserialization: [0, p) for proof scalars (Sigma draft),
 *   [1, p) for keys and credential secrets (ARC draft's DeserializeScalar).
 * - HashToGroup(x, info): RFC 9380 P256_XMD:SHA-256_SSWU_RO_, DST "HashToGroup-ARCV1-P256" || info.
 * - HashToScalar(x, info): hash_to_field, L = 48, expand_message_xmd SHA-256, modulus p,
 *   DST "HashToScalar-ARCV1-P256" || info.
 * - generatorG = the P-256 base point; generatorH = HashToGroup(SerializeElement(G), "generatorH").
 */
import { p256, p256_hasher } from "@noble/curves/nist.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "../errors.js";
import { bytesToBigInt, mod, scalarToBytes, type SigmaGroup } from "./sigma-group.js";

const Point = p256.Point;
/** A P-256 group element (a @noble/curves point; treat it as opaque). */
export type ArcElement = InstanceType<typeof Point>;

export const NE = 33;
export const NS = 32;
/** The P-256 group order. */
export const ORDER: bigint = Point.Fn.ORDER;
const CONTEXT_STRING = "ARCV1-P256";
const encoder = new TextEncoder();

export const P256: SigmaGroup<ArcElement> = {
  order: ORDER,
  scalarLength: NS,
  elementLength: NE,
  identity: Point.ZERO,
  add: (a, b) => a.add(b),
  subtract: (a, b) => a.subtract(b),
  multiply: (a, s) => multiplyWith(a, s, false),
  multiplyPublic: (a, s) => multiplyWith(a, s, true),
  // Only with a multiplier that has a multi-scalar multiplication: on @noble/curves alone the Sigma
  // layer's term-by-term path (which scales each repeated image element once) is cheaper.
  get multiplySum() {
    return multiplier?.multiplySum === undefined ? undefined : sumWith;
  },
  equals: (a, b) => a.equals(b),
  serializeElement,
  deserializeElement,
};

export function deserializeElement(bytes: Uint8Array): ArcElement {
  // 33 bytes and a 0x02/0x03 prefix first: fromBytes also accepts the uncompressed form.
  if (bytes.length !== NE || (bytes[0] !== 0x02 && bytes[0] !== 0x03)) throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, "element");
  if (multiplier?.decompress !== undefined) {
    const point = multiplier.decompress(bytes);
    if (point === undefined) throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, "element");
    return point;
  }
  let point: ArcElement;
  try {
    point = Point.fromBytes(bytes);
    point.assertValidity();
  } catch {
    throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, "element");
  }
  if (point.is0()) throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, "element");
  return point;
}

const encodings = new WeakMap<ArcElement, Uint8Array>();

/**
 * SEC1 compressed. A point with Z = 1 (decoded, or a native multiplier's result) is written from
 * its coordinates; any other is encoded by @noble/curves (an inversion) once per point object and
 * remembered (generatorT, sums, the key's points recur in every label). Points reach here only
 * from this group's own operations and checked decodings, so they are valid by construction.
 */
export function serializeElement(a: ArcElement): Uint8Array {
  if (a.Z === 1n) {
    const out = new Uint8Array(NE);
    out[0] = (a.Y & 1n) === 1n ? 0x03 : 0x02;
    const view = new DataView(out.buffer);
    const x = a.X;
    view.setBigUint64(1, x >> 192n);
    view.setBigUint64(9, x >> 128n);
    view.setBigUint64(17, x >> 64n);
    view.setBigUint64(25, x);
    return out;
  }
  let known = encodings.get(a);
  if (known === undefined) {
    known = a.toBytes(true);
    encodings.set(a, known);
  }
  return known.slice();
}

export function serializeScalar(s: bigint): Uint8Array {
  return scalarToBytes(s, NS);
}

/** A proof scalar: 32 bytes, in [0, p). */
export function deserializeProofScalar(bytes: Uint8Array): bigint {
  const s = bytesToBigInt(bytes);
  if (bytes.length !== NS || s >= ORDER) throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, "scalar");
  return s;
}

/** A key or secret scalar: 32 bytes, in [1, p) (ARC draft DeserializeScalar). */
export function deserializeScalar(bytes: Uint8Array): bigint {
  const s = deserializeProofScalar(bytes);
  if (s === 0n) throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, "scalar");
  return s;
}

export function scalarAdd(a: bigint, b: bigint): bigint {
  return mod(a + b, ORDER);
}
export function scalarSub(a: bigint, b: bigint): bigint {
  return mod(a - b, ORDER);
}
export function scalarMul(a: bigint, b: bigint): bigint {
  return mod(a * b, ORDER);
}
export function scalarNeg(a: bigint): bigint {
  return mod(-a, ORDER);
}
export function scalarInverse(a: bigint): bigint {
  return Point.Fn.inv(mod(a, ORDER));
}

/**
 * A faster scalar multiplication than @noble/curves' own, installed by a platform that has one
 * (Node: OpenSSL, ../arc-native.ts). It must return exactly s * A (the same group element; every
 * output byte of ARC depends on it) and run in constant time in `s`, since it also gets secret
 * scalars. Scalars reach it reduced, in [2, p - 2]; A is never the identity.
 * Why and measurements: docs/decisions/0030-arc-speed.md, docs/decisions/0055-arc-native-p256.md.
 */
export interface ArcMultiplier {
  /** s * generatorG. */
  multiplyBase(s: bigint): ArcElement;
  /** s * A for any other A. */
  multiply(a: ArcElement, s: bigint): ArcElement;
  /**
   * Optional: sum of scalars[i] * points[i] (1 to 64 terms; scalars reduced and nonzero, points
   * not the identity, generatorG among them allowed). publicScalars false: constant time in every
   * scalar; true: may be variable time. Returns the identity when the sum is.
   */
  multiplySum?(points: readonly ArcElement[], scalars: readonly bigint[], publicScalars: boolean): ArcElement;
  /** Optional: SEC1 compressed bytes (33, prefix checked by the caller) to the point; undefined if not on the curve or x >= the field prime. */
  decompress?(bytes: Uint8Array): ArcElement | undefined;
  /** True when `multiply` is cheaper than a walk of a precomputed @noble/curves table (then tables are not used). */
  readonly outrunsTables?: boolean;
  /** Optional: a point multiplied often (generatorH, the server key's points) gets the multiplier's own table (`withTable`). */
  precompute?(a: ArcElement): void;
}

let multiplier: ArcMultiplier | undefined;

/** Installs (or with `undefined` removes) the multiplier every ARC scalar multiplication goes through. */
export function setArcMultiplier(m: ArcMultiplier | undefined): void {
  multiplier = m;
}

/** The installed multiplier, if any (for tests and the benchmark). */
export function arcMultiplier(): ArcMultiplier | undefined {
  return multiplier;
}

const SHORT_SCALAR = 1n << 40n;

function multiplyWith(a: ArcElement, scalar: bigint, publicScalar: boolean): ArcElement {
  const s = mod(scalar, ORDER);
  if (s === 0n || a.is0()) return Point.ZERO;
  if (s === 1n) return a;
  if (s === ORDER - 1n) return a.negate();
  // A public scalar on a point with a table: @noble/curves' table walk (additions only) beats two
  // ECDH and a square root (docs/decisions/0030-arc-speed.md).
  if (publicScalar && tabled.has(a) && multiplier?.outrunsTables !== true) return a.multiplyUnsafe(s);
  // A short public scalar (the range proof's bases): noble's walk over its few bits beats a call.
  if (publicScalar && s < SHORT_SCALAR) return a.multiplyUnsafe(s);
  if (multiplier !== undefined) return a === Point.BASE ? multiplier.multiplyBase(s) : multiplier.multiply(a, s);
  return publicScalar ? a.multiplyUnsafe(s) : a.multiply(s);
}

/** s * A (secret s; constant time in the library for s in [1, p)). */
export function mul(a: ArcElement, s: bigint): ArcElement {
  return multiplyWith(a, s, false);
}

/** The most terms one sum goes to the multiplier with (its limit). */
const SUM_TERMS = 64;

function sumWith(points: readonly ArcElement[], scalars: readonly bigint[], publicScalars: boolean): ArcElement {
  if (points.length !== scalars.length) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "points and scalars");
  const ps: ArcElement[] = [];
  const ss: bigint[] = [];
  points.forEach((p, i) => {
    const s = mod(scalars[i] as bigint, ORDER);
    if (s !== 0n && !p.is0()) {
      ps.push(p);
      ss.push(s);
    }
  });
  if (ps.length === 0) return Point.ZERO;
  if (ps.length === 1) return multiplyWith(ps[0] as ArcElement, ss[0] as bigint, publicScalars);
  if (multiplier?.multiplySum !== undefined && ps.length <= SUM_TERMS) return multiplier.multiplySum(ps, ss, publicScalars);
  return ps.reduce((acc, p, i) => acc.add(multiplyWith(p, ss[i] as bigint, publicScalars)), Point.ZERO);
}

/** sum(scalars[i] * points[i]) with secret scalars (each multiplication constant time). */
export function mulSum(points: readonly ArcElement[], scalars: readonly bigint[]): ArcElement {
  return sumWith(points, scalars, false);
}

/** sum(scalars[i] * points[i]) with public scalars only (may be variable time). */
export function mulSumPublic(points: readonly ArcElement[], scalars: readonly bigint[]): ArcElement {
  return sumWith(points, scalars, true);
}

/** s * generatorG. */
export function mulG(s: bigint): ArcElement {
  return mul(Point.BASE, s);
}

const tabled = new WeakSet<ArcElement>();

/**
 * Gives `point` a precomputed multiplication table (window 8), once per point object: about 20
 * plain multiplications' worth of work that makes each later multiplication by it about 7 times
 * faster. For the server key's points, which the issuer and origins multiply on every request
 * (measurements: docs/decisions/0022-arc-p256-library.md). Returns the same point.
 */
export function withTable(point: ArcElement): ArcElement {
  // A multiplier faster than the table walk makes noble's table a loss; it may keep its own.
  if (multiplier?.outrunsTables === true) {
    multiplier.precompute?.(point);
    return point;
  }
  if (!tabled.has(point)) {
    point.precompute(8, false);
    tabled.add(point);
  }
  return point;
}

/** The same point with Z = 1 (one inversion now rather than one per encoding or native call). */
export function normalized(a: ArcElement): ArcElement {
  return a.is0() || a.Z === 1n ? a : Point.fromAffine(a.toAffine());
}

export function hashToGroup(x: Uint8Array, info: string): ArcElement {
  return p256_hasher.hashToCurve(x, { DST: encoder.encode(`HashToGroup-${CONTEXT_STRING}${info}`) });
}

export function hashToScalar(x: Uint8Array, info: string): bigint {
  return p256_hasher.hashToScalar(x, { DST: encoder.encode(`HashToScalar-${CONTEXT_STRING}${info}`) });
}

export const GENERATOR_G: ArcElement = Point.BASE;
/**
 * generatorH, with a precomputed multiplication table (window 8) like the base point's: every
 * commitment and proof multiplies it, so the one-time table (a few milliseconds at load) pays
 * for itself after a handful of operations.
 */
export const GENERATOR_H: ArcElement = withTable(normalized(hashToGroup(serializeElement(Point.BASE), "generatorH")));
