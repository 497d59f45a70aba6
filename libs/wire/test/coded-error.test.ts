/** The coded error base every library's error class extends. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CodedError, WireError, WireErrorCode, codedMessage } from "../src/index.js";

test("CodedError: a code from the subclass's closed set, a fixed message per code, an optional detail and cause", () => {
  const e = new WireError(WireErrorCode.Truncated, 7);
  assert.ok(e instanceof CodedError && e instanceof Error);
  assert.equal(e.code, "truncated");
  assert.equal(e.name, "WireError");
  assert.equal(e.message, "truncated at byte 7");
  assert.equal(codedMessage("ohttp", "malformed"), "ohttp: malformed");
  assert.equal(codedMessage("ohttp", "invalid-argument", "the key"), "ohttp: invalid-argument: the key");
  class SampleError extends CodedError<"x" | "y"> {
    override readonly name = "SampleError";
  }
  const cause = new Error("under");
  const s = new SampleError("y", "why", { cause });
  assert.equal(s.code, "y");
  assert.equal(s.cause, cause);
});
