/**
 * ARC's P-256 scalar multiplications on OpenSSL (node:crypto), for Node only: the code under
 * src/arc/ stays browser-safe and uses @noble/curves unless this multiplier is installed
 * (`useNativeArcMultiplier`; the package index installs it). The result is the same group element,
 * so every ARC output byte is unchanged; tests run the vectors with and without it.
 *
 * node:crypto has no point multiplication returning a point, only ECDH (the x coordinate of s * A)
 * and the ECDH key's public key (s * G in full). For A other than +-G and s in [2, p - 2], with one
 * ECDH key s:
 *
 *   (xp, yp) = s * G            (the key's public key)
 *   x1 = x(s * A)               (ECDH with A, OpenSSL's constant-time P-256)
 *   x3 = x(s * (A + G))         (ECDH with A + G) = x(Q + P) for Q = s * A, P = s * G
 *
 * The chord through Q and P has slope l = (y1 - yp) / (x1 - xp) and x3 = l^2 - x1 - xp, so
 * (y1 - yp)^2 = (x3 + x1 + xp)(x1 - xp)^2; with y1^2 = x1^3 - 3 x1 + b that is linear in y1:
 *
 *   y1 = (x1^3 - 3 x1 + b + yp^2 - (x3 + x1 + xp)(x1 - xp)^2) / (2 yp)
 *
 * x1 != xp since A != +-G, and yp != 0 (no point of order 2). y1 is checked on the curve before it
 * is returned. A and A + G are encoded once per point object (the key's points and H recur).
 * Measurements and the trust argument: docs/decisions/0030-arc-speed.md.
 */
import { createECDH } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { addonArcMultiplier } from "./arc-addon.js";
import { setArcMultiplier, type ArcElement, type ArcMultiplier } from "./arc/group.js";

const Point = p256.Point;
const Fp = Point.Fp;
const { a: CURVE_A, b: CURVE_B } = Point.CURVE();
const CURVE_NAME = "prime256v1";
const NEG_G = Point.BASE.negate();

function scalarBuffer(s: bigint): Buffer {
  return Buffer.from(s.toString(16).padStart(64, "0"), "hex");
}

function bufferToBigInt(b: Buffer): bigint {
  return BigInt(`0x${b.toString("hex")}`);
}

/** SEC1 uncompressed bytes of a (non-identity) point: what OpenSSL reads without a square root. */
function uncompressed(a: ArcElement): Buffer {
  const { x, y } = a.toAffine();
  return Buffer.from(`04${x.toString(16).padStart(64, "0")}${y.toString(16).padStart(64, "0")}`, "hex");
}

interface Peer {
  readonly a: Buffer;
  readonly aPlusG: Buffer;
}
const peers = new WeakMap<ArcElement, Peer>();

function peerOf(a: ArcElement): Peer {
  let p = peers.get(a);
  if (p === undefined) {
    p = { a: uncompressed(a), aPlusG: uncompressed(a.add(Point.BASE)) };
    peers.set(a, p);
  }
  return p;
}

function curveRhs(x: bigint): bigint {
  return Fp.add(Fp.add(Fp.mul(Fp.sqr(x), x), Fp.mul(CURVE_A, x)), CURVE_B);
}

function multiplyBase(s: bigint): ArcElement {
  const ecdh = createECDH(CURVE_NAME);
  ecdh.setPrivateKey(scalarBuffer(s));
  return Point.fromBytes(ecdh.getPublicKey());
}

export const nativeArcMultiplier: ArcMultiplier = {
  multiplyBase,
  multiply(a: ArcElement, s: bigint): ArcElement {
    // +-G: the base point's own path (the formula divides by x1 - xp = 0 there).
    if (a.equals(Point.BASE)) return multiplyBase(s);
    if (a.equals(NEG_G)) return multiplyBase(s).negate();
    const peer = peerOf(a);
    // A fresh ECDH object per call: no secret scalar outlives it.
    const ecdh = createECDH(CURVE_NAME);
    ecdh.setPrivateKey(scalarBuffer(s));
    const pub = ecdh.getPublicKey();
    const xp = bufferToBigInt(pub.subarray(1, 33));
    const yp = bufferToBigInt(pub.subarray(33, 65));
    const x1 = bufferToBigInt(ecdh.computeSecret(peer.a));
    const x3 = bufferToBigInt(ecdh.computeSecret(peer.aPlusG));
    const rhs = curveRhs(x1);
    const dx = Fp.sub(x1, xp);
    const numerator = Fp.sub(Fp.add(rhs, Fp.sqr(yp)), Fp.mul(Fp.add(Fp.add(x3, x1), xp), Fp.sqr(dx)));
    const y1 = Fp.mul(numerator, Fp.inv(Fp.add(yp, yp)));
    if (!Fp.eql(Fp.sqr(y1), rhs)) throw new Error("native P-256 multiplication: result off the curve");
    return Point.fromAffine({ x: x1, y: y1 });
  },
};

/**
 * Routes ARC's scalar multiplications through OpenSSL (idempotent): the @oblivious/p256-native
 * addon when it loads (./arc-addon.ts, docs/decisions/0055-arc-native-p256.md), else the
 * node:crypto ECDH path above.
 */
export function useNativeArcMultiplier(): void {
  setArcMultiplier(addonArcMultiplier ?? nativeArcMultiplier);
}
