import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteReader, ByteWriter, WireError, fromHex, toHex, concat } from "../src/index.js";

// RFC 9000, Appendix A.1: sample variable-length integer decodings.
test("varint: RFC 9000 Appendix A.1 samples", () => {
  assert.equal(new ByteReader(fromHex("9d7f3e7d")).varint(), 494878333);
  assert.equal(new ByteReader(fromHex("7bbd")).varint(), 15293);
  assert.equal(new ByteReader(fromHex("25")).varint(), 37);
  assert.equal(new ByteReader(fromHex("4025")).varint(), 37, "a non-shortest encoding still decodes");
  // 151288809941952652 needs more than 53 bits: refused, not silently rounded.
  assert.throws(() => new ByteReader(fromHex("c2197c5eff14e88c")).varint(), (e: unknown) => e instanceof WireError && e.code === "out-of-range");
  assert.equal(toHex(new ByteWriter().varint(494878333).finish()), "9d7f3e7d");
  assert.equal(toHex(new ByteWriter().varint(15293).finish()), "7bbd");
  assert.equal(toHex(new ByteWriter().varint(37).finish()), "25");
});

test("varint: round trip at every length boundary", () => {
  for (const v of [0, 63, 64, 16383, 16384, 1073741823, 1073741824, Number.MAX_SAFE_INTEGER]) {
    const bytes = new ByteWriter().varint(v).finish();
    const r = new ByteReader(bytes);
    assert.equal(r.varint(), v);
    r.end();
  }
});

test("reader: truncation is a coded error with the offset", () => {
  const r = new ByteReader(fromHex("0102"));
  assert.throws(() => r.uint32(), (e: unknown) => e instanceof WireError && e.code === "truncated");
  assert.throws(() => new ByteReader(fromHex("40")).varint(), (e: unknown) => e instanceof WireError && e.code === "truncated");
  assert.throws(() => new ByteReader(fromHex("05aa")).varintPrefixed(), (e: unknown) => e instanceof WireError && e.code === "truncated");
});

test("reader: trailing bytes are refused by end()", () => {
  const r = new ByteReader(fromHex("0102"));
  r.uint8();
  assert.throws(() => r.end(), (e: unknown) => e instanceof WireError && e.code === "trailing-bytes" && e.offset === 1);
});

test("reader: input at a non-zero offset of a larger buffer reads the same", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 16 }), (before, body, after) => {
      const framed = new ByteWriter().varintPrefixed(body).finish();
      const big = concat(before, framed, after);
      const view = big.subarray(before.length, before.length + framed.length);
      const r = new ByteReader(view);
      assert.deepEqual(r.varintPrefixed(), body);
      r.end();
    }),
  );
});

test("reader: random bytes give values or WireError, never anything else", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      const r = new ByteReader(bytes);
      try {
        while (r.remaining > 0) r.varintPrefixed();
      } catch (e) {
        assert.ok(e instanceof WireError, String(e));
      }
    }),
  );
});

test("writer: out-of-range values are refused", () => {
  assert.throws(() => new ByteWriter().uint8(256), WireError);
  assert.throws(() => new ByteWriter().uint16(-1), WireError);
  assert.throws(() => new ByteWriter().varint(1.5), WireError);
  assert.throws(() => new ByteWriter().varint(Number.MAX_SAFE_INTEGER + 1), WireError);
});

test("writer: every write that grows the buffer lands in the new buffer", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 70 }), { maxLength: 12 }), fc.integer({ min: 1, max: 32 }), (parts, capacity) => {
      const w = new ByteWriter(capacity);
      for (const p of parts) w.uint8(p.length).bytes(p).varintPrefixed(p).zeros(p.length % 3);
      const r = new ByteReader(w.finish());
      for (const p of parts) {
        assert.equal(r.uint8(), p.length);
        assert.deepEqual(r.bytes(p.length), p);
        assert.deepEqual(r.varintPrefixed(), p);
        assert.deepEqual(r.bytes(p.length % 3), new Uint8Array(p.length % 3));
      }
      r.end();
    }),
  );
  assert.deepEqual(new ByteWriter(16).bytes(new Uint8Array(20).fill(7)).finish(), new Uint8Array(20).fill(7));
});

test("writer: grows past its initial capacity", () => {
  const w = new ByteWriter(1);
  for (let i = 0; i < 1000; i++) w.uint16(i);
  const r = new ByteReader(w.finish());
  for (let i = 0; i < 1000; i++) assert.equal(r.uint16(), i);
  r.end();
});
