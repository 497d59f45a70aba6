// The benchmark entry points run and report a positive rate (the numbers are in the README).
import { test } from "node:test";
import assert from "node:assert/strict";
import { benchLibrarySign, benchNativeSign } from "../bench/sign.js";

test("benchNativeSign and benchLibrarySign report positive rates", async () => {
  assert.ok(benchNativeSign(100) > 0);
  assert.ok((await benchLibrarySign(1)) > 0);
});
