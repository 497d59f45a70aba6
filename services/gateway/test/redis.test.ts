/**
 * The shared replay cache in Redis. Needs a real Redis on 127.0.0.1:6379 (the test fails, not
 * skips, without one) and `redis-server` on the PATH for the down-and-recover test.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { decodeResponse, encodeRequest } from "@oblivious/bhttp";
import { MediaType, encapsulateRequest } from "@oblivious/ohttp";
import { exchange, fetchKeyConfigs, innerRequest, metricsText, oneKeyFile, problemOf, send, startTarget, startTestGateway, tempDir, T0 } from "./helpers.js";

const SHARED = "redis://127.0.0.1:6379";

test("redis: the shared Redis on 127.0.0.1:6379 is there", async () => {
  const redis = new Redis(SHARED, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    assert.equal(await redis.ping(), "PONG");
  } finally {
    redis.disconnect();
  }
});

test("redis: a request answered by one gateway replica is refused as a replay by another", async () => {
  const target = await startTarget();
  const keys = oneKeyFile(tempDir());
  const prefix = `gateway-test-${randomBytes(6).toString("hex")}:`;
  const env = { GATEWAY_KEYS_FILE: keys.path, GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}`, REDIS_URL: SHARED, REDIS_PREFIX: prefix };
  const a = await startTestGateway(env);
  const b = await startTestGateway(env);
  const inspect = new Redis(SHARED);
  try {
    assert.equal((await send(`${a.gw.adminUrl}/readyz`)).status, 200);
    const [config] = await fetchKeyConfigs(a.gw.url);
    assert.ok(config);
    const { encapsulatedRequest, context } = encapsulateRequest(config, encodeRequest(innerRequest(T0)));
    const post = (url: string) => fetch(`${url}/gateway`, { method: "POST", headers: { "content-type": MediaType.OhttpRequest }, body: encapsulatedRequest });
    const first = await post(a.gw.url);
    assert.equal(first.status, 200);
    await first.arrayBuffer();
    const second = await post(b.gw.url);
    const refusal = decodeResponse(context.decapsulateResponse(new Uint8Array(await second.arrayBuffer())));
    assert.equal(refusal.status, 400);
    assert.equal(problemOf(refusal)["type"], "tag:oblivious-services,2026:problem/replayed-request");
    assert.equal(target.received.length, 1, "forwarded once across both replicas");

    // Redis holds a hash of enc under the prefix, expiring with the window on both sides.
    const stored = await inspect.keys(`${prefix}*`);
    assert.equal(stored.length, 1);
    const enc = Buffer.from(encapsulatedRequest.subarray(7, 39));
    assert.match(stored[0] ?? "", new RegExp(`^${prefix}replay:[A-Za-z0-9_-]{43}$`));
    for (const form of [enc.toString("hex"), enc.toString("base64url")]) assert.ok(!(stored[0] ?? "").includes(form));
    const ttl = await inspect.pttl(stored[0] ?? "");
    assert.ok(ttl > 110_000 && ttl <= 120_000, `ttl ${ttl}`);
  } finally {
    await a.stop();
    await b.stop();
    const leftovers = await inspect.keys(`${prefix}*`);
    if (leftovers.length > 0) await inspect.del(...leftovers);
    inspect.disconnect();
    await target.close();
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => undefined);
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return child;
    } catch {
      probe.disconnect();
      if (child.exitCode !== null || Date.now() > deadline) throw new Error("redis-server did not start");
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function stopRedis(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

test("redis: unreachable → encapsulated 503 and nothing forwarded; back → served again, with no restart", async () => {
  const port = await freePort();
  let redis = await startRedis(port);
  const target = await startTarget();
  const keys = oneKeyFile(tempDir());
  const t = await startTestGateway({
    GATEWAY_KEYS_FILE: keys.path,
    GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}`,
    REDIS_URL: `redis://127.0.0.1:${port}`,
  });
  try {
    const [config] = await fetchKeyConfigs(t.gw.url);
    assert.ok(config);
    assert.equal((await exchange(t.gw.url, config, innerRequest(T0))).inner?.status, 200);
    assert.equal(target.received.length, 1);

    await stopRedis(redis);
    const down = await exchange(t.gw.url, config, innerRequest(T0));
    assert.equal(down.status, 200);
    assert.equal(down.inner?.status, 503);
    assert.deepEqual(problemOf(down.inner), { type: "tag:oblivious-services,2026:problem/replay-check-unavailable", title: "replay check unavailable", status: 503 });
    assert.equal(target.received.length, 1, "never forwarded without the replay check");
    assert.equal((await send(`${t.gw.adminUrl}/readyz`)).status, 503);
    assert.match(await metricsText(t.gw), /gateway_replay_cache_ready 0/);

    redis = await startRedis(port);
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await exchange(t.gw.url, config, innerRequest(T0))).inner?.status ?? 0;
      if (status === 200) break;
      assert.equal(status, 503);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200, "recovered by itself");
    assert.equal(target.received.length, 2);
    assert.equal((await send(`${t.gw.adminUrl}/readyz`)).status, 200);
    assert.match(await metricsText(t.gw), /gateway_requests_total\{outcome="replay_unavailable"\} [1-9]/);
  } finally {
    await t.stop();
    await target.close();
    await stopRedis(redis);
  }
});
