/**
 * The whole stack on Redis Sentinel, started as a person would (`npm start` with REDIS_SENTINELS,
 * REDIS_SENTINEL_NAME and REDIS_MIN_REPLICAS_ACK=1 in its environment), on real processes: one
 * primary, two replicas and three sentinels (test-kit). Searches run through relay, gateway and
 * tokens from the issuer while the primary is killed (SIGKILL): every service that keeps state
 * (gateway replay cache, issuer quotas, sticker-search's spent tokens) answers 503 while no
 * primary is known, and the same processes serve again after the promotion, with no restart.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { ClientError, createClient } from "@oblivious/client";
import { createDevAttester } from "@oblivious/issuer/dev";
import { ROOT } from "@oblivious/scripts/stack";
import { freePort, redisCli, startRedisSentinelSet } from "@oblivious/test-kit";

const PORT_VARIABLES = [
  "RELAY_PORT", "RELAY_ADMIN_PORT", "GATEWAY_PORT", "GATEWAY_ADMIN_PORT", "ISSUER_PORT", "ISSUER_ADMIN_PORT",
  "STICKER_SEARCH_PORT", "STICKER_SEARCH_ADMIN_PORT", "TELEMETRY_PORT", "TELEMETRY_ADMIN_PORT",
] as const;

interface Outcome {
  readonly ok: boolean;
  /** `ok`, or the client's error code and the status behind it. */
  readonly what: string;
  readonly at: number;
}

test("npm start on Redis Sentinel: the primary killed during searches → 503s while no primary is known, searches resume by themselves", { timeout: 240_000 }, async (t) => {
  const set = await startRedisSentinelSet({ replicas: 2 });
  const ports: Record<string, string> = {};
  for (const name of PORT_VARIABLES) ports[name] = String(await freePort());
  const devDir = mkdtempSync(join(tmpdir(), "redis-failover-"));
  const prefix = `failover-${randomBytes(4).toString("hex")}:`;
  const env = {
    ...process.env,
    ...ports,
    START_DEV_DIR: devDir,
    RELAY_RATE_LIMIT: "1000000000",
    ISSUER_QUOTA: "1000000",
    REDIS_URL: "",
    REDIS_SENTINELS: set.sentinelsEnv,
    REDIS_SENTINEL_NAME: set.name,
    REDIS_MIN_REPLICAS_ACK: "1",
    REDIS_PREFIX: prefix,
  };
  const child = spawn(process.execPath, [join(ROOT, "scripts/dist/start.js")], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  // The services' log lines, kept to show on a failure (the last 64 KiB).
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => (stdout = (stdout + d.toString()).slice(-65_536)));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  try {
    const deadline = Date.now() + 90_000;
    while (!stderr.includes("The stack is ready") && Date.now() < deadline && child.exitCode === null) await delay(100);
    assert.match(stderr, /The stack is ready \(Redis via Sentinel, master "oblivious", 3 sentinel\(s\), spends confirmed by 1 replica\(s\)\)/, stderr);

    // Every stateful service keeps its keys under its own prefix in the Sentinel-managed Redis.
    const attester = await createDevAttester(devDir);
    const client = createClient({
      relayUrl: `http://127.0.0.1:${ports["RELAY_PORT"]}`,
      issuerUrl: `http://127.0.0.1:${ports["ISSUER_PORT"]}`,
      credential: () => attester.mint(`failover-${randomBytes(8).toString("hex")}`, 300),
      batchSize: 4,
      lowWater: 1,
    });
    assert.ok((await client.searchStickers({ q: "cat", locale: "en", limit: 10 })).hits.some((h) => h.emoji === "🐱"));
    const keys = await redisCli(await set.primaryPort(), ["KEYS", `${prefix}*`]);
    for (const service of ["gateway", "issuer", "sticker-search"]) assert.ok(keys.some((k) => k.startsWith(`${prefix}${service}:`)), `${service} keys in ${keys.join()}`);

    const outcomes: Outcome[] = [];
    let stop = false;
    const search = async (): Promise<void> => {
      try {
        const r = await client.searchStickers({ q: "Hund", locale: "de", limit: 10 });
        assert.ok(r.hits.some((h) => h.emoji === "🐶"), "the search found the dog");
        outcomes.push({ ok: true, what: "ok", at: Date.now() });
      } catch (e) {
        if (!(e instanceof ClientError)) throw e;
        outcomes.push({ ok: false, what: `${e.code}:${e.status ?? "-"}`, at: Date.now() });
      }
    };
    const workers = Array.from({ length: 3 }, async () => {
      while (!stop) {
        await search();
        await delay(20);
      }
    });
    await delay(1500);
    const [primary] = set.nodes;
    assert.ok(primary !== undefined);
    const killedAt = Date.now();
    await primary.kill();
    const promoted = await set.waitForPromotion(primary.port);
    const promotedAt = Date.now();
    const recoverBy = Date.now() + 30_000;
    while (Date.now() < recoverBy) {
      await delay(250);
      const recent = outcomes.filter((o) => o.at > Date.now() - 3000);
      if (recent.length > 10 && recent.every((o) => o.ok)) break;
    }
    stop = true;
    await Promise.all(workers);

    assert.equal(child.exitCode, null, "no service exited: the stack would have stopped");
    const failed = outcomes.filter((o) => !o.ok);
    assert.ok(failed.length > 0, "the outage was seen");
    // What a search can meet while no primary is known: sticker-search's 503 (spent-token store),
    // the gateway's 503 (replay cache) as the relay passes it on, the issuer's 503 (quota store).
    const kinds = new Map<string, number>();
    for (const f of failed) kinds.set(f.what, (kinds.get(f.what) ?? 0) + 1);
    for (const what of kinds.keys()) assert.ok(/:503$/.test(what), `only 503s: ${[...kinds].join(" ")}`);
    const firstFail = Math.min(...failed.map((o) => o.at));
    const lastFail = Math.max(...failed.map((o) => o.at));
    const after = outcomes.filter((o) => o.at > lastFail);
    assert.ok(after.length > 10 && after.every((o) => o.ok), "searches resumed in the same processes");
    assert.ok(firstFail >= killedAt, "nothing failed before the kill");
    t.diagnostic(
      `stack failover: promoted ${promoted} ${promotedAt - killedAt} ms after the kill; failed searches from +${firstFail - killedAt} to +${lastFail - killedAt} ms ` +
        `(gap ${((lastFail - firstFail) / 1000).toFixed(1)} s); ${outcomes.length} searches, ${failed.length} failed (${[...kinds].map(([k, n]) => `${k} x${n}`).join(", ")}), ` +
        `${after.length} ok after the gap`,
    );
  } catch (error) {
    t.diagnostic(`npm start exit code: ${child.exitCode}; its stderr:\n${stderr}\nthe services' last log lines:\n${stdout.slice(-16_384)}`);
    throw error;
  } finally {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    await set.stop();
    rmSync(devDir, { recursive: true, force: true });
  }
});
