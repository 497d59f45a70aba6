/**
 * ARC's P-256 scalar multiplications on OpenSSL (node:crypto), for Node only: the code under
 * src/arc/ stays browser-safe and uses @noble/curves unless this multiplier is installed
 * (`useNativeArcMultiplier`; the package index installs it). The result is the same group element,
 * so every ARC output byte is unchanged; tests run the vectors with and without it.
 *
 * node:crypto has no point multiplication returning a point, only ECDH (the x coordinate of s * A)
 * and key derivation (s * G in full). So, for A other than G and s in [2, p - 2]:
 *
 *   x  = x(s * A)         (ECDH, OpenSSL's constant-time P-256)
 *   x' = x((s + 1) * A)   (ECDH)
 *   y  = sqrt(x^3 - 3x + b), one of the two roots; Q = (x, y)
 *   s * A = Q if x(Q + A) = x', else -Q
 *
 * The test is unambiguous: Q + A and -Q + A share an x coordinate only if Q + A = +-(-Q + A), that is
 * 2A = 0 or 2Q = 0, impossible in a group of odd prime order for A and Q not the identity.
 * Measurements and the trust argument: docs/decisions/0030-arc-speed.md.
 */
import { createECDH } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { setArcMultiplier, type ArcElement, type ArcMultiplier } from "./arc/group.js";

const Point = p256.Point;
const Fp = Point.Fp;
const { a: CURVE_A, b: CURVE_B } = Point.CURVE();
const CURVE_NAME = "prime256v1";

function scalarBuffer(s: bigint): Buffer {
  return Buffer.from(s.toString(16).padStart(64, "0"), "hex");
}

/** x(s * A) from OpenSSL; A as SEC1 bytes. A fresh ECDH object per call: no secret outlives it. */
function ecdhX(s: bigint, peer: Uint8Array): bigint {
  const ecdh = createECDH(CURVE_NAME);
  ecdh.setPrivateKey(scalarBuffer(s));
  return BigInt(`0x${ecdh.computeSecret(peer).toString("hex")}`);
}

export const nativeArcMultiplier: ArcMultiplier = {
  multiplyBase(s: bigint): ArcElement {
    const ecdh = createECDH(CURVE_NAME);
    ecdh.setPrivateKey(scalarBuffer(s));
    return Point.fromBytes(ecdh.getPublicKey());
  },
  multiply(a: ArcElement, s: bigint): ArcElement {
    const peer = a.toBytes(true);
    const x = ecdhX(s, peer);
    const xNext = ecdhX(s + 1n, peer);
    const y = Fp.sqrt(Fp.add(Fp.add(Fp.mul(Fp.sqr(x), x), Fp.mul(CURVE_A, x)), CURVE_B));
    const q = Point.fromAffine({ x, y });
    const negated = q.negate();
    // x(q + A) = X / Z, compared without an inversion.
    const sum = q.add(a);
    return Fp.eql(sum.X, Fp.mul(xNext, sum.Z)) ? q : negated;
  },
};

/** Routes ARC's scalar multiplications through OpenSSL (idempotent). */
export function useNativeArcMultiplier(): void {
  setArcMultiplier(nativeArcMultiplier);
}
