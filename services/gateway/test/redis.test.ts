/**
 * The shared replay cache in Redis. Needs a real Redis on 127.0.0.1:6379 (the test fails, not
 * skips, without one) and `redis-server` on the PATH for the down-and-recover test.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { decodeResponse, encodeRequest } from "@oblivious/bhttp";
import { MediaType, encapsulateRequest } from "@oblivious/ohttp";
import { SHARED_REDIS_URL, pingSharedRedis, startRedisServer } from "@oblivious/test-kit";
import { REDIS_EXPIRY_SLACK_MS, RedisReplayCache } from "../src/replay.js";
import { assertCacheEdges, assertGatewayEdges, gatewayEdges } from "./replay-edges.js";
import { exchange, fetchKeyConfigs, innerRequest, metricsText, oneKeyFile, problemOf, send, startTarget, startTestGateway, tempDir, T0 } from "./helpers.js";

test("redis: the shared Redis on 127.0.0.1:6379 is there", async () => {
  assert.equal(await pingSharedRedis(), "PONG");
});

test("redis: a request answered by one gateway replica is refused as a replay by another", async () => {
  const target = await startTarget();
  const keys = oneKeyFile(tempDir());
  const prefix = `gateway-test-${randomBytes(6).toString("hex")}:`;
  const env = { GATEWAY_KEYS_FILE: keys.path, GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}`, REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix };
  const a = await startTestGateway(env);
  const b = await startTestGateway(env);
  const inspect = new Redis(SHARED_REDIS_URL);
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
    // Kept by Redis for the window on both sides plus the slack (replay.ts); the value is the logical expiry.
    const ttl = await inspect.pttl(stored[0] ?? "");
    assert.ok(ttl > 120_000 && ttl <= 120_000 + REDIS_EXPIRY_SLACK_MS, `ttl ${ttl}`);
    assert.equal(await inspect.get(stored[0] ?? ""), String(T0 + 120_000));
  } finally {
    await a.stop();
    await b.stop();
    const leftovers = await inspect.keys(`${prefix}*`);
    if (leftovers.length > 0) await inspect.del(...leftovers);
    inspect.disconnect();
    await target.close();
  }
});

test("redis: unreachable → encapsulated 503 and nothing forwarded; back → served again, with no restart", async () => {
  const redis = await startRedisServer();
  const target = await startTarget();
  const keys = oneKeyFile(tempDir());
  const t = await startTestGateway({
    GATEWAY_KEYS_FILE: keys.path,
    GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}`,
    REDIS_URL: redis.url,
  });
  try {
    const [config] = await fetchKeyConfigs(t.gw.url);
    assert.ok(config);
    assert.equal((await exchange(t.gw.url, config, innerRequest(T0))).inner?.status, 200);
    assert.equal(target.received.length, 1);

    await redis.stop();
    const down = await exchange(t.gw.url, config, innerRequest(T0));
    assert.equal(down.status, 200);
    assert.equal(down.inner?.status, 503);
    assert.deepEqual(problemOf(down.inner), { type: "tag:oblivious-services,2026:problem/replay-check-unavailable", title: "replay check unavailable", status: 503 });
    assert.equal(target.received.length, 1, "never forwarded without the replay check");
    assert.equal((await send(`${t.gw.adminUrl}/readyz`)).status, 503);
    assert.match(await metricsText(t.gw), /gateway_replay_cache_ready 0/);

    await redis.start();
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
    await redis.stop();
  }
});

test("redis replay cache: live up to and including its expiry instant, expired just after, on the gateway's clock", async () => {
  const prefix = `gateway-test-${randomBytes(6).toString("hex")}:`;
  const redis = new Redis(SHARED_REDIS_URL, { keyPrefix: prefix });
  const cache = new RedisReplayCache(redis);
  const inspect = new Redis(SHARED_REDIS_URL);
  try {
    // The instants are the gateway's (2026-03-01 here, whatever Redis's own clock says): the
    // verdict compares them, so the edge is exact however long the claim took to reach Redis.
    await assertCacheEdges(cache, T0, 120_000);
    // Redis's own expiry only removes the key once no claim can need it: ttl + slack after the last write.
    const stored = await inspect.keys(`${prefix}*`);
    assert.equal(stored.length, 2);
    for (const key of stored) {
      const pttl = await inspect.pttl(key);
      assert.ok(pttl > 120_000 && pttl <= 120_000 + REDIS_EXPIRY_SLACK_MS, `pttl ${pttl}`);
    }
  } finally {
    const leftovers = await inspect.keys(`${prefix}*`);
    if (leftovers.length > 0) await inspect.del(...leftovers);
    inspect.disconnect();
    await cache.close();
  }
});

test("redis replay cache: a key Redis let expire is claimable again; concurrent claims of one enc: exactly one wins", async () => {
  const prefix = `gateway-test-${randomBytes(6).toString("hex")}:`;
  const redis = new Redis(SHARED_REDIS_URL, { keyPrefix: prefix });
  const cache = new RedisReplayCache(redis);
  const inspect = new Redis(SHARED_REDIS_URL);
  try {
    const enc = randomBytes(32);
    assert.equal(await cache.claim(enc, T0, 1), true);
    // PX 1 + slack: gone from Redis a little after the slack; a claim then starts afresh.
    const [key] = await inspect.keys(`${prefix}*`);
    assert.ok(key);
    await inspect.pexpire(key, 1);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(await inspect.exists(key), 0);
    assert.equal(await cache.claim(enc, T0, 1), true);
    const racing = randomBytes(32);
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.claim(racing, T0, 120_000)));
    assert.equal(results.filter((r) => r).length, 1);
  } finally {
    const leftovers = await inspect.keys(`${prefix}*`);
    if (leftovers.length > 0) await inspect.del(...leftovers);
    inspect.disconnect();
    await cache.close();
  }
});

test("redis replay cache through the gateway: refused just before and at 2 × window, Date-refused just after", async () => {
  const prefix = `gateway-test-${randomBytes(6).toString("hex")}:`;
  const inspect = new Redis(SHARED_REDIS_URL);
  try {
    assertGatewayEdges(await gatewayEdges({ REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix }));
  } finally {
    const leftovers = await inspect.keys(`${prefix}*`);
    if (leftovers.length > 0) await inspect.del(...leftovers);
    inspect.disconnect();
  }
});
