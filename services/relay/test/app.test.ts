/** The handlers alone (node:http driven by supertest, the front's by a raw socket), with fake dependencies. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { Registry } from "prom-client";
import { createHttpObserver, createLogger } from "@oblivious/service-kit";
import { Http1Front } from "@oblivious/http1";
import { LineCapture, RawHttpClient } from "@oblivious/test-kit";
import { createRelay, createRelayApp, type RelayAppDeps } from "../src/app.js";
import { TrustedProxies } from "../src/client-address.js";
import { RELAY_ROUTES, relayEvents } from "../src/events.js";
import { type GatewayAnswer } from "../src/forward.js";
import { createRelayMetrics } from "../src/metrics.js";

function deps(forward: (body: Buffer) => Promise<GatewayAnswer>): { deps: RelayAppDeps; logs: LineCapture; registry: Registry } {
  const logs = new LineCapture();
  const registry = new Registry();
  const log = createLogger({ service: "relay", events: relayEvents, destination: logs });
  return {
    logs,
    registry,
    deps: {
      gateway: { forward },
      keyCache: { get: () => Promise.reject(new Error("unused")) },
      limiter: { check: () => ({ allowed: true }) },
      metrics: createRelayMetrics(registry, () => 0),
      observer: createHttpObserver({ routes: RELAY_ROUTES, registry, log }),
      log,
      maxBodyBytes: 1024,
      bodyTimeoutMs: 1000,
      proxies: new TrustedProxies(0, []),
    },
  };
}

test("app: the gateway client gets exactly the body, and its answer is relayed", async () => {
  const seen: Buffer[] = [];
  const { deps: d } = deps(async (body) => {
    seen.push(body);
    return { status: 200, contentType: "message/ohttp-res", cacheControl: undefined, body: Buffer.from("answer") };
  });
  const res = await request(createRelayApp(d))
    .post("/relay")
    .set("content-type", "message/ohttp-req")
    .set("cookie", "a=b")
    .send(Buffer.from([0, 1, 2, 255]));
  assert.equal(res.status, 200);
  assert.equal(res.headers["content-type"], "message/ohttp-res");
  assert.deepEqual([...(seen[0] ?? [])], [0, 1, 2, 255]);
});

test("app: an unforeseen failure is a 500 problem that echoes nothing, logged as a declared event", async () => {
  const { deps: d, logs } = deps(() => Promise.reject(new Error("internal detail canary-7741")));
  const res = await request(createRelayApp(d)).post("/relay").set("content-type", "message/ohttp-req").send(Buffer.from("x"));
  assert.equal(res.status, 500);
  assert.equal(res.headers["content-type"], "application/problem+json");
  assert.deepEqual(JSON.parse(res.text), { type: "about:blank", title: "Internal Server Error", status: 500 });
  assert.doesNotMatch(res.text + logs.text, /canary/);
  assert.deepEqual(logs.events("error.unexpected").map((e) => e["where"]), ["request"]);
});

test("app: on the node:net front too, an unforeseen failure is a 500 problem that echoes nothing, logged as a declared event", async (t) => {
  const { deps: d, logs, registry } = deps(() => Promise.reject(new Error("internal detail canary-7741")));
  const relay = createRelay(d);
  const front = new Http1Front({ paths: ["/relay"], maxBodyBytes: 1024, handle: relay.relay, record: (_p, status, ms) => relay.record(status, ms), fallback: relay.listener });
  await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
  const c = new RawHttpClient((front.address() as AddressInfo).port);
  t.after(async () => {
    c.destroy();
    front.closeAllConnections();
    await new Promise((r) => front.close(r));
  });
  c.send("POST /relay HTTP/1.1\r\nHost: relay\r\nContent-Type: message/ohttp-req\r\nContent-Length: 1\r\n\r\nx");
  const res = await c.answer();
  assert.equal(res.status, 500);
  assert.equal(res.headers.get("content-type"), "application/problem+json");
  assert.deepEqual(JSON.parse(res.body), { type: "about:blank", title: "Internal Server Error", status: 500 });
  assert.doesNotMatch(res.body + logs.text, /canary/);
  assert.deepEqual(logs.events("error.unexpected").map((e) => e["where"]), ["request"]);
  assert.match(await registry.metrics(), /http_request_duration_seconds_count\{route="relay",method="POST",status_class="5xx"\} 1/);
});
