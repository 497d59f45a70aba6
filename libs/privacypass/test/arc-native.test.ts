// The node:crypto ECDH multiplier (src/arc-native.ts; installed when the p256-native addon is not
// available, test/arc-addon.test.ts covers the addon) against @noble/curves: the same point for every
// scalar and point tried, including the edges the multiplier's sign test depends on; then every
// vector, negative and protocol test of ARC again with it installed (the same files, imported
// after installing it: their outputs must stay byte for byte the same).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { nativeArcMultiplier, useNativeArcMultiplier } from "../src/arc-native.js";
import { addonArcMultiplier } from "../src/arc-addon.js";
import { arcMultiplier, GENERATOR_H, mul, mulG, P256, setArcMultiplier } from "../src/arc/group.js";

const Point = p256.Point;
const ORDER = Point.Fn.ORDER;
const randomScalar = (): bigint => BigInt(`0x${randomBytes(32).toString("hex")}`) % ORDER;

test("OpenSSL multiplier equals @noble/curves on 300 random points and scalars, edge scalars, and +-G, +-2G, H", () => {
  const edges = [2n, 3n, ORDER - 2n, ORDER - 3n, (ORDER - 1n) / 2n, (ORDER + 1n) / 2n];
  for (let i = 0; i < 300; i++) {
    const a = Point.BASE.multiply(randomScalar() || 7n).add(i % 2 === 0 ? GENERATOR_H : Point.BASE);
    const s = i < edges.length ? (edges[i] as bigint) : randomScalar() || 5n;
    assert.ok(nativeArcMultiplier.multiply(a, s).equals(a.multiplyUnsafe(s)), `point ${i}`);
    assert.ok(nativeArcMultiplier.multiplyBase(s).equals(Point.BASE.multiplyUnsafe(s)), `base ${i}`);
  }
  // The points the formula cannot take (x(s*A) = x(s*G)) and ones next to them; the same point object twice (cached encodings).
  const near = [Point.BASE, Point.BASE.negate(), Point.BASE.double(), Point.BASE.double().negate(), GENERATOR_H, GENERATOR_H];
  for (const a of near) {
    for (const s of [2n, ORDER - 2n, randomScalar() || 9n]) assert.ok(nativeArcMultiplier.multiply(a, s).equals(a.multiplyUnsafe(s)));
  }
});

test("with it installed, the group's multiplications keep their edge results (0, 1, -1, identity)", () => {
  useNativeArcMultiplier();
  assert.equal(arcMultiplier(), addonArcMultiplier ?? nativeArcMultiplier, "the addon when it loads, else ECDH");
  setArcMultiplier(nativeArcMultiplier);
  const a = GENERATOR_H;
  assert.ok(mul(a, 0n).is0());
  assert.ok(mul(a, ORDER).is0());
  assert.ok(mul(a, 1n).equals(a));
  assert.ok(mul(a, ORDER - 1n).equals(a.negate()));
  assert.ok(mul(a, -2n).equals(a.multiply(ORDER - 2n)));
  assert.ok(mulG(ORDER + 5n).equals(Point.BASE.multiply(5n)));
  assert.ok(P256.multiply(Point.ZERO, 9n).is0());
  assert.ok(P256.multiplyPublic(a, 12345n).equals(a.multiplyUnsafe(12345n)));
});

setArcMultiplier(nativeArcMultiplier);
await import("./arc-vectors.test.js");
await import("./arc-negative.test.js");
await import("./arc-protocol.test.js");
