/** The spent-token stores: spend once, expire, stay bounded, fail closed. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { createRedis } from "@oblivious/service-kit";
import { freePort, redisConnected, SHARED_REDIS_URL } from "@oblivious/test-kit";
import { MemorySpentTokenStore, RedisSpentTokenStore, spentTokenKey } from "../src/index.js";

const key = (): Uint8Array => new Uint8Array(randomBytes(32));

test("memory: the first spend wins, a second is refused until the TTL ends", async () => {
  let now = 0;
  const store = new MemorySpentTokenStore({ now: () => now });
  const k = key();
  assert.equal(await store.spend(k, 1000), true);
  assert.equal(await store.spend(Uint8Array.from(k), 1000), false, "the same bytes, another array");
  now = 999;
  assert.equal(await store.spend(k, 1000), false);
  now = 1000;
  assert.equal(await store.spend(k, 1000), true, "expired: the key's TTL outlived the token key, so it may go");
  assert.equal(store.ready(), true);
});

test("memory: a key given as a view at a non-zero offset is read correctly", async () => {
  const store = new MemorySpentTokenStore();
  const backing = new Uint8Array(64);
  backing.set(randomBytes(32), 16);
  assert.equal(await store.spend(backing.subarray(16, 48), 1000), true);
  assert.equal(await store.spend(Uint8Array.from(backing.subarray(16, 48)), 1000), false);
  assert.equal(await store.spend(backing.subarray(0, 32), 1000), true, "another key");
});

test("memory: bounded; full of live entries it fails closed rather than forget a spend", async () => {
  let now = 0;
  const store = new MemorySpentTokenStore({ maxEntries: 3, now: () => now });
  const keys = [key(), key(), key()];
  // TTLs out of insertion order: the front entry lives longest.
  assert.equal(await store.spend(keys[0] ?? key(), 10_000), true);
  assert.equal(await store.spend(keys[1] ?? key(), 100), true);
  assert.equal(await store.spend(keys[2] ?? key(), 200), true);
  await assert.rejects(store.spend(key(), 100), { name: "StoreError", code: "full" });
  await assert.rejects(store.spend(key(), 100), { name: "StoreError", code: "full" }, "still full: no sweep before the earliest expiry");
  assert.equal(await store.spend(keys[1] ?? key(), 100), false, "a live spend is still known when full");
  now = 150;
  assert.equal(await store.spend(key(), 100), true, "an expired entry behind a live one was swept");
  assert.equal(store.size, 3);
  assert.equal(await store.spend(keys[0] ?? key(), 10_000), false, "the long-lived entry was kept");
});

test("memory: 200 concurrent spends of one key → exactly one true", async () => {
  const store = new MemorySpentTokenStore();
  const k = key();
  const results = await Promise.all(Array.from({ length: 200 }, () => store.spend(k, 60_000)));
  assert.equal(results.filter(Boolean).length, 1);
});

test("spentTokenKey: SHA-256(token_key_id || nonce), 32 bytes, never the nonce", async () => {
  const { createHash } = await import("node:crypto");
  const id = key();
  const nonce = key();
  const k = spentTokenKey(id, nonce);
  assert.equal(k.length, 32);
  assert.deepEqual(Buffer.from(k), createHash("sha256").update(Buffer.concat([id, nonce])).digest());
  assert.notDeepEqual(Buffer.from(k), Buffer.from(nonce));
});

test("redis: SET <prefix>spent:<hex> 1 NX PX ttl on the shared Redis; the second spend is refused", async () => {
  const prefix = `token-gate-test-${randomBytes(6).toString("hex")}:`;
  const redis = createRedis({ url: SHARED_REDIS_URL, keyPrefix: prefix });
  const inspect = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    await Promise.all([redisConnected(redis), redisConnected(inspect)]);
    const store = new RedisSpentTokenStore(redis);
    assert.equal(store.ready(), true);
    const k = key();
    assert.equal(await store.spend(k, 90_000), true);
    assert.equal(await store.spend(k, 90_000), false);
    const stored = await inspect.keys(`${prefix}*`);
    assert.deepEqual(stored, [`${prefix}spent:${Buffer.from(k).toString("hex")}`]);
    assert.equal(await inspect.get(stored[0] ?? ""), "1");
    const ttl = await inspect.pttl(stored[0] ?? "");
    assert.ok(ttl > 85_000 && ttl <= 90_000, `ttl ${ttl}`);
  } finally {
    const leftovers = await inspect.keys(`${prefix}*`);
    if (leftovers.length > 0) await inspect.del(...leftovers);
    inspect.disconnect();
    redis.disconnect();
  }
});

test("redis: nobody listening → StoreError `unavailable` at once, not ready", async () => {
  const port = await freePort();
  const redis = createRedis({ url: `redis://127.0.0.1:${port}`, keyPrefix: "x:" });
  try {
    const store = new RedisSpentTokenStore(redis);
    assert.equal(store.ready(), false);
    const started = Date.now();
    await assert.rejects(store.spend(key(), 1000), { name: "StoreError", code: "unavailable" });
    assert.ok(Date.now() - started < 1000, "fails fast");
  } finally {
    redis.disconnect();
  }
});
