import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Registry, Counter } from "prom-client";
import { LineCapture } from "@oblivious/test-kit";
import { createLogger, lifecycleEvents, mediaType } from "../src/index.js";
import { BodyError, readBody } from "../src/body.js";
import { runService } from "../src/lifecycle.js";

test("admin: metrics, healthz, readyz (not ready while draining)", async () => {
  const registry = new Registry();
  new Counter({ name: "demo_total", help: "demo", registers: [registry] }).inc();
  let release: () => void = () => undefined;
  const slow = createServer((_req, res) => {
    release = () => res.end("done");
  });
  const out = new LineCapture();
  const log = createLogger({ service: "demo", events: lifecycleEvents, destination: out });
  const svc = await runService({
    public: { server: slow, host: "127.0.0.1", port: 0 },
    admin: { host: "127.0.0.1", port: 0, registry },
    log,
    drainTimeoutMs: 5000,
  });
  assert.match(await (await fetch(`${svc.adminUrl}/metrics`)).text(), /demo_total 1/);
  assert.equal((await fetch(`${svc.adminUrl}/healthz`)).status, 200);
  assert.equal((await fetch(`${svc.adminUrl}/readyz`)).status, 200);
  const nf = await fetch(`${svc.adminUrl}/nope`);
  assert.equal(nf.status, 404);
  assert.equal(nf.headers.get("content-type"), "application/problem+json");

  // An in-flight request survives the stop and completes.
  const inflight = fetch(`${svc.url}/`).then((r) => r.text());
  await new Promise((r) => setTimeout(r, 50));
  const stopped = svc.stop();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(svc.accepting(), false);
  assert.equal((await fetch(`${svc.adminUrl}/readyz`)).status, 503, "not ready while draining");
  release();
  assert.equal(await inflight, "done");
  await stopped;
  const events = out.records.map((r) => r["event"]);
  assert.deepEqual(events, ["service.listening", "service.listening", "service.draining", "service.stopped"]);
  assert.equal(out.records.at(-1)?.["forced"], false);
});

test("body: limit enforced by declared length and by streamed length", async () => {
  const server = createServer((req, res) => {
    readBody(req, 8).then(
      (b) => res.end(`ok ${b.length}`),
      (e: unknown) => res.end(e instanceof BodyError ? e.code : "other"),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}/`;
  assert.equal(await (await fetch(url, { method: "POST", body: "12345678" })).text(), "ok 8");
  assert.equal(await (await fetch(url, { method: "POST", body: "123456789" })).text(), "too-large");
  const streamed = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array(5));
      c.enqueue(new Uint8Array(5));
      c.close();
    },
  });
  const r = await fetch(url, { method: "POST", body: streamed, duplex: "half" } as RequestInit);
  assert.equal(await r.text(), "too-large");
  server.close();
});

test("mediaType: parameters and case are ignored", () => {
  assert.equal(mediaType("Message/OHTTP-req; foo=bar"), "message/ohttp-req");
  assert.equal(mediaType(undefined), undefined);
});
