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
import { ArcError, ArcErrorCode } from "./errors.js";
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
  multiply: (a, s) => (s === 0n ? Point.ZERO : a.multiply(s)),
  multiplyPublic: (a, s) => a.multiplyUnsafe(s),
  equals: (a, b) => a.equals(b),
  serializeElement: (a) => a.toBytes(true),
  deserializeElement,
};

export function deserializeElement(bytes: Uint8Array): ArcElement {
  // 33 bytes and a 0x02/0x03 prefix first: fromBytes also accepts the uncompressed form.
  if (bytes.length !== NE || (bytes[0] !== 0x02 && bytes[0] !== 0x03)) throw new ArcError(ArcErrorCode.Malformed, "element");
  let point: ArcElement;
  try {
    point = Point.fromBytes(bytes);
    point.assertValidity();
  } catch {
    throw new ArcError(ArcErrorCode.Malformed, "element");
  }
  if (point.is0()) throw new ArcError(ArcErrorCode.Malformed, "element");
  return point;
}

export function serializeElement(a: ArcElement): Uint8Array {
  return a.toBytes(true);
}

export function serializeScalar(s: bigint): Uint8Array {
  return scalarToBytes(s, NS);
}

/** A proof scalar: 32 bytes, in [0, p). */
export function deserializeProofScalar(bytes: Uint8Array): bigint {
  const s = bytesToBigInt(bytes);
  if (bytes.length !== NS || s >= ORDER) throw new ArcError(ArcErrorCode.Malformed, "scalar");
  return s;
}

/** A key or secret scalar: 32 bytes, in [1, p) (ARC draft DeserializeScalar). */
export function deserializeScalar(bytes: Uint8Array): bigint {
  const s = deserializeProofScalar(bytes);
  if (s === 0n) throw new ArcError(ArcErrorCode.Malformed, "scalar");
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

/** s * A (secret s; constant time in the library for s in [1, p)). */
export function mul(a: ArcElement, s: bigint): ArcElement {
  return P256.multiply(a, mod(s, ORDER));
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
  if (!tabled.has(point)) {
    point.precompute(8, false);
    tabled.add(point);
  }
  return point;
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
export const GENERATOR_H: ArcElement = hashToGroup(serializeElement(Point.BASE), "generatorH").precompute(8, false);
