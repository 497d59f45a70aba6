/**
 * The gateway's Prometheus metrics, on an injected registry. Every label value comes from a
 * closed set: outcomes from the error tables, target names from the configuration, key states
 * from the key state machine. Nothing from a request ever becomes a label.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import { BoundHistogram, DropReason, type Observe } from "@oblivious/service-kit";
import { OUTCOMES, type Outcome } from "./errors.js";
import { RELOAD_RESULTS, type ReloadResult } from "./key-file.js";
import { KEY_STATES, type KeySnapshot } from "./keys.js";

export const TARGET_RESULTS = ["ok", "error", "timeout", "too_large", "invalid"] as const;
export type TargetResult = (typeof TARGET_RESULTS)[number];

export interface GatewayMetrics {
  /** Counts one request by outcome. */
  outcome(o: Outcome): void;
  targetDuration(target: string, result: TargetResult, seconds: number): void;
  keyReload(r: ReloadResult): void;
  logDropped(reason: DropReason): void;
}

export interface MetricsOptions {
  readonly registry: Registry;
  readonly targetNames: readonly string[];
  /** Read at scrape time. */
  readonly keys: () => KeySnapshot;
  readonly replayReady: () => boolean;
}

export function createGatewayMetrics(options: MetricsOptions): GatewayMetrics {
  const registers = [options.registry];
  const requests = new Counter({
    name: "gateway_requests_total",
    help: "Encapsulated requests by outcome (ok, or the code of the outer or inner error table).",
    labelNames: ["outcome"] as const,
    registers,
  });
  // Children looked up once: the hot path does no label hashing.
  const byOutcome = new Map(OUTCOMES.map((o) => [o as string, requests.labels(o)]));
  for (const child of byOutcome.values()) child.inc(0);

  // Observed on every forward: bound once per (target, result), as service-kit's http observer does.
  const targetSeconds = new BoundHistogram({
    name: "gateway_target_duration_seconds",
    help: "Time for a target to answer a forwarded request, by configured target origin and result.",
    labelNames: ["target", "result"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const byTarget = new Map<string, ReadonlyMap<string, Observe>>(
    options.targetNames.map((target) => [target, new Map(TARGET_RESULTS.map((result) => [result, targetSeconds.bind({ target, result })]))]),
  );

  new Gauge({
    name: "gateway_keys",
    help: "Keys in the key file by state (pending, published, current, grace, retired).",
    labelNames: ["state"] as const,
    registers,
    collect() {
      const counts = options.keys().counts;
      for (const state of KEY_STATES) this.set({ state }, counts[state]);
    },
  });
  new Gauge({
    name: "gateway_replay_cache_ready",
    help: "1 when the replay cache can answer (always, in memory; Redis connected, with REDIS_URL).",
    registers,
    collect() {
      this.set(options.replayReady() ? 1 : 0);
    },
  });
  const reloads = new Counter({
    name: "gateway_key_reloads_total",
    help: "Key file checks by result.",
    labelNames: ["result"] as const,
    registers,
  });
  for (const result of RELOAD_RESULTS) reloads.inc({ result }, 0);
  const dropped = new Counter({
    name: "gateway_log_dropped_total",
    help: "Log fields or events dropped because they were not declared or not valid, and lines dropped because stdout's backlog was full.",
    labelNames: ["reason"] as const,
    registers,
  });
  for (const reason of Object.values(DropReason)) dropped.inc({ reason }, 0);

  return {
    outcome: (o) => byOutcome.get(o)?.inc(),
    targetDuration: (target, result, seconds) => byTarget.get(target)?.get(result)?.(seconds),
    keyReload: (result) => reloads.inc({ result }),
    logDropped: (reason) => dropped.inc({ reason }),
  };
}
