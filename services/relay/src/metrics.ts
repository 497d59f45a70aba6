/**
 * The relay's metrics, on an injected registry. Every label value comes from a closed set
 * declared here; nothing taken from a request (address, header, path, size) is ever a label.
 */
import { closedCounter, logDroppedCounter, scrapeGauge, type DropReason } from "@oblivious/service-kit";
import { Counter, Histogram, type Registry } from "prom-client";

/** What became of one `POST /relay`. */
export const RELAY_OUTCOMES = [
  "forwarded",
  "gateway_error",
  "gateway_invalid",
  "gateway_timeout",
  "gateway_unreachable",
  "rate_limited",
  "too_large",
  "bad_method",
  "bad_media_type",
  "client_timeout",
  "client_aborted",
] as const;
export type RelayOutcome = (typeof RELAY_OUTCOMES)[number];

/** The outcomes that involved an exchange with the gateway. */
export const FORWARD_OUTCOMES = ["forwarded", "gateway_error", "gateway_invalid", "gateway_timeout", "gateway_unreachable"] as const;
export type ForwardOutcome = (typeof FORWARD_OUTCOMES)[number];

/** What became of one `GET /ohttp-keys`. */
export const KEY_RESULTS = ["hit", "miss", "stale", "unavailable", "rate_limited", "bad_method"] as const;
export type KeyResult = (typeof KEY_RESULTS)[number];

/** Typed recorders: a label value outside its closed set does not compile. */
export interface RelayMetrics {
  request(outcome: RelayOutcome): void;
  forward(outcome: ForwardOutcome, seconds: number): void;
  keyRequest(result: KeyResult): void;
  keyFetch(outcome: "ok" | "error"): void;
  rateLimitEviction(): void;
  logDropped(reason: DropReason): void;
}

export function createRelayMetrics(registry: Registry, rateLimitEntries: () => number): RelayMetrics {
  const registers = [registry];
  const forwardDuration = new Histogram({
    name: "relay_forward_duration_seconds",
    help: "Time of one exchange with the gateway, by outcome.",
    labelNames: ["outcome"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const evictions = new Counter({
    name: "relay_rate_limit_evictions_total",
    help: "Entries evicted from a full rate-limit table (see RELAY_RATE_TABLE_SIZE).",
    registers,
  });
  scrapeGauge(registry, { name: "relay_rate_limit_entries", help: "Client entries (keyed hashes) in the current rate-limit window." }, rateLimitEntries);
  // Every series exists from the start, so a rate() over a rare outcome is not empty.
  return {
    request: closedCounter(registry, { name: "relay_requests_total", help: "POST /relay requests by outcome.", label: "outcome", values: RELAY_OUTCOMES }),
    forward: (outcome, seconds) => forwardDuration.observe({ outcome }, seconds),
    keyRequest: closedCounter(registry, { name: "relay_key_config_requests_total", help: "GET /ohttp-keys requests by cache result.", label: "result", values: KEY_RESULTS }),
    keyFetch: closedCounter(registry, { name: "relay_key_config_fetches_total", help: "Fetches of the key configuration from the gateway, by outcome.", label: "outcome", values: ["ok", "error"] }),
    rateLimitEviction: () => evictions.inc(),
    logDropped: logDroppedCounter(registry, "relay"),
  };
}
