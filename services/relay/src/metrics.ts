/**
 * The relay's metrics, on an injected registry. Every label value comes from a closed set
 * declared here; nothing taken from a request (address, header, path, size) is ever a label.
 */
import { DropReason } from "@oblivious/service-kit";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

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
  const requests = new Counter({
    name: "relay_requests_total",
    help: "POST /relay requests by outcome.",
    labelNames: ["outcome"] as const,
    registers,
  });
  const forwardDuration = new Histogram({
    name: "relay_forward_duration_seconds",
    help: "Time of one exchange with the gateway, by outcome.",
    labelNames: ["outcome"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const keyRequests = new Counter({
    name: "relay_key_config_requests_total",
    help: "GET /ohttp-keys requests by cache result.",
    labelNames: ["result"] as const,
    registers,
  });
  const keyFetches = new Counter({
    name: "relay_key_config_fetches_total",
    help: "Fetches of the key configuration from the gateway, by outcome.",
    labelNames: ["outcome"] as const,
    registers,
  });
  const evictions = new Counter({
    name: "relay_rate_limit_evictions_total",
    help: "Entries evicted from a full rate-limit table (see RELAY_RATE_TABLE_SIZE).",
    registers,
  });
  const dropped = new Counter({
    name: "relay_log_dropped_total",
    help: "Log events or fields dropped because they were undeclared or out of range, and lines dropped because stdout's backlog was full.",
    labelNames: ["reason"] as const,
    registers,
  });
  new Gauge({
    name: "relay_rate_limit_entries",
    help: "Client entries (keyed hashes) in the current rate-limit window.",
    registers,
    collect() {
      this.set(rateLimitEntries());
    },
  });
  // Every series exists from the start, so a rate() over a rare outcome is not empty.
  for (const outcome of RELAY_OUTCOMES) requests.inc({ outcome }, 0);
  for (const result of KEY_RESULTS) keyRequests.inc({ result }, 0);
  for (const outcome of ["ok", "error"]) keyFetches.inc({ outcome }, 0);
  for (const reason of Object.values(DropReason)) dropped.inc({ reason }, 0);
  return {
    request: (outcome) => requests.inc({ outcome }),
    forward: (outcome, seconds) => forwardDuration.observe({ outcome }, seconds),
    keyRequest: (result) => keyRequests.inc({ result }),
    keyFetch: (outcome) => keyFetches.inc({ outcome }),
    rateLimitEviction: () => evictions.inc(),
    logDropped: (reason) => dropped.inc({ reason }),
  };
}
