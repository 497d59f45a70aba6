import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, EnvReader, parseDuration, deepFreeze } from "../src/index.js";

test("config: durations", () => {
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("1.5m"), 90_000);
  assert.equal(parseDuration("7d"), 604_800_000);
  assert.equal(parseDuration("7 days"), undefined);
  assert.equal(parseDuration("-1s"), undefined);
});

test("config: every bad variable is named, no value is echoed", () => {
  const env = new EnvReader({ A_PORT: "70000", B_TIMEOUT: "soon", C_URL: "ftp://secret-host", D_FLAG: "maybe" });
  env.port("A_PORT", 1);
  env.duration("B_TIMEOUT", 1);
  env.url("C_URL");
  env.bool("D_FLAG", false);
  env.required("E_SECRET");
  assert.throws(
    () => env.done(),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.variables.join() === "A_PORT,B_TIMEOUT,C_URL,D_FLAG,E_SECRET" &&
      !e.message.includes("secret-host") &&
      !e.message.includes("soon"),
  );
});

test("config: defaults apply to unset and blank variables", () => {
  const env = new EnvReader({ A: " " });
  assert.equal(env.int("A", 5), 5);
  assert.equal(env.string("B", "x"), "x");
  env.done();
});

test("config: deepFreeze freezes nested objects and leaves typed arrays alone", () => {
  const c = deepFreeze({ a: { b: [1, 2] }, key: new Uint8Array(4), url: new URL("http://x/") });
  assert.ok(Object.isFrozen(c.a.b));
  assert.throws(() => {
    (c.a as { b: unknown }).b = 1;
  }, TypeError);
});
