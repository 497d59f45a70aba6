/**
 * What a durable spend costs (docs/decisions/0023-durable-spends.md): spends per second and p50/p99
 * latency of RedisSpentTokenStore on a local primary with one replica (both throwaway
 * redis-servers started here, loopback), in three modes, interleaved round by round so a loaded
 * machine hits each mode alike:
 *
 * - `none`: SET NX alone (REDIS_MIN_REPLICAS_ACK=0);
 * - `group`: SET NX then the store's group-committed WAIT 1 (REDIS_MIN_REPLICAS_ACK=1);
 * - `naive`: SET NX then one WAIT 1 per spend, for comparison (what group commit avoids).
 *
 * Usage: node scripts/dist/bench/durable-spends.js [concurrency=64] [seconds per round=3] [rounds=3]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { createRedis } from "@oblivious/service-kit";
import { freePort } from "@oblivious/test-kit";
import { RedisSpentTokenStore } from "@oblivious/token-gate";
import type { Redis } from "ioredis";

const MODES = ["none", "group", "naive"] as const;
type Mode = (typeof MODES)[number];

function redisServer(port: number, extra: readonly string[]): ChildProcess {
  return spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...extra], { stdio: "ignore" });
}

async function ready(redis: Redis): Promise<void> {
  while (redis.status !== "ready") await delay(50);
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function round(redis: Redis, store: RedisSpentTokenStore, mode: Mode, concurrency: number, seconds: number): Promise<{ rate: number; p50: number; p99: number; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  const end = Date.now() + seconds * 1000;
  const spendOnce = async (): Promise<void> => {
    const key = randomBytes(32);
    if (mode === "naive") {
      const reply = await redis.set(`bench-naive:spent:${key.toString("hex")}`, "1", "PX", 60_000, "NX");
      if (reply === "OK" && (await redis.wait(1, 200)) < 1) throw new Error("not acknowledged");
    } else if (!(await store.spend(key, 60_000))) throw new Error("refused");
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const t0 = process.hrtime.bigint();
        try {
          await spendOnce();
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        } catch {
          failed += 1;
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), failed };
}

async function main(): Promise<void> {
  const [concurrency = 64, seconds = 3, rounds = 3] = process.argv.slice(2).map(Number);
  const primaryPort = await freePort();
  const replicaPort = await freePort();
  const primary = redisServer(primaryPort, []);
  const replica = redisServer(replicaPort, ["--replicaof", "127.0.0.1", String(primaryPort)]);
  const redis = createRedis({ url: `redis://127.0.0.1:${primaryPort}`, keyPrefix: "" });
  try {
    await delay(300);
    await ready(redis);
    while ((await redis.wait(1, 100)) < 1) await delay(100);
    const stores = new Map(MODES.map((m) => [m, new RedisSpentTokenStore(redis, { keyPrefix: `bench-${m}:`, minReplicasAck: m === "group" ? 1 : 0, replicaAckTimeoutMs: 200 })]));
    const totals = new Map<Mode, { rate: number[]; p50: number[]; p99: number[]; failed: number }>();
    for (let r = 0; r < rounds; r += 1) {
      for (const mode of MODES) {
        const store = stores.get(mode);
        if (store === undefined) continue;
        const result = await round(redis, store, mode, concurrency, seconds);
        const t = totals.get(mode) ?? { rate: [], p50: [], p99: [], failed: 0 };
        t.rate.push(result.rate);
        t.p50.push(result.p50);
        t.p99.push(result.p99);
        t.failed += result.failed;
        totals.set(mode, t);
        console.log(`round ${r + 1} ${mode.padEnd(5)} ${result.rate.toFixed(0).padStart(6)}/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  failed ${result.failed}`);
      }
      await redis.flushdb();
    }
    const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    console.log(`\nmedian of ${rounds} rounds, concurrency ${concurrency}, ${seconds} s each:`);
    for (const [mode, t] of totals) {
      console.log(`${mode.padEnd(5)} ${median(t.rate).toFixed(0).padStart(6)}/s  p50 ${median(t.p50).toFixed(2)} ms  p99 ${median(t.p99).toFixed(2)} ms  failed ${t.failed}`);
    }
  } finally {
    redis.disconnect();
    primary.kill("SIGKILL");
    replica.kill("SIGKILL");
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
