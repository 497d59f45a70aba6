/**
 * The issuer's Prometheus metrics, on an injected registry. Every label value comes from a closed
 * set: outcomes from the error table, credential failures from attestation.ts, key states from
 * the key state machine. Nothing from a request (a device id, a credential, a key id a client
 * sent) ever becomes a label.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { DropReason } from "@oblivious/service-kit";
import { CREDENTIAL_FAILURES, type CredentialFailure } from "./attestation.js";
import { OUTCOMES, type Outcome } from "./errors.js";
import { RELOAD_RESULTS, type ReloadResult } from "./key-file.js";
import { KEY_STATES, type KeySnapshot } from "./keys.js";

export const REQUEST_KINDS = ["single", "batch"] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export interface IssuerMetrics {
  /** Counts one token request (single or batched) by outcome. */
  outcome(o: Outcome): void;
  issued(n: number): void;
  signingDuration(kind: RequestKind, seconds: number): void;
  credentialRejected(reason: CredentialFailure): void;
  keyReload(r: ReloadResult): void;
  jwksReload(r: ReloadResult): void;
  signerCrashed(): void;
  logDropped(reason: DropReason): void;
}

export interface MetricsOptions {
  readonly registry: Registry;
  /** Read at scrape time. */
  readonly keys: () => KeySnapshot;
  readonly queueDepth: () => number;
  readonly quotaReady: () => boolean;
}

export function createIssuerMetrics(options: MetricsOptions): IssuerMetrics {
  const registers = [options.registry];
  const requests = new Counter({
    name: "issuer_token_requests_total",
    help: "Token requests (single or batched) by outcome: ok, or the code of the error table.",
    labelNames: ["outcome"] as const,
    registers,
  });
  // Children looked up once: the hot path does no label hashing.
  const byOutcome = new Map(OUTCOMES.map((o) => [o as string, requests.labels(o)]));
  for (const child of byOutcome.values()) child.inc(0);

  const issued = new Counter({ name: "issuer_tokens_issued_total", help: "Blind signatures returned to clients.", registers });
  const signing = new Histogram({
    name: "issuer_signing_duration_seconds",
    help: "Time to sign one request's blinded messages on the worker pool, queue wait included, by request kind.",
    labelNames: ["kind"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  new Gauge({
    name: "issuer_signer_queue_depth",
    help: "Blinded messages waiting for a signing worker.",
    registers,
    collect() {
      this.set(options.queueDepth());
    },
  });
  const credentials = new Counter({
    name: "issuer_credential_rejections_total",
    help: "Device credentials refused, by reason.",
    labelNames: ["reason"] as const,
    registers,
  });
  for (const reason of CREDENTIAL_FAILURES) credentials.inc({ reason }, 0);
  new Gauge({
    name: "issuer_keys",
    help: "Keys in the key file by state (upcoming, current, superseded, retired).",
    labelNames: ["state"] as const,
    registers,
    collect() {
      const counts = options.keys().counts;
      for (const state of KEY_STATES) this.set({ state }, counts[state]);
    },
  });
  new Gauge({
    name: "issuer_quota_store_ready",
    help: "1 when the quota store can answer (always, in memory; Redis connected, with REDIS_URL).",
    registers,
    collect() {
      this.set(options.quotaReady() ? 1 : 0);
    },
  });
  const keyReloads = new Counter({ name: "issuer_key_reloads_total", help: "Key file checks by result.", labelNames: ["result"] as const, registers });
  const jwksReloads = new Counter({ name: "issuer_jwks_reloads_total", help: "JWKS file checks by result.", labelNames: ["result"] as const, registers });
  for (const result of RELOAD_RESULTS) {
    keyReloads.inc({ result }, 0);
    jwksReloads.inc({ result }, 0);
  }
  const crashes = new Counter({ name: "issuer_signer_restarts_total", help: "Signing workers that died and were replaced.", registers });
  const dropped = new Counter({
    name: "issuer_log_dropped_total",
    help: "Log fields or events dropped because they were not declared or not valid, and lines dropped because stdout's backlog was full.",
    labelNames: ["reason"] as const,
    registers,
  });
  for (const reason of Object.values(DropReason)) dropped.inc({ reason }, 0);

  return {
    outcome: (o) => byOutcome.get(o)?.inc(),
    issued: (n) => issued.inc(n),
    signingDuration: (kind, seconds) => signing.observe({ kind }, seconds),
    credentialRejected: (reason) => credentials.inc({ reason }),
    keyReload: (result) => keyReloads.inc({ result }),
    jwksReload: (result) => jwksReloads.inc({ result }),
    signerCrashed: () => crashes.inc(),
    logDropped: (reason) => dropped.inc({ reason }),
  };
}
