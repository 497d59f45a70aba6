/**
 * The gate's metrics, on an injected registry. Every label value comes from a closed set declared
 * here; nothing from a request (a header, a token, a nonce, a key id) is ever a label.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** What became of one request at the gate, in the order the checks run (README.md). */
export const GATE_OUTCOMES = [
  "accepted",
  "missing",
  "malformed",
  "bad_type",
  "unknown_key",
  "bad_challenge",
  "bad_signature",
  "spent",
  "store_unavailable",
  "keys_unavailable",
  /** ARC verifications queued to their bound (arc-queue.ts): shed unverified. */
  "overloaded",
] as const;
export type GateOutcome = (typeof GATE_OUTCOMES)[number];

/** Why a fetch of the issuer directory gave no usable directory. */
export const DIRECTORY_FAILURES = ["timeout", "unreachable", "bad_status", "bad_media_type", "too_large", "malformed", "no_keys"] as const;
export type DirectoryFailure = (typeof DIRECTORY_FAILURES)[number];

export interface GateMetrics {
  request(outcome: GateOutcome): void;
  spend(seconds: number): void;
}

export function createGateMetrics(
  registry: Registry,
  gauges: { readonly liveKeys: () => number; readonly storeReady: () => boolean },
): GateMetrics {
  const registers = [registry];
  const requests = new Counter({
    name: "token_gate_requests_total",
    help: "Requests checked by the Privacy Pass token gate, by outcome.",
    labelNames: ["outcome"] as const,
    registers,
  });
  const spendDuration = new Histogram({
    name: "token_gate_spend_duration_seconds",
    help: "Time of one spend in the spent-token store (successful or not).",
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });
  new Gauge({
    name: "token_gate_live_keys",
    help: "Issuer token keys the gate currently accepts and challenges with.",
    registers,
    collect() {
      this.set(gauges.liveKeys());
    },
  });
  new Gauge({
    name: "token_gate_store_ready",
    help: "1 when the spent-token store is connected, else 0.",
    registers,
    collect() {
      this.set(gauges.storeReady() ? 1 : 0);
    },
  });
  // Every series exists from the start, so a rate() over a rare outcome is not empty.
  for (const outcome of GATE_OUTCOMES) requests.inc({ outcome }, 0);
  return {
    request: (outcome) => requests.inc({ outcome }),
    spend: (seconds) => spendDuration.observe(seconds),
  };
}

export interface DirectoryMetrics {
  fetch(outcome: "ok" | DirectoryFailure): void;
}

export function createDirectoryMetrics(registry: Registry): DirectoryMetrics {
  const fetches = new Counter({
    name: "token_gate_directory_fetches_total",
    help: "Fetches of the issuer directory, by outcome.",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  for (const outcome of ["ok", ...DIRECTORY_FAILURES]) fetches.inc({ outcome }, 0);
  return { fetch: (outcome) => fetches.inc({ outcome }) };
}
