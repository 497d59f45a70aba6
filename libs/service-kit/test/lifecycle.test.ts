import { test } from "node:test";
import assert from "node:assert/strict";
import { Agent, createServer, request, type IncomingHttpHeaders } from "node:http";
import { Registry } from "prom-client";
import { LineCapture } from "@oblivious/test-kit";
import { createLogger, lifecycleEvents } from "../src/index.js";
import { runService } from "../src/lifecycle.js";

function get(url: string, agent: Agent): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    })
      .on("error", reject)
      .end();
  });
}

test("stop: not ready at once, still serving through the grace, then a drain that answers Connection: close", async () => {
  const GRACE_MS = 2000;
  const held: (() => void)[] = [];
  const server = createServer((req, res) => {
    if (req.url === "/slow") held.push(() => res.end("slow"));
    else res.end("fast");
  });
  const out = new LineCapture();
  const svc = await runService({
    public: { server, host: "127.0.0.1", port: 0 },
    admin: { host: "127.0.0.1", port: 0, registry: new Registry() },
    log: createLogger({ service: "demo", events: lifecycleEvents, destination: out }),
    drainTimeoutMs: 5000,
    shutdownGraceMs: GRACE_MS,
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  try {
    assert.equal((await get(`${svc.url}/`, agent)).headers.connection, "keep-alive");
    const slow = get(`${svc.url}/slow`, agent);
    while (held.length === 0) await new Promise((r) => setTimeout(r, 5));
    const started = performance.now();
    const stopped = svc.stop();
    assert.equal((await fetch(`${svc.adminUrl}/readyz`)).status, 503, "not ready as soon as the stop begins");
    // Within the grace: new requests, on new and kept-alive connections, are still served.
    const during = await get(`${svc.url}/`, agent);
    assert.equal(during.body, "fast");
    assert.equal(during.headers.connection, "keep-alive", "no drain during the grace");
    assert.ok(performance.now() - started < GRACE_MS, "answered within the grace");
    // After the grace: the in-flight request is answered, with Connection: close.
    while (!out.records.some((r) => r["event"] === "service.draining")) await new Promise((r) => setTimeout(r, 10));
    assert.ok(performance.now() - started >= GRACE_MS - 5, "the drain waited for the grace");
    for (const release of held) release();
    const answered = await slow;
    assert.equal(answered.body, "slow");
    assert.equal(answered.headers.connection, "close", "an answer during the drain tells the client to go");
    await stopped;
    const events = out.records.map((r) => r["event"]);
    assert.deepEqual(events, ["service.listening", "service.listening", "service.not_ready", "service.draining", "service.stopped"]);
    assert.equal(out.records.find((r) => r["event"] === "service.not_ready")?.["graceMs"], GRACE_MS);
    assert.equal(out.records.at(-1)?.["forced"], false);
  } finally {
    agent.destroy();
  }
});
