/**
 * A rolling restart under load drops nothing. Two replicas each of the relay, the gateway,
 * sticker-search and the issuer run behind HAProxy, which health-checks their `/readyz`. While the
 * load tool sends searches and token issuances through the whole path at a fixed modest rate,
 * each replica in turn gets SIGTERM, exits, and is started again; the next one goes only once
 * HAProxy sees the new process up. On SIGTERM a replica turns not ready, keeps serving for its
 * grace (longer than HAProxy needs to mark it down), then drains; so every request is served.
 *
 * Needs HAProxy (`apt-get install -y haproxy`; CI installs it) and the test Redis: it fails,
 * never skips, when either is missing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "@oblivious/scripts/stack";
import type * as Load from "../../scripts/src/load/index.js";
import { CHECK, REPLICATED, ReplicaStack, requireHaproxy } from "./replica-stack.js";

const load = (await import(pathToFileURL(join(ROOT, "scripts/dist/load/index.js")).href)) as typeof Load;

const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
/** Longer than HAProxy takes to mark a replica down: `fall` failed checks `inter` apart, and one check's timeout. */
const GRACE_MS = 3000;
/**
 * `ROLLING_RESTART_GRACE=0ms` runs the same restarts with no grace (main's behaviour), the
 * baseline of docs/decisions/0029-graceful-restart.md; the test is then expected to fail.
 */
const GRACE = process.env["ROLLING_RESTART_GRACE"] ?? `${GRACE_MS}ms`;
const RATE = 20;
const RUN_MS = 75_000;
const QUOTA = 1_000_000;

test("rolling restart of every replica under load: 0 failed requests", { timeout: 240_000 }, async () => {
  requireHaproxy();
  if (process.env["ROLLING_RESTART_GRACE"] === undefined) assert.ok(GRACE_MS > CHECK.fall * CHECK.interMs + CHECK.timeoutMs, "the grace covers HAProxy's detection");
  const devDir = mkdtempSync(join(tmpdir(), "e2e-rolling-"));
  const grace = GRACE;
  const stack = await ReplicaStack.start({
    devDir,
    redisUrl: REDIS_URL,
    env: {
      RELAY_SHUTDOWN_GRACE: grace,
      GATEWAY_SHUTDOWN_GRACE: grace,
      ISSUER_SHUTDOWN_GRACE: grace,
      STICKER_SEARCH_SHUTDOWN_GRACE: grace,
      // Shedding is the overload test's subject: here its latency target sits above what this
      // shared 2-core machine takes at a modest rate, so that any request not served is a drop.
      RELAY_SHED_TARGET: "5s",
      GATEWAY_SHED_TARGET: "5s",
      ISSUER_SHED_TARGET: "5s",
      STICKER_SEARCH_SHED_TARGET: "5s",
      RELAY_RATE_LIMIT: "1000000000",
      ISSUER_QUOTA: String(QUOTA),
      ISSUER_SIGNERS: "1",
    },
  });
  let session: Load.LoadSession | undefined;
  try {
    let running: () => void = () => undefined;
    const runStarted = new Promise<void>((r) => (running = r));
    session = await load.LoadSession.open({
      relayUrl: stack.relayUrl,
      scenario: "mix",
      mix: { search: 8, telemetry: 0, issuance: 2 },
      authorities: { search: "sticker-search.internal", telemetry: "telemetry.internal", issuer: "issuer.internal" },
      credentials: await load.devCredentials(devDir, QUOTA),
      workers: 1,
      connections: 16,
      mintBatch: 50,
      issuanceBatch: 2,
      onProgress: (p) => {
        if (p.phase === "run") running();
      },
    });
    const run = session.run({ shape: { mode: "rate", rate: RATE }, durationMs: RUN_MS, label: "rolling restart" });
    await runStarted;
    const runStart = Date.now();
    const restarts: string[] = [];
    // Each service's replicas in turn (the second only once HAProxy sees the first back up); the
    // four services at once, as a cluster-wide rollout would.
    // A failed restart is reported after the run has ended, with its numbers.
    let failedRestart: unknown;
    try {
      for (const index of [0, 1]) {
        await Promise.all(
          REPLICATED.map(async (name) => {
            const { exitMs, code } = await stack.restart(name, index);
            assert.equal(code, 0, `${name}-${index} exits 0 after its drain`);
            if (grace === `${GRACE_MS}ms`) assert.ok(exitMs >= GRACE_MS, `${name}-${index} served through its grace before exiting (${exitMs} ms)`);
            restarts.push(`${name}-${index} ${exitMs} ms`);
          }),
        );
      }
    } catch (e) {
      failedRestart = e;
    }
    const restartsMs = Date.now() - runStart;
    const r = await run;
    if (failedRestart !== undefined) throw failedRestart;
    const summary = `sent ${r.sent}, served ${r.served}, failed ${r.errors}, shed ${r.shed}; restarts took ${restartsMs} ms of the ${RUN_MS} ms run (${restarts.join(", ")}); p99 ${r.latency.p99Ms.toFixed(1)} ms; ${JSON.stringify({ ...r.errorsByOutcome, ...r.shedByOutcome })}`;
    process.stdout.write(`# rolling restart: ${summary}\n# haproxy: ${await stack.errorSummary()}\n`);
    assert.ok(restartsMs < RUN_MS, `every restart happened under load: ${summary}`);
    assert.equal(r.sent, Math.round((RATE * RUN_MS) / 1000), summary);
    assert.ok((r.byKind.search?.served ?? 0) > 0 && (r.byKind.issuance?.served ?? 0) > 0, summary);
    assert.equal(r.errors, 0, summary);
    assert.equal(r.shed, 0, summary);
    assert.equal(r.served, r.sent, summary);
  } finally {
    await session?.close();
    await stack.stop();
    rmSync(devDir, { recursive: true, force: true });
  }
});
