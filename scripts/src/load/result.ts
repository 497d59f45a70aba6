/**
 * What a load run reports (RunResult) and how it is computed from the workers' records: served,
 * failed and shed requests, latencies overall, by kind and per second, and the generator's own
 * load, which says whether the numbers are partly the generator's. session.ts runs; this counts.
 */
import { SHED_PREFIX } from "./oblivious.js";
import { REQUEST_KINDS, type LoadShape, type Mix, type RequestKind, type Scenario } from "./plan.js";
import type { WorkerRun } from "./generator.js";
import { summarize, histogram, timeline, type Histogram, type LatencySummary, type Second } from "./stats.js";

export interface RunSpec {
  readonly shape: LoadShape;
  readonly durationMs: number;
  /** A run before the measured one, on the same shape, whose results are only checked for errors. */
  readonly warmupMs?: number;
  /** Concurrency mode: requests to provision tokens for (default 400 a second of the run). */
  readonly budget?: number;
  readonly label?: string;
}

export interface KindResult {
  readonly sent: number;
  readonly served: number;
  readonly latency: LatencySummary;
}

export interface GeneratorReport {
  readonly workers: readonly {
    readonly eventLoopUtilization: number;
    readonly prepareUsPerRequest: number;
    readonly verifyUsPerRequest: number;
    readonly preparedLate: number;
    readonly exhausted: boolean;
  }[];
  /** How late sends were against their due time, ms (rate mode; concurrency: always 0). */
  readonly lateness: LatencySummary;
  /** 1 − the busiest worker's event-loop utilization: how much more the generator could do. */
  readonly headroom: number;
  /** True when the generator, not the system, may have limited the run. */
  readonly limiting: boolean;
}

export interface PremintReport {
  readonly ms: number;
  readonly tokens: number;
  readonly blindedRequests: number;
}

export interface RunResult {
  readonly label: string;
  readonly scenario: Scenario;
  /** `relay`: the oblivious path; `direct`: plain HTTP to the origins. */
  readonly via: "relay" | "direct";
  readonly mix: Mix;
  readonly shape: LoadShape;
  readonly durationMs: number;
  readonly startedAt: string;
  /** From the start to the last answer (at least the duration), s. */
  readonly windowSeconds: number;
  readonly sent: number;
  /** Answers that decrypted and were right. */
  readonly served: number;
  /** Failures: neither served nor shed. */
  readonly errors: number;
  /** Every failure's outcome with its count: `relay 429`, `inner 401`, `wrong answer`, `timeout`... */
  readonly errorsByOutcome: Readonly<Record<string, number>>;
  /** Refused at once by a hop at its limit (503 with an overloaded problem): not served, not failed. */
  readonly shed: number;
  /** Shed requests by where the 503 was seen: `shed: relay 503` (relay or gateway), `shed: inner 503` (an origin). */
  readonly shedByOutcome: Readonly<Record<string, number>>;
  /** Served per second of the window. */
  readonly throughput: number;
  /** Of served requests, from due time (rate) or send time (concurrency) to the answer. */
  readonly latency: LatencySummary;
  readonly byKind: Readonly<Partial<Record<RequestKind, KindResult>>>;
  readonly timeline: readonly Second[];
  readonly histogram: Histogram;
  readonly generator: GeneratorReport;
  readonly premint: PremintReport;
  readonly warmup?: { readonly sent: number; readonly served: number; readonly errorsByOutcome: Readonly<Record<string, number>> };
}

/** Sent, served, failed and shed counts over the workers' records. */
export function mergeOutcomes(runs: readonly WorkerRun[]): { sent: number; served: number; errorsByOutcome: Record<string, number>; shed: number; shedByOutcome: Record<string, number> } {
  const errorsByOutcome: Record<string, number> = {};
  const shedByOutcome: Record<string, number> = {};
  let shed = 0;
  let sent = 0;
  let served = 0;
  for (const r of runs) {
    sent += r.outcome.length;
    for (const o of r.outcome) {
      if (o === 0) served++;
      else {
        const name = r.outcomes[o] ?? "unknown";
        const table = name.startsWith(SHED_PREFIX) ? shedByOutcome : errorsByOutcome;
        if (table === shedByOutcome) shed++;
        table[name] = (table[name] ?? 0) + 1;
      }
    }
  }
  return { sent, served, errorsByOutcome, shed, shedByOutcome };
}

