/** Configuration, start-up failures, the process entry and graceful drain. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { ConfigError } from "@oblivious/service-kit";
import { LineCapture } from "@oblivious/test-kit";
import { DEFAULT_TARGETS, loadGatewayConfig } from "../src/config.js";
import { createKeyEntry, serializeKeyFile } from "../src/key-file.js";
import { startGateway } from "../src/server.js";
import { DAY, T0, exchange, fetchKeyConfigs, innerRequest, oneKeyFile, startTarget, startTestGateway, tempDir } from "./helpers.js";

const MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));

function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("no ConfigError");
}

test("config: defaults", () => {
  const c = loadGatewayConfig({ GATEWAY_KEYS_FILE: "/run/secrets/gateway-keys.json" });
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.port, 8081);
  assert.equal(c.adminHost, "127.0.0.1");
  assert.equal(c.adminPort, 9081);
  assert.deepEqual(c.keys, { kind: "file", path: "/run/secrets/gateway-keys.json" });
  assert.deepEqual(c.targets.map((t) => [t.name, t.base.href]), [
    ["https://sticker-search.internal", "http://127.0.0.1:8083/"],
    ["https://telemetry.internal", "http://127.0.0.1:8084/"],
  ]);
  assert.equal(DEFAULT_TARGETS.split(",").length, 2);
  assert.equal(c.maxRequestBytes, 65536);
  assert.equal(c.maxResponseBytes, 1048576);
  assert.equal(c.targetTimeoutMs, 10_000);
  assert.equal(c.dateWindowMs, 60_000);
  assert.equal(c.requireDate, true);
  assert.deepEqual(c.padding, { kind: "pow2", min: 256 });
  assert.equal(c.keyReloadMs, 10_000);
  assert.equal(c.keysMaxAgeMs, 3_600_000);
  assert.equal(c.drainTimeoutMs, 10_000);
  assert.equal(c.redis, undefined);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.targets));
});

test("config: every bad variable is named, no value is echoed, secrets are redacted", () => {
  const e = configError(() =>
    loadGatewayConfig({
      GATEWAY_KEYS_FILE: "/k.json",
      GATEWAY_PORT: "70000",
      GATEWAY_TARGETS: "https://a.internal=ftp://secret-host",
      GATEWAY_MAX_REQUEST: "lots",
      GATEWAY_TARGET_TIMEOUT: "soon",
      GATEWAY_REQUIRE_DATE: "maybe",
      GATEWAY_PADDING: "pow3",
      REDIS_URL: "http://user:hunter2@redis",
    }),
  );
  assert.deepEqual(e.variables, ["GATEWAY_PORT", "GATEWAY_TARGETS", "GATEWAY_MAX_REQUEST", "GATEWAY_TARGET_TIMEOUT", "GATEWAY_REQUIRE_DATE", "GATEWAY_PADDING", "REDIS_URL"]);
  for (const value of ["secret-host", "lots", "soon", "maybe", "pow3", "hunter2"]) assert.ok(!e.message.includes(value), value);

  assert.deepEqual(configError(() => loadGatewayConfig({})).variables, ["GATEWAY_KEYS_FILE"]);
  assert.deepEqual(configError(() => loadGatewayConfig({ GATEWAY_KEYS_FILE: "/k", GATEWAY_KEYS: "{}" })).variables, ["GATEWAY_KEYS"]);
  for (const bad of ["https://a.internal", "https://a.internal/x=http://1.2.3.4", "https://u@a.internal=http://1.2.3.4", "https://a.internal=http://1.2.3.4?x", "https://a.internal=http://x,https://A.internal:443=http://y"]) {
    assert.deepEqual(configError(() => loadGatewayConfig({ GATEWAY_KEYS_FILE: "/k", GATEWAY_TARGETS: bad })).variables, ["GATEWAY_TARGETS"], bad);
  }

  const c = loadGatewayConfig({ GATEWAY_KEYS: '{"secret":"value-1b2c"}', REDIS_URL: "redis://:hunter2@127.0.0.1:6379" });
  const printed = `${inspect(c, { depth: 10 })} ${JSON.stringify(c)} ${String(c.keys.kind === "inline" ? c.keys.text : "")}`;
  assert.ok(!printed.includes("value-1b2c") && !printed.includes("hunter2"));
  assert.equal(c.redis?.url?.reveal(), "redis://:hunter2@127.0.0.1:6379");
  assert.equal(loadGatewayConfig({ GATEWAY_KEYS_FILE: "/k", GATEWAY_MAX_REQUEST: "1MiB" }).maxRequestBytes, 1048576);
  // Below 2 KiB an X-Wing request (7 + 1,120 + 256 + 16 bytes at least) would not fit.
  assert.throws(() => loadGatewayConfig({ GATEWAY_KEYS_FILE: "/k", GATEWAY_MAX_REQUEST: "1KiB" }), /GATEWAY_MAX_REQUEST/);
  assert.equal(loadGatewayConfig({ GATEWAY_KEYS_FILE: "/k", GATEWAY_MAX_REQUEST: "2KiB" }).maxRequestBytes, 2048);
});

test("start-up fails with a ConfigError naming the key variable: no key, no usable key, bad inline JSON", async () => {
  const dir = tempDir();
  const retired = join(dir, "retired.json");
  writeFileSync(retired, serializeKeyFile([createKeyEntry(1, { publishFrom: T0 - 3 * DAY, activeFrom: T0 - 2 * DAY, retireAt: T0 - DAY })]));
  const base = { GATEWAY_PORT: "0", GATEWAY_ADMIN_PORT: "0" };
  const attempts: [Record<string, string>, string][] = [
    [{ GATEWAY_KEYS_FILE: join(dir, "missing.json") }, "GATEWAY_KEYS_FILE"],
    [{ GATEWAY_KEYS_FILE: retired }, "GATEWAY_KEYS_FILE"],
    [{ GATEWAY_KEYS: '{"version":1,"keys":[{"privateKey":"not-a-key-5e9f"}]}' }, "GATEWAY_KEYS"],
  ];
  for (const [env, variable] of attempts) {
    await assert.rejects(
      startGateway(loadGatewayConfig({ ...base, ...env }), { logDestination: new LineCapture(), now: () => T0 }),
      (e: unknown) => e instanceof ConfigError && e.variables.join() === variable && !e.message.includes("5e9f"),
    );
  }
});

test("GATEWAY_KEYS: the same JSON from a variable (a secret) works like the file", async () => {
  const target = await startTarget();
  const keysJson = serializeKeyFile([createKeyEntry(42, { publishFrom: T0 - DAY, activeFrom: T0 - DAY })]);
  const t = await startTestGateway({ GATEWAY_KEYS: keysJson, GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}` });
  try {
    const [config] = await fetchKeyConfigs(t.gw.url);
    assert.equal(config?.keyId, 42);
    assert.equal((await exchange(t.gw.url, config, innerRequest(T0))).inner?.status, 200);
    assert.equal(await t.gw.reloadKeys(), "unchanged");
  } finally {
    await t.stop();
    await target.close();
  }
});

test("main: a ConfigError logs config.invalid, prints its message only and exits 1", () => {
  const r = spawnSync(process.execPath, [MAIN], { env: { PATH: process.env["PATH"] ?? "", GATEWAY_PORT: "0" }, encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.deepEqual(r.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { event: string }).event), ["config.invalid"]);
  assert.match(r.stderr, /^gateway: invalid configuration: GATEWAY_KEYS_FILE: is required/);
  assert.equal(r.stderr.trim().split("\n").length, 1, "no stack trace");
});

test("main: starts from the environment, and SIGTERM drains and exits 0", async () => {
  const keys = oneKeyFile(tempDir());
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env["PATH"] ?? "", GATEWAY_PORT: "0", GATEWAY_ADMIN_PORT: "0", GATEWAY_KEYS_FILE: keys.path },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + 10_000;
  while (!/"admin":true/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  const listening = out
    .split("\n")
    .filter((l) => l.includes('"service.listening"'))
    .map((l) => JSON.parse(l) as { port: number; admin: boolean });
  const publicPort = listening.find((l) => !l.admin)?.port;
  assert.ok(publicPort);
  assert.equal((await fetch(`http://127.0.0.1:${publicPort}/ohttp-keys`)).status, 200);
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGTERM");
  assert.equal(await exited, 0);
  assert.match(out, /"event":"service.stopped"/);
});

test("drain: a request in flight when stop() begins is still answered", async () => {
  const target = await startTarget();
  let release: () => void = () => undefined;
  target.handler = (_req, res) => {
    release = () => res.end("late but complete");
  };
  const keys = oneKeyFile(tempDir());
  const t = await startTestGateway({ GATEWAY_KEYS_FILE: keys.path, GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}`, GATEWAY_DRAIN_TIMEOUT: "5s" });
  try {
    const [config] = await fetchKeyConfigs(t.gw.url);
    assert.ok(config);
    const inflight = exchange(t.gw.url, config, innerRequest(T0));
    while (target.received.length === 0) await new Promise((r) => setTimeout(r, 10));
    const stopped = t.stop();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(t.gw.accepting(), false);
    release();
    const ex = await inflight;
    assert.equal(Buffer.from(ex.inner?.content ?? []).toString(), "late but complete");
    await stopped;
    assert.deepEqual(
      t.logs.records.filter((r) => String(r["event"]).startsWith("service.")).map((r) => r["event"]),
      ["service.listening", "service.listening", "service.draining", "service.stopped"],
    );
  } finally {
    await target.close();
  }
});
