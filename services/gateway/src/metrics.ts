/**
 * The gateway's Prometheus metrics, on an injected registry. Every label value comes from a
 * closed set: outcomes from the error tables, target names from the configuration, key states
 * from the key state machine. Nothing from a request ever becomes a label.
 */
import type { Registry } from "prom-client";
import { BoundHistogram, closedCounter, keyStateGauge, logDroppedCounter, reloadCounter, scrapeGauge, type DropReason, type Observe } from "@oblivious/service-kit";
import { OUTCOMES, type Outcome } from "./errors.js";
import type { ReloadResult } from "./key-file.js";
import type { KeySnapshot } from "./keys.js";

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
  const { registry } = options;
  const registers = [registry];
  const outcome = closedCounter(registry, {
    name: "gateway_requests_total",
    help: "Encapsulated requests by outcome (ok, or the code of the outer or inner error table).",
    label: "outcome",
    values: OUTCOMES,
  });

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

  keyStateGauge(registry, "gateway_keys", () => options.keys().counts);
  scrapeGauge(registry, { name: "gateway_replay_cache_ready", help: "1 when the replay cache can answer (always, in memory; Redis connected, with REDIS_URL)." }, options.replayReady);

  return {
    outcome,
    targetDuration: (target, result, seconds) => byTarget.get(target)?.get(result)?.(seconds),
    keyReload: reloadCounter(registry, "gateway_key_reloads_total", "Key file"),
    logDropped: logDroppedCounter(registry, "gateway"),
  };
}