function concat<T extends Float64Array | Uint8Array>(parts: readonly T[], make: (n: number) => T): T {
  const out = make(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A run's figures from its workers' records: served, failed and shed, latencies, the generator's own load. */
export function runResult(
  context: { readonly scenario: Scenario; readonly via: RunResult["via"]; readonly mix: Mix },
  spec: RunSpec,
  label: string,
  runs: readonly WorkerRun[],
  startedAt: number,
  premint: PremintReport,
): RunResult {
  const { sent, served, errorsByOutcome, shed, shedByOutcome } = mergeOutcomes(runs);
  const due = concat(runs.map((r) => r.due), (n) => new Float64Array(n));
  const latency = concat(runs.map((r) => r.latency), (n) => new Float64Array(n));
  const lateness = concat(runs.map((r) => r.lateness), (n) => new Float64Array(n));
  const kind = concat(runs.map((r) => r.kind), (n) => new Uint8Array(n));
  const ok = new Uint8Array(due.length);
  let at = 0;
  for (const r of runs) for (const o of r.outcome) ok[at++] = o === 0 ? 1 : 0;
  const servedLatency = latency.filter((_, i) => ok[i] === 1);
  let lastAnswer = 0;
  for (let i = 0; i < due.length; i++) lastAnswer = Math.max(lastAnswer, (due[i] ?? 0) + (latency[i] ?? 0));
  const exhausted = runs.some((r) => r.exhausted);
  // A run cut short by a worker out of tokens is measured over the time it actually ran.
  const windowMs = exhausted ? Math.max(1, lastAnswer) : Math.max(spec.durationMs, lastAnswer);
  const byKind: Partial<Record<RequestKind, KindResult>> = {};
  REQUEST_KINDS.forEach((k, index) => {
    const mine = latency.filter((_, i) => kind[i] === index);
    if (mine.length === 0) return;
    byKind[k] = { sent: mine.length, served: latency.filter((_, i) => kind[i] === index && ok[i] === 1).length, latency: summarize(latency.filter((_, i) => kind[i] === index && ok[i] === 1)) };
  });
  const workers = runs.map((r) => ({
    eventLoopUtilization: r.eventLoopUtilization,
    prepareUsPerRequest: r.outcome.length === 0 ? 0 : (r.prepareMs * 1000) / r.outcome.length,
    verifyUsPerRequest: r.outcome.length === 0 ? 0 : (r.verifyMs * 1000) / r.outcome.length,
    preparedLate: r.preparedLate,
    exhausted: r.exhausted,
  }));
  const busiest = Math.max(...workers.map((w) => w.eventLoopUtilization));
  const latenessSummary = summarize(spec.shape.mode === "rate" ? lateness : new Float64Array(0));
  return {
    label,
    scenario: context.scenario,
    via: context.via,
    mix: context.mix,
    shape: spec.shape,
    durationMs: spec.durationMs,
    startedAt: new Date(startedAt).toISOString(),
    windowSeconds: windowMs / 1000,
    sent,
    served,
    errors: sent - served - shed,
    errorsByOutcome,
    shed,
    shedByOutcome,
    throughput: served / (windowMs / 1000),
    latency: summarize(servedLatency),
    byKind,
    timeline: timeline(due, latency, (i) => ok[i] === 1),
    histogram: histogram(servedLatency),
    generator: {
      workers,
      lateness: latenessSummary,
      headroom: 1 - busiest,
      // A busy event loop or sends that slipped by more than a few ms mean the numbers are partly the generator's.
      limiting: busiest > 0.85 || (spec.shape.mode === "rate" && latenessSummary.p99Ms > 5) || exhausted,
    },
    premint,
  };
}
