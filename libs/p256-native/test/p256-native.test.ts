// The addon's own contract, on the built binary (fails when it is not built: `npm run build`):
// results against @noble/curves, the statuses (identity, a point off the curve), the argument
// checks, decoding. ARC's use of it is tested in libs/privacypass/test/arc-addon.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { loadP256Native, MulSumStatus, p256NativeUnavailable, P256_NATIVE_LAST_BASE, P256_NATIVE_MAX_TERMS, type P256Native } from "../src/index.js";

const Point = p256.Point;
const ORDER = Point.Fn.ORDER;
const hex32 = (v: bigint): string => v.toString(16).padStart(64, "0");
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, "hex"));
const xy = (p: InstanceType<typeof Point>): Uint8Array => {
  const { x, y } = p.toAffine();
  return bytes(hex32(x) + hex32(y));
};
const scalar = (s: bigint): Uint8Array => bytes(hex32(s));
const randomScalar = (): bigint => BigInt(`0x${randomBytes(32).toString("hex")}`) % ORDER;

const addon = loadP256Native();
const native = (): P256Native => {
  assert.ok(addon !== undefined, `p256-native unavailable: ${p256NativeUnavailable() ?? "?"}`);
  return addon;
};

test("loads in this node and passes its known answer", () => {
  const n = native();
  assert.equal(p256NativeUnavailable(), undefined);
  // The implementation docs/decisions/0055 relies on for constant-time secret multiplications.
  if (process.arch === "x64" || process.arch === "arm64") assert.equal(n.method, "nistz256");
  else assert.ok(n.method === "nistz256" || n.method === "other");
});

test("mulSum against @noble/curves: 300 random sums of 1 to 6 terms, both modes, the generator entry", () => {
  const n = native();
  const out = new Uint8Array(64);
  for (let i = 0; i < 300; i++) {
    const terms = 1 + (i % 6);
    const ps = Array.from({ length: terms }, () => Point.BASE.multiplyUnsafe(randomScalar() || 1n));
    const ss = ps.map(() => randomScalar() || 2n);
    const withG = i % 2 === 0;
    const expected = ps.reduce((acc, p, j) => acc.add(p.multiplyUnsafe(ss[j] as bigint)), withG ? Point.BASE.multiplyUnsafe(ss[0] as bigint) : Point.ZERO);
    const pointBytes = Buffer.concat([...(withG ? [new Uint8Array(64)] : []), ...ps.map(xy)]);
    const scalarBytes = Buffer.concat([...(withG ? [scalar(ss[0] as bigint)] : []), ...ss.map(scalar)]);
    for (const constantTime of [true, false]) {
      out.fill(0);
      assert.equal(n.mulSum(out, pointBytes, scalarBytes, constantTime), MulSumStatus.Point);
      assert.deepEqual(out, xy(expected), `sum ${i}, constant time ${constantTime}`);
    }
  }
});

test("mulSum statuses: the identity (scalar 0, the order, P - P), a point off the curve", () => {
  const n = native();
  const out = new Uint8Array(64);
  const p = Point.BASE.multiplyUnsafe(12345n);
  for (const constantTime of [true, false]) {
    assert.equal(n.mulSum(out, xy(p), scalar(0n), constantTime), MulSumStatus.Identity);
    assert.equal(n.mulSum(out, xy(p), scalar(ORDER), constantTime), MulSumStatus.Identity);
    assert.equal(n.mulSum(out, Buffer.concat([xy(p), xy(p)]), Buffer.concat([scalar(1n), scalar(ORDER - 1n)]), constantTime), MulSumStatus.Identity);
    const off = xy(p);
    off[63] = (off[63] as number) ^ 1;
    assert.equal(n.mulSum(out, off, scalar(5n), constantTime), MulSumStatus.Invalid);
  }
});

