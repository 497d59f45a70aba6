// The p256-native addon's multiplier (src/arc-addon.ts) against @noble/curves: single and
// multi-scalar multiplications, constant-time and public, on 300 random points and scalars and the
// edges; decompression with the same accept/reject as noble's; then every vector, negative and
// protocol test of ARC again with it installed (the same files: their bytes must not change).
// Fails when the addon is not built (`npm run build` builds it; libs/p256-native/README.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { p256NativeUnavailable } from "@oblivious/p256-native";
import { addonArcMultiplier } from "../src/arc-addon.js";
import { deserializeElement, GENERATOR_H, mul, mulG, mulSum, mulSumPublic, P256, setArcMultiplier, withTable, type ArcElement } from "../src/arc/group.js";
import { PrivacyPassError } from "../src/errors.js";

const Point = p256.Point;
const ORDER = Point.Fn.ORDER;
const FIELD = Point.Fp.ORDER;
const randomScalar = (): bigint => BigInt(`0x${randomBytes(32).toString("hex")}`) % ORDER;
const randomPoint = (): ArcElement => Point.BASE.multiplyUnsafe(randomScalar() || 3n);
const EDGES = [1n, 2n, 3n, ORDER - 1n, ORDER - 2n, ORDER - 3n, (ORDER - 1n) / 2n, (ORDER + 1n) / 2n];

const m = addonArcMultiplier;
test("the addon loads (built by npm run build)", () => {
  assert.ok(m !== undefined, `p256-native unavailable: ${p256NativeUnavailable() ?? "?"}`);
});

test("multiply and multiplyBase equal @noble/curves on 300 random points and scalars and the edge scalars", { skip: m === undefined }, () => {
  const multiplier = m as NonNullable<typeof m>;
  for (let i = 0; i < 300; i++) {
    // Points with Z = 1 and without (a noble sum), generatorH (projective, from hash-to-curve).
    const a = i % 3 === 0 ? randomPoint() : i % 3 === 1 ? randomPoint().add(GENERATOR_H) : GENERATOR_H;
    const s = i < EDGES.length ? (EDGES[i] as bigint) : randomScalar() || 5n;
    assert.ok(multiplier.multiply(a, s).equals(a.multiplyUnsafe(s)), `point ${i}`);
    assert.ok(multiplier.multiplyBase(s).equals(Point.BASE.multiplyUnsafe(s)), `base ${i}`);
  }
  for (const a of [Point.BASE, Point.BASE.negate(), Point.BASE.double()]) {
    for (const s of EDGES) assert.ok(multiplier.multiply(a, s).equals(a.multiplyUnsafe(s)));
  }
});

test("multiplySum, constant-time and public, equals the term-by-term sum; cancelling terms give the identity", { skip: m === undefined }, () => {
  const multiplier = m as NonNullable<typeof m>;
  const sumOf = (ps: readonly ArcElement[], ss: readonly bigint[]): ArcElement => ps.reduce((acc, p, i) => acc.add(p.multiplyUnsafe(ss[i] as bigint)), Point.ZERO);
  for (let i = 0; i < 300; i++) {
    const n = 1 + (i % 12);
    const ps = Array.from({ length: n }, (_, j) => (j === 0 && i % 2 === 0 ? Point.BASE : j === 1 ? GENERATOR_H : randomPoint()));
    const ss = Array.from({ length: n }, (_, j) => (j < 2 && i < EDGES.length ? (EDGES[i] as bigint) : randomScalar() || 7n));
    const expected = sumOf(ps, ss);
    assert.ok(multiplier.multiplySum?.(ps, ss, false).equals(expected), `constant time ${i}`);
    assert.ok(multiplier.multiplySum?.(ps, ss, true).equals(expected), `public ${i}`);
  }
  // The generator twice (the second as a plain point), 64 terms, and sums that cancel.
  const ps = Array.from({ length: 64 }, (_, j) => (j % 10 === 0 ? Point.BASE : randomPoint()));
  const ss = ps.map(() => randomScalar() || 11n);
  assert.ok(multiplier.multiplySum?.(ps, ss, false).equals(sumOf(ps, ss)));
  assert.ok(multiplier.multiplySum?.(ps, ss, true).equals(sumOf(ps, ss)));
  const a = randomPoint();
  for (const publicScalars of [false, true]) {
    assert.ok(multiplier.multiplySum?.([a, a], [1n, ORDER - 1n], publicScalars).is0());
    assert.ok(multiplier.multiplySum?.([a, a.negate()], [5n, 5n], publicScalars).is0());
    assert.ok(multiplier.multiplySum?.([Point.BASE, a], [1n, 1n], publicScalars).equals(a.add(Point.BASE)));
  }
});

