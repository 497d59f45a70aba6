/**
 * The byte helpers are written on Uint8Array alone so they run in browsers; Node's Buffer, which
 * they replace, is the oracle here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { bytesToLatin1, fromBase64Url, fromHex, latin1ToBytes, toBase64Url, toHex } from "../src/index.js";

test("hex: both ways, as Buffer does", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const hex = Buffer.from(bytes).toString("hex");
      assert.equal(toHex(bytes), hex);
      assert.deepEqual(fromHex(hex), bytes);
      assert.deepEqual(fromHex(hex.toUpperCase()), bytes);
    }),
  );
  for (const bad of ["0", "0g", " 00", "0x00"]) assert.throws(() => fromHex(bad), TypeError, bad);
});

test("latin1: every byte round-trips, as Buffer's latin1 does, at lengths beyond one chunk", () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.equal(bytesToLatin1(all), Buffer.from(all).toString("latin1"));
  assert.deepEqual(latin1ToBytes(bytesToLatin1(all)), all);
  const long = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff);
  assert.equal(bytesToLatin1(long), Buffer.from(long).toString("latin1"));
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 20_000 }), (bytes) => {
      assert.equal(bytesToLatin1(bytes), Buffer.from(bytes).toString("latin1"));
      assert.deepEqual(latin1ToBytes(bytesToLatin1(bytes)), bytes);
    }),
    { numRuns: 50 },
  );
  assert.throws(() => latin1ToBytes("\u0100"), TypeError);
  assert.throws(() => latin1ToBytes("a\u{1f600}"), TypeError);
});

test("base64url: as Buffer writes it; only the canonical unpadded form is read", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const text = Buffer.from(bytes).toString("base64url");
      assert.equal(toBase64Url(bytes), text);
      assert.deepEqual(fromBase64Url(text), bytes);
    }),
  );
  // Buffer is lenient; this decoder is not.
  for (const bad of ["A", "AB=", "AB+/", "A B", "AR", "AAB", "é"]) assert.throws(() => fromBase64Url(bad), TypeError, bad);
  assert.deepEqual(fromBase64Url("AQ"), Uint8Array.of(1));
  assert.deepEqual(fromBase64Url(""), new Uint8Array(0));
});
