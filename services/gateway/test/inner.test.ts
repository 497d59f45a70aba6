/**
 * Errors found AFTER decryption travel inside the encrypted answer (RFC 9458 §5.2): an outer 200
 * `message/ohttp-res` holding a Binary HTTP response with a problem+json body.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { encodeRequest } from "@oblivious/bhttp";
import { MediaType, encapsulateRequest } from "@oblivious/ohttp";
import { PROBLEM_MEDIA_TYPE, createLogger } from "@oblivious/service-kit";
import { Registry } from "prom-client";
import { LineCapture } from "@oblivious/test-kit";
import { createGatewayHandler } from "../src/app.js";
import { DATE_PROBLEM_TYPE } from "../src/errors.js";
import { gatewayEvents } from "../src/events.js";
import { Forwarder } from "../src/forward.js";
import { KeyStore } from "../src/keys.js";
import { createGatewayMetrics } from "../src/metrics.js";
import { type ReplayCache } from "../src/replay.js";
import { TargetTable, parseTargets } from "../src/targets.js";
import { formatHttpDate } from "@oblivious/http1";
import { exchange, exchangeBytes, fetchKeyConfigs, header, innerRequest, metricsText, oneKeyFile, problemOf, startTarget, startTestGateway, tempDir, T0, type Exchange } from "./helpers.js";

async function setup(env: Record<string, string> = {}, targets?: (url: string) => string) {
  const target = await startTarget();
  const keys = oneKeyFile(tempDir());
  const t = await startTestGateway({
    GATEWAY_KEYS_FILE: keys.path,
    GATEWAY_TARGETS: targets ? targets(target.url) : `https://sticker-search.internal=${target.url}`,
    ...env,
  });
  const [config] = await fetchKeyConfigs(t.gw.url);
  assert.ok(config);
  return { target, t, config, url: t.gw.url, close: async () => (await t.stop(), await target.close()) };
}

function assertInnerProblem(ex: Exchange, status: number, type: string): Record<string, unknown> {
  assert.equal(ex.status, 200, "outer status");
  assert.equal(ex.contentType, MediaType.OhttpResponse);
  assert.equal(ex.inner?.status, status, "inner status");
  assert.equal(header(ex.inner?.headers ?? [], "content-type"), PROBLEM_MEDIA_TYPE);
  const p = problemOf(ex.inner);
  assert.equal(p["type"], type);
  assert.equal(p["status"], status);
  return p;
}

const tag = (name: string): string => `tag:oblivious-services,2026:problem/${name}`;

test("inner 400 for bytes that are not a Binary HTTP request", async () => {
  const { url, config, target, close } = await setup();
  try {
    for (const bytes of [Uint8Array.of(5), Uint8Array.of(1, 0, 0, 0, 0, 0), Uint8Array.of(0, 3, 71, 69)]) {
      assertInnerProblem(await exchangeBytes(url, config, bytes), 400, tag("bhttp-invalid"));
    }
    assert.equal(target.received.length, 0);
  } finally {
    await close();
  }
});

test("inner 417 for an Expect field (RFC 9458 §5.1)", async () => {
  const { url, config, target, close } = await setup();
  try {
    const ex = await exchange(url, config, innerRequest(T0, { method: "POST", headers: [["date", formatHttpDate(T0)], ["expect", "100-continue"]], content: Uint8Array.of(1) }));
    assertInnerProblem(ex, 417, "about:blank");
    assert.equal(target.received.length, 0);
  } finally {
    await close();
  }
});

test("inner 400 with the date problem type and the gateway's Date, for a Date outside the window, unreadable or missing", async () => {
  const { url, config, target, t, close } = await setup({ GATEWAY_DATE_WINDOW: "60s" });
  try {
    t.clock.now = T0 + 5_000;
    const cases = [
      [["date", formatHttpDate(T0 - 61_000)]],
      [["date", formatHttpDate(T0 + 70_000)]],
      [["date", "yesterday"]],
      [["date", formatHttpDate(T0)], ["date", formatHttpDate(T0)]],
      [],
    ] as const;
    for (const headers of cases) {
      const ex = await exchange(url, config, innerRequest(T0, { headers }));
      const p = assertInnerProblem(ex, 400, DATE_PROBLEM_TYPE);
      assert.equal(p["title"], "date field in request outside of acceptable range");
      assert.equal(header(ex.inner?.headers ?? [], "date"), "Sun, 01 Mar 2026 12:00:05 GMT");
      assert.equal(header(ex.inner?.headers ?? [], "cache-control"), "no-store");
    }
    assert.equal(target.received.length, 0);
    // Inside the window on either side, in any HTTP-date form: forwarded.
    for (const date of [formatHttpDate(T0 - 50_000), formatHttpDate(T0 + 60_000), "Sunday, 01-Mar-26 12:00:00 GMT", "Sun Mar  1 12:00:00 2026"]) {
      assert.equal((await exchange(url, config, innerRequest(T0, { headers: [["date", date]] }))).inner?.status, 200, date);
    }
  } finally {
    await close();
  }
});

test("GATEWAY_REQUIRE_DATE=false forwards a request without Date (but not one outside the window)", async () => {
  const { url, config, close } = await setup({ GATEWAY_REQUIRE_DATE: "false" });
  try {
    assert.equal((await exchange(url, config, innerRequest(T0, { headers: [] }))).inner?.status, 200);
    assertInnerProblem(await exchange(url, config, innerRequest(T0, { headers: [["date", formatHttpDate(T0 - 3_600_000)]] })), 400, DATE_PROBLEM_TYPE);
  } finally {
    await close();
  }
});

test("inner replay refusal: the same encapsulated request twice is forwarded once (RFC 9458 §6.5)", async () => {
  const { url, config, target, t, close } = await setup();
  try {
    const { encapsulatedRequest, context } = encapsulateRequest(config, encodeRequest(innerRequest(T0)));
    const post = () => fetch(`${url}/gateway`, { method: "POST", headers: { "content-type": MediaType.OhttpRequest }, body: encapsulatedRequest });
    const first = await post();
    assert.equal(first.status, 200);
    await first.arrayBuffer();
    assert.equal(target.received.length, 1);
    // The replay's answer is sealed for the same response context; the client context opens it.
    const second = await post();
    assert.equal(second.status, 200);
    assert.equal(second.headers.get("content-type"), MediaType.OhttpResponse);
    const { decodeResponse } = await import("@oblivious/bhttp");
    const refusal = decodeResponse(context.decapsulateResponse(new Uint8Array(await second.arrayBuffer())));
    assertInnerProblem({ status: 200, contentType: MediaType.OhttpResponse, outerBody: Buffer.alloc(0), inner: refusal }, 400, tag("replayed-request"));
    // Still refused at the end of the window; not forwarded either way.
    t.clock.now = T0 + 59_000;
    await (await post()).arrayBuffer();
    assert.equal(target.received.length, 1);
    assert.match(await metricsText(t.gw), /gateway_requests_total\{outcome="replayed"\} 2/);
  } finally {
    await close();
  }
});

test("inner 502 when the target resets, refuses or answers too much; 504 when it is too slow", async () => {
  const refused = createServer();
  await new Promise<void>((r) => refused.listen(0, "127.0.0.1", r));
  const refusedPort = (refused.address() as { port: number }).port;
  await new Promise<void>((r) => refused.close(() => r()));
  const { url, config, target, t, close } = await setup(
    { GATEWAY_MAX_RESPONSE: "1KiB", GATEWAY_TARGET_TIMEOUT: "300ms" },
    (u) => `https://sticker-search.internal=${u},https://telemetry.internal=http://127.0.0.1:${refusedPort}`,
  );
  try {
    target.handler = (req) => req.socket.destroy();
    assertInnerProblem(await exchange(url, config, innerRequest(T0)), 502, "about:blank");

    assertInnerProblem(await exchange(url, config, innerRequest(T0, { authority: "telemetry.internal" })), 502, "about:blank");

    target.handler = (_req, res) => res.end(Buffer.alloc(1025, 0x61));
    assertInnerProblem(await exchange(url, config, innerRequest(T0)), 502, tag("target-response-too-large"));
    target.handler = (_req, res) => {
      // No Content-Length: chunked, counted as it arrives.
      res.write(Buffer.alloc(600, 0x61));
      setTimeout(() => res.end(Buffer.alloc(600, 0x62)), 10);
    };
    assertInnerProblem(await exchange(url, config, innerRequest(T0)), 502, tag("target-response-too-large"));
    target.handler = (_req, res) => res.end(Buffer.alloc(1024, 0x61));
    assert.equal((await exchange(url, config, innerRequest(T0))).inner?.status, 200, "exactly the limit is fine");

    target.handler = () => undefined;
    const started = Date.now();
    assertInnerProblem(await exchange(url, config, innerRequest(T0)), 504, "about:blank");
    assert.ok(Date.now() - started < 2000);
    target.handler = (_req, res) => {
      res.writeHead(200, { "content-length": "10" });
      res.write("12345");
    };
    assertInnerProblem(await exchange(url, config, innerRequest(T0)), 504, "about:blank");

    const metrics = await metricsText(t.gw);
    assert.match(metrics, /gateway_requests_total\{outcome="target_failed"\} 2/);
    assert.match(metrics, /gateway_requests_total\{outcome="target_too_large"\} 2/);
    assert.match(metrics, /gateway_requests_total\{outcome="target_timeout"\} 2/);
    assert.match(metrics, /gateway_target_duration_seconds_count\{target="https:\/\/telemetry.internal",result="error"\} 1/);
  } finally {
    await close();
  }
});

test("anything unforeseen is an encapsulated 500 that echoes nothing", async () => {
  const { entries } = oneKeyFile(tempDir());
  const now = (): number => T0;
  const registry = new Registry();
  const logs = new LineCapture();
  const targetsSpec = parseTargets("https://sticker-search.internal=http://127.0.0.1:9");
  const keys = new KeyStore(entries, now);
  const broken: ReplayCache = {
    claim: () => {
      throw new Error("internal detail 7f3a");
    },
    ready: () => true,
    close: async () => undefined,
  };
  const forwarder = new Forwarder(targetsSpec, { timeoutMs: 1000, maxResponseBytes: 1024 });
  const listener = createGatewayHandler({
    keys,
    targets: new TargetTable(targetsSpec),
    forwarder,
    replay: broken,
    now,
    registry,
    metrics: createGatewayMetrics({ registry, targetNames: ["https://sticker-search.internal"], keys: () => keys.current(), replayReady: () => true }),
    log: createLogger({ service: "gateway", events: gatewayEvents(["https://sticker-search.internal"]), destination: logs }),
    maxRequestBytes: 65536,
    date: { windowMs: 60_000, required: true },
    padding: { kind: "none" },
    keysMaxAgeMs: 60_000,
  });
  const server = createServer(listener);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const [config] = await fetchKeyConfigs(url);
    assert.ok(config);
    const ex = await exchange(url, config, innerRequest(T0));
    const p = assertInnerProblem(ex, 500, "about:blank");
    assert.deepEqual(p, { type: "about:blank", title: "Internal Server Error", status: 500 });
    assert.doesNotMatch(Buffer.from(ex.plain ?? []).toString("latin1"), /7f3a/);
    assert.doesNotMatch(logs.text, /7f3a/);
    assert.ok(logs.records.some((r) => r["event"] === "error.unexpected"));
  } finally {
    server.closeAllConnections();
    server.close();
    await forwarder.close();
  }
});