test("mulSum refuses wrong lengths and more than 64 terms with a TypeError", () => {
  const n = native();
  const p = xy(Point.BASE.multiplyUnsafe(3n));
  const s = scalar(9n);
  assert.throws(() => n.mulSum(new Uint8Array(63), p, s, true), TypeError);
  assert.throws(() => n.mulSum(new Uint8Array(64), p.subarray(1), s, true), TypeError);
  assert.throws(() => n.mulSum(new Uint8Array(64), p, s.subarray(1), true), TypeError);
  assert.throws(() => n.mulSum(new Uint8Array(64), new Uint8Array(0), new Uint8Array(0), true), TypeError);
  const many = P256_NATIVE_MAX_TERMS + 1;
  assert.throws(() => n.mulSum(new Uint8Array(64), new Uint8Array(64 * many), new Uint8Array(32 * many), false), TypeError);
  assert.throws(() => (n.mulSum as (...args: unknown[]) => number)(new Uint8Array(64), p, s), TypeError);
});

test("setBase: fixed bases give the same sums in both modes, a replaced base the new one; wrong slots refused", () => {
  const n = native();
  const out = new Uint8Array(64);
  const base = (k: number): Uint8Array => {
    const entry = new Uint8Array(64);
    entry[63] = k;
    return entry;
  };
  const h = Point.BASE.multiplyUnsafe(randomScalar() || 1n);
  const x = Point.BASE.multiplyUnsafe(randomScalar() || 1n);
  assert.equal(n.setBase(1, xy(h)), true);
  assert.equal(n.setBase(P256_NATIVE_LAST_BASE, xy(x)), true);
  for (let i = 0; i < 100; i++) {
    const [s, t, u] = [randomScalar() || 1n, randomScalar() || 1n, randomScalar() || 1n];
    const a = Point.BASE.multiplyUnsafe(randomScalar() || 1n);
    const expected = h.multiplyUnsafe(s).add(a.multiplyUnsafe(t)).add(x.multiplyUnsafe(u)).add(Point.BASE.multiplyUnsafe(s));
    const ps = Buffer.concat([base(1), xy(a), base(P256_NATIVE_LAST_BASE), base(0)]);
    const ss = Buffer.concat([scalar(s), scalar(t), scalar(u), scalar(s)]);
    for (const constantTime of [true, false]) {
      assert.equal(n.mulSum(out, ps, ss, constantTime), MulSumStatus.Point);
      assert.deepEqual(out, xy(expected), `sum ${i}, constant time ${constantTime}`);
    }
  }
  assert.equal(n.setBase(1, xy(x)), true);
  assert.equal(n.mulSum(out, base(1), scalar(3n), true), MulSumStatus.Point);
  assert.deepEqual(out, xy(x.multiplyUnsafe(3n)));
  const off = xy(h);
  off[63] = (off[63] as number) ^ 1;
  assert.equal(n.setBase(2, off), false);
  assert.throws(() => n.setBase(0, xy(h)), TypeError);
  assert.throws(() => n.setBase(P256_NATIVE_LAST_BASE + 1, xy(h)), TypeError);
  // A slot never set is refused like a point off the curve.
  assert.equal(n.mulSum(out, base(7), scalar(3n), true), MulSumStatus.Invalid);
});

test("decode: compressed points of both parities; wrong prefix, x >= p and x off the curve refused", () => {
  const n = native();
  const out = new Uint8Array(64);
  for (let i = 0; i < 100; i++) {
    const p = Point.BASE.multiplyUnsafe(randomScalar() || 1n);
    assert.equal(n.decode(out, p.toBytes(true)), true);
    assert.deepEqual(out, xy(p));
  }
  const p = Point.BASE.multiplyUnsafe(7n).toBytes(true);
  assert.equal(n.decode(out, Uint8Array.from([4, ...p.subarray(1)])), false);
  assert.equal(n.decode(out, bytes(`02${hex32(Point.Fp.ORDER)}`)), false);
  assert.equal(n.decode(out, bytes(`03${"ff".repeat(32)}`)), false);
  // x = 2: 8 - 6 + b is not a square mod p on P-256 (noble agrees, checked here).
  assert.throws(() => Point.fromBytes(bytes(`02${hex32(2n)}`)));
  assert.equal(n.decode(out, bytes(`02${hex32(2n)}`)), false);
  assert.throws(() => n.decode(out, p.subarray(1)), TypeError);
});
