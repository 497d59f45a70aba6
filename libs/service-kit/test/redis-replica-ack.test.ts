/**
 * ReplicaAck on real processes: a throwaway primary and its replica (test-kit's startRedisNode).
 * Confirmation off sends no WAIT; on, concurrent writes share WAITs (group commit), a frozen
 * replica fails them closed, and a write made on a connection that was replaced is never
 * confirmed by a WAIT on the new one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { redisCli, redisConnected, startRedisNode, type RedisNode } from "@oblivious/test-kit";
import { createRedis, ReplicaAck } from "../src/index.js";
import { ReplicaAckError } from "../src/redis-replica-ack.js";

async function primaryWithReplica(): Promise<{ primary: RedisNode; replica: RedisNode; stop: () => Promise<void> }> {
  const primary = await startRedisNode({ args: ["--repl-diskless-sync-delay", "0"] });
  const replica = await startRedisNode({ args: ["--replicaof", "127.0.0.1", String(primary.port)] });
  const deadline = Date.now() + 10_000;
  while (!(await redisCli(replica.port, ["INFO", "replication"])).includes("master_link_status:up")) {
    if (Date.now() > deadline) throw new Error("the replica did not sync");
    await new Promise((r) => setTimeout(r, 50));
  }
  return { primary, replica, stop: async () => void (await Promise.all([primary.kill(), replica.kill()])) };
}

async function waitCalls(port: number): Promise<number> {
  const line = (await redisCli(port, ["INFO", "commandstats"])).find((l) => l.startsWith("cmdstat_wait:"));
  return Number(/calls=(\d+)/.exec(line ?? "")?.[1] ?? 0);
}

test("replica ack: off (0) sends no WAIT; on (1), 200 concurrent writes are all confirmed with fewer WAITs than writes", async () => {
  const { primary, stop } = await primaryWithReplica();
  const redis = createRedis({ url: `redis://127.0.0.1:${primary.port}`, keyPrefix: "ack:", commandTimeoutMs: 10_000 });
  try {
    await redisConnected(redis);
    const off = new ReplicaAck(redis, { minReplicas: 0, timeoutMs: 200 });
    assert.equal(await off.durable(() => redis.set("k0", "1")), "OK");
    assert.equal(await waitCalls(primary.port), 0);

    // Generous timeouts where an acknowledgement is expected: the test machine may be loaded.
    const on = new ReplicaAck(redis, { minReplicas: 1, timeoutMs: 5000 });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => on.durable(() => redis.set(`k${i}`, "1"))));
    assert.ok(results.every((r) => r === "OK"));
    const waits = await waitCalls(primary.port);
    assert.ok(waits >= 1 && waits < 200, `${waits} WAITs for 200 writes`);
    // Only what mustConfirm asks for waits: a refused SET NX does not.
    const before = await waitCalls(primary.port);
    assert.equal(await on.durable(() => redis.set("k1", "2", "NX"), (r) => r === "OK"), null);
    assert.equal(await waitCalls(primary.port), before);
  } finally {
    redis.disconnect();
    await stop();
  }
});

test("replica ack: a frozen replica → too_few_replicas after the timeout (the write is on the primary, the caller fails closed)", async () => {
  const { primary, replica, stop } = await primaryWithReplica();
  const redis = createRedis({ url: `redis://127.0.0.1:${primary.port}`, keyPrefix: "ack:", commandTimeoutMs: 10_000 });
  try {
    await redisConnected(redis);
    const ack = new ReplicaAck(redis, { minReplicas: 1, timeoutMs: 200 });
    replica.freeze();
    const started = Date.now();
    await assert.rejects(
      ack.durable(() => redis.set(`frozen-${randomBytes(4).toString("hex")}`, "1")),
      (e: unknown) => e instanceof ReplicaAckError && e.code === "too_few_replicas",
    );
    assert.ok(Date.now() - started >= 190, "waited the timeout");
    replica.thaw();
    const patient = new ReplicaAck(redis, { minReplicas: 1, timeoutMs: 5000 });
    assert.equal(await patient.durable(() => redis.set("thawed", "1")), "OK");
  } finally {
    replica.thaw();
    redis.disconnect();
    await stop();
  }
});

test("replica ack: a write whose connection was replaced before its WAIT is never confirmed (connection_changed)", async () => {
  const { primary, stop } = await primaryWithReplica();
  const redis = createRedis({ url: `redis://127.0.0.1:${primary.port}`, keyPrefix: "ack:", commandTimeoutMs: 10_000 });
  try {
    await redisConnected(redis);
    const ack = new ReplicaAck(redis, { minReplicas: 1, timeoutMs: 5000 });
    await assert.rejects(
      ack.durable(async () => {
        const reply = await redis.set("moved", "1");
        // A new connection before the WAIT: a WAIT on it would answer "1 replica" at once.
        redis.disconnect(true);
        await once(redis, "ready");
        return reply;
      }),
      (e: unknown) => e instanceof ReplicaAckError && e.code === "connection_changed",
    );
    assert.equal(await ack.durable(() => redis.set("after", "1")), "OK", "writes on the new connection are confirmed");
  } finally {
    redis.disconnect();
    await stop();
  }
});
