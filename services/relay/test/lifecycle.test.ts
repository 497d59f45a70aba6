import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { relayEvents } from "../src/events.js";
import { FORWARD_OUTCOMES, KEY_RESULTS, RELAY_OUTCOMES } from "../src/metrics.js";
import { delay, post, send, startStubGateway, startTestRelay } from "./support.js";

test("drain: a relay request in flight when stop() is called completes; then the relay is stopped", async () => {
  let release: () => void = () => undefined;
  const gateway = await startStubGateway((received, res) => {
    release = () => {
      res.writeHead(200, { "content-type": "message/ohttp-res" });
      res.end(received.body);
    };
  });
  const { relay, logs } = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway`, RELAY_DRAIN_TIMEOUT: "5s" });
  try {
    const inflight = post(relay.url, Buffer.from("in flight"));
    while (gateway.received.length === 0) await delay(10);
    const stopped = relay.stop();
    await delay(50);
    assert.equal(relay.accepting(), false);
    assert.equal((await send(`${relay.adminUrl}/readyz`)).status, 503, "not ready while draining");
    release();
    const answer = await inflight;
    assert.equal(answer.status, 200);
    assert.equal(answer.text, "in flight");
    await stopped;
    await assert.rejects(send(`${relay.url}/ohttp-keys`), "the public port is closed");
    const events = logs.records.map((r) => r["event"]).filter((e) => e !== "http.request");
    assert.deepEqual(events, ["service.listening", "service.listening", "service.draining", "service.stopped"]);
    assert.equal(logs.events("service.stopped")[0]?.["forced"], false);
  } finally {
    await relay.stop();
    await gateway.close();
  }
});

test("admin port: /healthz, /readyz and /metrics with label values from closed sets only", async (t) => {
  const gateway = await startStubGateway();
  const { relay, metrics } = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway` });
  t.after(async () => {
    await relay.stop();
    await gateway.close();
  });
  assert.equal((await send(`${relay.adminUrl}/healthz`)).status, 200);
  assert.equal((await send(`${relay.adminUrl}/readyz`)).status, 200);
  await post(relay.url, Buffer.from("x"));
  await send(`${relay.url}/relay`);
  await send(`${relay.url}/somewhere?q=1`);
  const text = await metrics();
  const allowed: Record<string, readonly string[]> = {
    outcome: [...RELAY_OUTCOMES, ...FORWARD_OUTCOMES, "ok", "error"],
    result: KEY_RESULTS,
    route: ["relay", "ohttp-keys", "unmatched"],
    method: ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "OTHER"],
    status_class: ["1xx", "2xx", "3xx", "4xx", "5xx"],
    reason: ["undeclared_event", "undeclared_field", "invalid_value"],
  };
  let checked = 0;
  for (const line of text.split("\n")) {
    if (!/^(relay_|http_request)/.test(line)) continue;
    for (const [, name = "", value = ""] of line.matchAll(/(\w+)="([^"]*)"/g)) {
      if (name === "le") continue;
      assert.ok(allowed[name]?.includes(value), `label ${name}="${value}" in ${line}`);
      checked += 1;
    }
  }
  assert.ok(checked > 20);
  for (const name of [
    "relay_requests_total",
    "relay_forward_duration_seconds",
    "relay_key_config_requests_total",
    "relay_key_config_fetches_total",
    "relay_rate_limit_entries",
    "relay_rate_limit_evictions_total",
    "relay_log_dropped_total",
    "http_request_duration_seconds",
  ]) {
    assert.match(text, new RegExp(`^# TYPE ${name} `, "m"));
  }
  assert.match(text, /relay_log_dropped_total\{reason="invalid_value"\} 0/, "no log field was ever dropped");
});

function runMain(env: Record<string, string>): { exited: Promise<number | null>; stdout: () => string; stderr: () => string; kill: () => void } {
  const main = fileURLToPath(new URL("../src/main.js", import.meta.url));
  const child = spawn(process.execPath, [main], { env: { PATH: process.env["PATH"] ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  return {
    exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))),
    stdout: () => out,
    stderr: () => err,
    kill: () => child.kill("SIGTERM"),
  };
}

function declaredLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const record = JSON.parse(l) as Record<string, unknown>;
      assert.ok(Object.hasOwn(relayEvents, String(record["event"])), `undeclared event in ${l}`);
      return record;
    });
}

test("main: an invalid configuration logs config.invalid, names the variables on stderr without their values, exits 1", async () => {
  const proc = runMain({ RELAY_PORT: "port-canary", RELAY_TIMEOUT: "soon-canary", RELAY_GATEWAY_URL: "ftp://user:pw-canary@gw" });
  assert.equal(await proc.exited, 1);
  assert.deepEqual(declaredLines(proc.stdout()).map((r) => r["event"]), ["config.invalid"]);
  const stderr = proc.stderr();
  for (const name of ["RELAY_PORT", "RELAY_TIMEOUT", "RELAY_GATEWAY_URL"]) assert.match(stderr, new RegExp(name));
  assert.doesNotMatch(stderr, /canary/);
  assert.equal(stderr.trim().split("\n").length, 1, "the message alone, no stack");
});

test("main: starts, prints only declared events, and exits 0 after draining on SIGTERM", async () => {
  const proc = runMain({ RELAY_PORT: "0", RELAY_ADMIN_PORT: "0" });
  while (declaredLines(proc.stdout()).filter((r) => r["event"] === "service.listening").length < 2) await delay(20);
  const ports = declaredLines(proc.stdout()).map((r) => r["port"]);
  const answer = await send(`http://127.0.0.1:${String(ports[0])}/relay`, { headers: { "user-agent": "canary-main" } });
  assert.equal(answer.status, 405);
  proc.kill();
  assert.equal(await proc.exited, 0);
  const events = declaredLines(proc.stdout()).map((r) => r["event"]);
  assert.deepEqual(events, ["service.listening", "service.listening", "http.request", "service.draining", "service.stopped"]);
  assert.doesNotMatch(proc.stdout(), /canary/);
  assert.equal(proc.stderr(), "");
});
