/** The handler alone, driven by supertest, with fake dependencies. */
import { test } from "node:test";
import assert from "node:assert/strict";
import request from "supertest";
import { Registry } from "prom-client";
import { createHttpObserver, createLogger } from "@oblivious/service-kit";
import { LineCapture } from "@oblivious/test-kit";
import { createRelayApp, createRelayMetrics, RELAY_ROUTES, relayEvents, type GatewayAnswer, type RelayAppDeps } from "../src/index.js";

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
      trustProxy: 0,
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
