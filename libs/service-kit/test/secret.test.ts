import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { Secret } from "../src/index.js";

test("secret: redacted in String(), JSON and inspect; reveal() gives the value", () => {
  const canary = "redis://user:canary-password@10.0.0.1:6379";
  const s = new Secret(canary);
  for (const printed of [String(s), `${s}`, JSON.stringify({ s }), inspect(s), inspect({ nested: { s } })]) {
    assert.ok(!printed.includes("canary-password"), printed);
  }
  assert.equal(s.reveal(), canary);
});
