/**
 * Quotas in Redis. Needs a real Redis on 127.0.0.1:6379 (the tests fail, not skip, without one)
 * and `redis-server` on the PATH for the down-and-recover test.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { MediaType, TokenType, encodeTokenRequest } from "@oblivious/privacypass";
import { createRedis } from "@oblivious/service-kit";
import { SHARED_REDIS_URL, pingSharedRedis, startRedisServer, status } from "@oblivious/test-kit";
import { PROBLEMS } from "../src/errors.js";
import { parsePseudonymKey } from "../src/pseudonym.js";
import { RedisQuotaStore } from "../src/quota.js";
import { HOUR, bearer, fixture, metricsText, post, problemOf, startTestIssuer, testKey } from "./helpers.js";

function single(): Uint8Array {
  const m = randomBytes(256);
  m[0] = 0;
  return encodeTokenRequest({ tokenType: TokenType.BlindRsa2048, truncatedTokenKeyId: testKey("a").truncatedTokenKeyId, blindedMsg: new Uint8Array(m) });
}

async function cleanup(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

test("redis: the shared Redis on 127.0.0.1:6379 is there", async () => {
  assert.equal(await pingSharedRedis(), "PONG");
});

test("redis: the quota is shared by replicas; Redis holds a count under the keyed pseudonym, expiring with the period", async () => {
  const fx = await fixture();
  const prefix = `issuer-test-${randomBytes(6).toString("hex")}:`;
  const env = { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix, ISSUER_QUOTA: "3", ISSUER_QUOTA_PERIOD: "1h" };
  const a = await startTestIssuer(fx, env);
  const b = await startTestIssuer(fx, env);
  const inspect = new Redis(SHARED_REDIS_URL);
  try {
    assert.equal(await status(`${a.issuer.adminUrl}/readyz`), 200);
    const device = "device-redis-shared";
    const auth = bearer(await a.credential(device));
    assert.equal((await post(a.url, MediaType.TokenRequest, single(), auth)).status, 200);
    assert.equal((await post(b.url, MediaType.TokenRequest, single(), auth)).status, 200);
    assert.equal((await post(a.url, MediaType.TokenRequest, single(), auth)).status, 200);
    const over = await post(b.url, MediaType.TokenRequest, single(), auth);
    assert.equal(over.status, 429, "the other replica saw the count");
    const retryAfter = Number(over.headers.get("retry-after"));
    assert.ok(retryAfter > 3590 && retryAfter <= 3600, `retry-after ${retryAfter}`);

    const stored = await inspect.keys(`${prefix}*`);
    const pseudonym = createHmac("sha256", parsePseudonymKey(readFileSync(fx.pseudonymKeyFile, "utf8"))).update(device).digest("base64url");
    assert.deepEqual(stored, [`${prefix}quota:${pseudonym}`]);
    assert.equal(await inspect.get(stored[0] ?? ""), "3");
    const ttl = await inspect.pttl(stored[0] ?? "");
    assert.ok(ttl > HOUR - 10_000 && ttl <= HOUR, `ttl ${ttl}`);
  } finally {
    await a.stop();
    await b.stop();
    await cleanup(inspect, prefix);
    inspect.disconnect();
  }
});

test("redis: concurrent requests never take a device over its quota (one atomic script)", async () => {
  const prefix = `issuer-test-${randomBytes(6).toString("hex")}:`;
  const store = new RedisQuotaStore(createRedis({ url: SHARED_REDIS_URL, keyPrefix: prefix }), { limit: 10, periodMs: HOUR });
  const inspect = new Redis(SHARED_REDIS_URL);
  try {
    for (let i = 0; i < 40 && !store.ready(); i++) await new Promise((r) => setTimeout(r, 25));
    const decisions = await Promise.all(Array.from({ length: 50 }, (_, i) => store.consume("p", i % 2 === 0 ? 1 : 2)));
    const granted = decisions.filter((d) => d.allowed).length;
    const counted = Number(await inspect.get(`${prefix}quota:p`));
    assert.ok(counted <= 10 && counted >= 9, `counted ${counted}`);
    assert.ok(granted >= 5);
    const refused = await store.consume("p", 2);
    assert.equal(refused.allowed, false);
    await store.refund("p", 1);
    assert.equal(Number(await inspect.get(`${prefix}quota:p`)), counted - 1);
    await store.refund("never-seen", 1);
    assert.equal(await inspect.exists(`${prefix}quota:never-seen`), 0, "a refund never creates a window");
  } finally {
    await store.close();
    await cleanup(inspect, prefix);
    inspect.disconnect();
  }
});

test("redis: unreachable → 503 and no signature, not ready; back on the same port → served again without a restart", async () => {
  const redis = await startRedisServer();
  const t = await startTestIssuer(await fixture(), { REDIS_URL: redis.url });
  try {
    const auth = bearer(await t.credential("device-redis-fault"));
    assert.equal((await post(t.url, MediaType.TokenRequest, single(), auth)).status, 200);

    await redis.stop();
    const down = await post(t.url, MediaType.TokenRequest, single(), auth);
    assert.equal(down.status, 503);
    assert.deepEqual(problemOf(down), PROBLEMS.quota_unavailable);
    assert.equal(down.headers.get("retry-after"), "1");
    assert.equal(await status(`${t.issuer.adminUrl}/readyz`), 503);
    let metrics = await metricsText(t.issuer);
    assert.match(metrics, /issuer_quota_store_ready 0/);
    assert.match(metrics, /issuer_tokens_issued_total 1\n/, "nothing signed without a quota check");

    await redis.start();
    const deadline = Date.now() + 10_000;
    let code = 0;
    while (Date.now() < deadline) {
      code = (await post(t.url, MediaType.TokenRequest, single(), auth)).status;
      if (code === 200) break;
      assert.equal(code, 503);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(code, 200, "recovered by itself");
    assert.equal(await status(`${t.issuer.adminUrl}/readyz`), 200);
    metrics = await metricsText(t.issuer);
    assert.match(metrics, /issuer_token_requests_total\{outcome="quota_unavailable"\} [1-9]/);
    assert.match(metrics, /issuer_quota_store_ready 1/);
    assert.ok(t.logs.events("quota.unavailable").length > 0);
  } finally {
    await t.stop();
    await redis.stop();
  }
});
