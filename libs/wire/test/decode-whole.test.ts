// decodeWhole: the whole input or a library's own error, never a WireError or a partial read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CodedError, decodeWhole, type DecodeFailure } from "../src/index.js";

type TestErrorCode = "invalid-argument" | "malformed";
class TestError extends CodedError<TestErrorCode> {
  constructor(code: TestErrorCode, readonly structure: string) {
    super(code, `test: ${code}: ${structure}`);
  }
}
const fail: DecodeFailure = (code, structure) => new TestError(code, structure);
const twoBytes = (bytes: Uint8Array): number => decodeWhole("pair", bytes, (r) => r.uint16(), fail);

test("decodeWhole returns what read gives when it consumes every byte", () => {
  assert.equal(twoBytes(new Uint8Array([1, 2])), 0x0102);
});

test("truncation and trailing bytes become the library's malformed error, naming the structure", () => {
  for (const bytes of [new Uint8Array([1]), new Uint8Array([1, 2, 3])]) {
    assert.throws(() => twoBytes(bytes), (e) => e instanceof TestError && e.code === "malformed" && e.structure === "pair");
  }
});

test("input that is not a Uint8Array is invalid-argument; read's own errors pass through", () => {
  assert.throws(() => twoBytes("ab" as unknown as Uint8Array), (e) => e instanceof TestError && e.code === "invalid-argument");
  const own = new RangeError("own");
  assert.throws(() => decodeWhole("x", new Uint8Array(0), () => { throw own; }, fail), (e) => e === own);
});