test("the group's sums and edges with the addon installed: 0, 1, -1, identity, more than 64 terms", { skip: m === undefined }, () => {
  setArcMultiplier(m);
  try {
    const a = randomPoint();
    assert.ok(mul(a, 0n).is0());
    assert.ok(mul(a, 1n).equals(a));
    assert.ok(mul(a, ORDER - 1n).equals(a.negate()));
    assert.ok(mulG(ORDER + 5n).equals(Point.BASE.multiply(5n)));
    assert.ok(mulSum([a, Point.ZERO, GENERATOR_H], [3n, 4n, 0n]).equals(a.multiply(3n)));
    assert.ok(mulSum([], []).is0());
    const ps = Array.from({ length: 70 }, () => randomPoint());
    const ss = ps.map(() => randomScalar());
    const expected = ps.reduce((acc, p, i) => acc.add(p.multiplyUnsafe(ss[i] as bigint)), Point.ZERO);
    assert.ok(mulSumPublic(ps, ss).equals(expected));
    assert.ok(mulSum(ps, ss).equals(expected));
    assert.ok(P256.multiplySum !== undefined);
  } finally {
    setArcMultiplier(undefined);
  }
});

test("fixed bases (withTable): 20 key points in 14 slots, the same coordinates in another object, results unchanged", { skip: m === undefined }, () => {
  setArcMultiplier(m);
  try {
    const keyPoints = Array.from({ length: 20 }, () => randomPoint());
    for (let round = 0; round < 2; round++) {
      keyPoints.forEach((a, i) => {
        const s = randomScalar() || 3n;
        // A second object with the same coordinates (a key decoded again) shares the first's table.
        const twin = Point.fromAffine(a.toAffine());
        withTable(a);
        withTable(twin);
        assert.ok(mul(a, s).equals(a.multiplyUnsafe(s)), `key point ${i}, round ${round}`);
        assert.ok(mul(twin, s).equals(a.multiplyUnsafe(s)), `twin ${i}, round ${round}`);
        assert.ok(mulSum([a, GENERATOR_H, Point.BASE], [s, s, s]).equals(a.add(GENERATOR_H).add(Point.BASE).multiplyUnsafe(s)));
        assert.ok(mulSumPublic([a, GENERATOR_H], [s, 2n]).equals(a.multiplyUnsafe(s).add(GENERATOR_H.double())));
      });
    }
  } finally {
    setArcMultiplier(undefined);
  }
});

test("decompression accepts and rejects exactly what @noble/curves does (300 random points, x >= p, x off the curve)", { skip: m === undefined }, () => {
  const decode = (bytes: Uint8Array, withAddon: boolean): ArcElement | "malformed" => {
    setArcMultiplier(withAddon ? m : undefined);
    try {
      return deserializeElement(bytes);
    } catch (error) {
      assert.ok(error instanceof PrivacyPassError);
      return "malformed";
    } finally {
      setArcMultiplier(undefined);
    }
  };
  const cases: Uint8Array[] = [];
  for (let i = 0; i < 300; i++) cases.push(randomPoint().toBytes(true));
  const xBytes = (x: bigint, prefix: number): Uint8Array => Uint8Array.from([prefix, ...Buffer.from(x.toString(16).padStart(64, "0"), "hex")]);
  for (const x of [FIELD, FIELD + 1n, 2n ** 256n - 1n, 0n]) cases.push(xBytes(x, 2), xBytes(x, 3));
  // x values with no point (x^3 - 3x + b not a square): about half of all x.
  for (let x = 1n, found = 0; found < 20; x++) {
    const rhs = Point.Fp.add(Point.Fp.sub(Point.Fp.pow(x, 3n), Point.Fp.mul(3n, x)), Point.CURVE().b);
    if (Point.Fp.pow(rhs, (FIELD - 1n) / 2n) !== 1n) {
      cases.push(xBytes(x, 2));
      found++;
    }
  }
  cases.push(Uint8Array.from([4, ...(cases[0] as Uint8Array).subarray(1)]), new Uint8Array(33));
  let rejected = 0;
  for (const bytes of cases) {
    const viaNoble = decode(bytes, false);
    const viaAddon = decode(bytes, true);
    if (viaNoble === "malformed") {
      rejected++;
      assert.equal(viaAddon, "malformed", Buffer.from(bytes).toString("hex"));
    } else {
      assert.ok(viaAddon !== "malformed" && viaAddon.equals(viaNoble));
      assert.deepEqual(viaAddon.toBytes(true), bytes);
    }
  }
  assert.ok(rejected >= 28, `${rejected} rejected`); // 6 with x >= p, 20 off the curve, 2 bad prefixes
});

if (m !== undefined) {
  setArcMultiplier(m);
  await import("./arc-vectors.test.js");
  await import("./arc-negative.test.js");
  await import("./arc-protocol.test.js");
}
