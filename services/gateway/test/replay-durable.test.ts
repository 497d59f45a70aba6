/**
 * The replay cache with REDIS_MIN_REPLICAS_ACK=1 on a real primary and replica (test-kit): a claim
 * no replica acknowledged fails closed (StoreError, answered 503), so a failover cannot
 * forget a claim that let a request through (docs/decisions/0023-durable-spends.md).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createRedis } from "@oblivious/service-kit";
import { redisCli, redisConnected, startRedisNode } from "@oblivious/test-kit";
import { RedisReplayCache } from "../src/replay.js";

test("replay cache, one replica must acknowledge: claimed once when it does; unavailable while it cannot; a repeat is refused", async () => {
  const primary = await startRedisNode({ args: ["--repl-diskless-sync-delay", "0"] });
  const replica = await startRedisNode({ args: ["--replicaof", "127.0.0.1", String(primary.port)] });
  const redis = createRedis({ url: `redis://127.0.0.1:${primary.port}`, keyPrefix: "gateway-durable:", commandTimeoutMs: 10_000 });
  try {
    const deadline = Date.now() + 10_000;
    while (!(await redisCli(replica.port, ["INFO", "replication"])).includes("master_link_status:up")) {
      assert.ok(Date.now() < deadline, "the replica syncs");
      await new Promise((r) => setTimeout(r, 50));
    }
    await redisConnected(redis);
    // A generous timeout where an acknowledgement is expected (the machine may be loaded), a short one where none can come.
    const cache = new RedisReplayCache(redis, { minReplicas: 1, timeoutMs: 5000 });
    const impatient = new RedisReplayCache(redis, { minReplicas: 1, timeoutMs: 200 });
    const enc = randomBytes(32);
    assert.equal(await cache.claim(enc, Date.now(), 60_000), true);
    assert.equal(await cache.claim(enc, Date.now(), 60_000), false, "a replay is refused");
    replica.freeze();
    await assert.rejects(impatient.claim(randomBytes(32), Date.now(), 60_000), { name: "StoreError", code: "unavailable" });
    replica.thaw();
    assert.equal(await cache.claim(randomBytes(32), Date.now(), 60_000), true);
  } finally {
    replica.thaw();
    redis.disconnect();
    await Promise.all([primary.kill(), replica.kill()]);
  }
});
