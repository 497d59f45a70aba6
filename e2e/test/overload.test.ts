/**
 * Past saturation the stack sheds instead of queueing. The whole stack runs as processes (as
 * `npm start` runs it); a closed-loop run measures what it serves at most, then an open-loop run
 * offers several times that. Each hop admits at most its `*_MAX_IN_FLIGHT` requests and refuses
 * the rest at once (503, `Retry-After`, an `overloaded` problem), so what is served keeps a bounded
 * latency, the refusals are counted apart from failures, and nothing waits into a deadline.
 *
 * `OVERLOAD_LIMITS=off` runs the same measurement with every limit at 0 (no shedding), the
 * baseline of docs/decisions/0028-load-shedding.md; the assertions then do not apply.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, startStack } from "@oblivious/scripts/stack";
import { freePorts } from "@oblivious/test-kit";
import type * as Load from "../../scripts/src/load/index.js";

const load = (await import(pathToFileURL(join(ROOT, "scripts/dist/load/index.js")).href)) as typeof Load;

const PORT_VARIABLES = [
  "RELAY_PORT", "RELAY_ADMIN_PORT", "GATEWAY_PORT", "GATEWAY_ADMIN_PORT", "ISSUER_PORT", "ISSUER_ADMIN_PORT",
  "STICKER_SEARCH_PORT", "STICKER_SEARCH_ADMIN_PORT", "TELEMETRY_PORT", "TELEMETRY_ADMIN_PORT",
] as const;
const LIMITS = ["RELAY_MAX_IN_FLIGHT", "GATEWAY_MAX_IN_FLIGHT", "ISSUER_MAX_IN_FLIGHT", "STICKER_SEARCH_MAX_IN_FLIGHT"] as const;
const BASELINE = process.env["OVERLOAD_LIMITS"] === "off";
/** Offered load of the overload run, as a multiple of the measured capacity. */
const OVER = 1.5;
/**
 * The bound asserted on the served p99 past saturation: half the relay's 10 s deadline, into which
 * the unbounded baseline queues (6 to 14 s p99 here). Alone on this shared machine the limited
 * stack served 2.6 to 2.8 s p99; inside the full suite, with another test file running beside it,
 * up to 4.7 s (docs/decisions/0028-load-shedding.md).
 */
const SERVED_P99_BOUND_MS = 5000;
const QUOTA = 1_000_000;

test(`past saturation: served p99 under ${SERVED_P99_BOUND_MS} ms, the excess shed (503) and counted`, { timeout: 240_000 }, async () => {
  const ports = await freePorts(PORT_VARIABLES.length);
  const env: Record<string, string | undefined> = { ...process.env, RELAY_RATE_LIMIT: "1000000000", ISSUER_QUOTA: String(QUOTA) };
  PORT_VARIABLES.forEach((name, i) => (env[name] = String(ports[i])));
  if (BASELINE) for (const name of LIMITS) env[name] = "0";
  const devDir = mkdtempSync(join(tmpdir(), "e2e-overload-"));
  const stack = await startStack({ env, devDir, stdio: "ignore", readyTimeoutMs: 60_000 });
  const relay = stack.services.find((s) => s.name === "relay");
  assert.ok(relay !== undefined);
  let session: Load.LoadSession | undefined;
  try {
    session = await load.LoadSession.open({
      relayUrl: relay.url,
      scenario: "search",
      authorities: { search: "sticker-search.internal", telemetry: "telemetry.internal", issuer: "issuer.internal" },
      credentials: await load.devCredentials(devDir, QUOTA),
      workers: 2,
      // Enough connections that the clients, not their pool, decide how much is in flight.
      connections: 256,
      timeoutMs: 10_000,
    });
    // Capacity: what a closed loop of modest concurrency gets served.
    const capacity = await session.run({ shape: { mode: "concurrency", concurrency: 32 }, durationMs: 5000, warmupMs: 1000, label: "capacity" });
    const rate = Math.max(20, Math.round(capacity.throughput * OVER));
    const over = await session.run({ shape: { mode: "rate", rate }, durationMs: 10_000, warmupMs: 0, label: `overload ${rate}/s` });
    const scrape = async (url: string, metric: string): Promise<number> => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return text
        .split("\n")
        .filter((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `))
        .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
    };
    const shedMetrics: Record<string, number> = {};
    for (const [name, prefix] of [["relay", "relay"], ["gateway", "gateway"], ["sticker-search", "sticker_search"]] as const) {
      const spec = stack.services.find((s) => s.name === name);
      if (spec !== undefined) shedMetrics[name] = await scrape(spec.adminUrl, `${prefix}_shed_total`);
    }
    const summary =
      `${BASELINE ? "limits off" : "limits on"}: capacity ${capacity.throughput.toFixed(1)}/s (p99 ${capacity.latency.p99Ms.toFixed(1)} ms); ` +
      `offered ${rate}/s: sent ${over.sent}, served ${over.served} (${over.throughput.toFixed(1)}/s), shed ${over.shed}, failed ${over.errors}, ` +
      `served p50 ${over.latency.p50Ms.toFixed(1)} ms p99 ${over.latency.p99Ms.toFixed(1)} ms max ${over.latency.maxMs.toFixed(1)} ms ` +
      `(generator lateness p99 ${over.generator.lateness.p99Ms.toFixed(1)} ms); ` +
      `${JSON.stringify({ ...over.errorsByOutcome, ...over.shedByOutcome })}; shed metrics ${JSON.stringify(shedMetrics)}`;
    process.stdout.write(`# overload: ${summary}\n`);
    if (BASELINE) return;
    assert.ok(over.shed > 0, `the excess is shed: ${summary}`);
    assert.ok(Object.values(shedMetrics).reduce((a, b) => a + b, 0) > 0, `shed requests are counted: ${summary}`);
    assert.ok(over.served > 0, summary);
    assert.equal(over.errors, 0, `nothing waits into a deadline (no 504, no timeout): ${summary}`);
    assert.ok(over.latency.p99Ms < SERVED_P99_BOUND_MS, `served p99 is bounded: ${summary}`);
  } finally {
    await session?.close();
    await stack.stop();
    rmSync(devDir, { recursive: true, force: true });
  }
});
