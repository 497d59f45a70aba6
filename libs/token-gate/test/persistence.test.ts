/**
 * Spent tokens survive a Redis restart when Redis keeps an append-only file (the manifests'
 * setting, docs/decisions/0023-durable-spends.md), and are forgotten without one: a throwaway
 * redis-server in a temporary directory, killed with SIGKILL (a crash, not a clean shutdown that
 * would write a snapshot) and started again on the same port and directory.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createRedis } from "@oblivious/service-kit";
import { redisConnected, startRedisNode } from "@oblivious/test-kit";
import { RedisSpentTokenStore } from "../src/index.js";

async function spendAcrossRestart(args: readonly string[]): Promise<{ before: boolean; after: boolean }> {
  const node = await startRedisNode({ args });
  const redis = createRedis({ url: `redis://127.0.0.1:${node.port}`, keyPrefix: "persistence:" });
  try {
    await redisConnected(redis);
    const store = new RedisSpentTokenStore(redis);
    const key = randomBytes(32);
    const before = await store.spend(key, 600_000);
    // appendfsync everysec writes the file at once and fsyncs within a second; a process crash
    // (not a power loss) loses nothing the kernel already has.
    await node.kill();
    await node.start();
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        return { before, after: await store.spend(key, 600_000) };
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    redis.disconnect();
    await node.kill();
  }
}

test("persistence: appendonly yes (appendfsync everysec) → a token spent before a crash and restart is refused after it", async () => {
  const r = await spendAcrossRestart(["--appendonly", "yes", "--appendfsync", "everysec"]);
  assert.equal(r.before, true);
  assert.equal(r.after, false, "still spent");
});

test("persistence: without persistence the same restart forgets the spend (why the manifests need the append-only file)", async () => {
  const r = await spendAcrossRestart(["--appendonly", "no"]);
  assert.equal(r.before, true);
  assert.equal(r.after, true, "accepted again");
});
