import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, request } from "node:http";
import { Registry } from "prom-client";
import { closeServer, listen } from "@oblivious/test-kit";
import { OVERLOADED_PROBLEM, PROBLEM_MEDIA_TYPE, Shedder } from "../src/index.js";

function shedder(limit: number, extra: { targetMs?: number; minLimit?: number; now?: () => number } = {}): { shed: Shedder<"a" | "b">; registry: Registry } {
  const registry = new Registry();
  return { shed: new Shedder({ limit, registry, metricPrefix: "demo", routes: ["a", "b"] as const, ...extra }), registry };
}

test("shed: admits up to the limit, refuses the next at once, counts it by route", async () => {
  const { shed, registry } = shedder(2);
  assert.ok(shed.tryAcquire("a"));
  assert.ok(shed.tryAcquire("b"));
  assert.equal(shed.tryAcquire("a"), false);
  assert.equal(shed.tryAcquire("b"), false);
  assert.equal(shed.tryAcquire("b"), false);
  shed.release(1);
  assert.ok(shed.tryAcquire("a"), "a released slot is free again");
  const text = await registry.metrics();
  assert.match(text, /demo_shed_total\{route="a"\} 1/);
  assert.match(text, /demo_shed_total\{route="b"\} 2/);
  assert.match(text, /demo_in_flight 2/);
  assert.match(text, /demo_in_flight_limit 2/);
});

test("shed: limit 0 admits everything", () => {
  const { shed } = shedder(0);
  for (let i = 0; i < 10_000; i++) assert.ok(shed.tryAcquire("a"));
});

test("shed: the 503 answer is an overloaded problem with Retry-After", async () => {
  const { shed } = shedder(1);
  let release: () => void = () => undefined;
  const first = shed.run("a", () => new Promise((r) => (release = () => r({ status: 200, headers: {}, body: new Uint8Array(0) }))));
  const refused = await shed.run("a", () => assert.fail("not admitted"));
  assert.equal(refused.status, 503);
  assert.equal(refused.headers["retry-after"], "1");
  assert.equal(refused.headers["content-type"], PROBLEM_MEDIA_TYPE);
  assert.deepEqual(JSON.parse(Buffer.from(refused.body).toString()), OVERLOADED_PROBLEM);
  release();
  assert.equal((await first).status, 200);
  assert.equal(shed.inFlight, 0);
});

test("shed: the bound shrinks while every answer of a window is slower than the target, then grows back", () => {
  let now = 0;
  const { shed } = shedder(64, { targetMs: 100, minLimit: 4, now: () => now });
  const answer = (latencyMs: number): void => {
    assert.ok(shed.tryAcquire("a"));
    shed.release(latencyMs);
  };
  // A burst with one fast answer per window is no standing queue: the bound stays.
  for (let w = 0; w < 5; w++) {
    answer(500);
    answer(10);
    now += 100;
    answer(500);
  }
  assert.equal(shed.bound, 64);
  // Every answer slow: a quarter less per window, down to the minimum.
  for (let w = 0; w < 30; w++) {
    now += 100;
    answer(500);
  }
  assert.equal(shed.bound, 4);
  // Fast again: back up to the limit.
  for (let w = 0; w < 60; w++) {
    now += 100;
    answer(5);
  }
  assert.equal(shed.bound, 64);
});

test("shed: on node:http, a shed request is answered 503 before its handler, others pass", async () => {
  const { shed } = shedder(1);
  let release: () => void = () => undefined;
  let handled = 0;
  const server = createServer(
    shed.listener(
      (req) => (req.url === "/work" ? "a" : undefined),
      (req, res) => {
        handled++;
        if (req.url === "/work") release = () => res.end("done");
        else res.end("free");
      },
    ),
  );
  const url = await listen(server);
  try {
    const get = (path: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> =>
      new Promise((resolve, reject) => {
        request(`${url}${path}`, { method: "POST", agent: false }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        })
          .on("error", reject)
          .end("x");
      });
    const first = get("/work");
    while (handled === 0) await new Promise((r) => setTimeout(r, 5));
    const refused = await get("/work");
    assert.equal(refused.status, 503);
    assert.equal(refused.headers["retry-after"], "1");
    assert.equal(refused.headers["content-type"], PROBLEM_MEDIA_TYPE);
    assert.equal((JSON.parse(refused.body) as { type: string }).type, OVERLOADED_PROBLEM.type);
    assert.equal((await get("/other")).body, "free", "a route the shedder does not name is never shed");
    assert.equal(handled, 2, "the shed request never reached the handler");
    release();
    assert.equal((await first).body, "done");
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(shed.inFlight, 0, "released when the response closed");
  } finally {
    await closeServer(server);
  }
});
