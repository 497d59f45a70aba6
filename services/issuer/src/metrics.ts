/**
 * The issuer's Prometheus metrics, on an injected registry. Every label value comes from a closed
 * set: outcomes from the error table, credential failures from attestation.ts, key states from
 * the key state machine. Nothing from a request (a device id, a credential, a key id a client
 * sent) ever becomes a label.
 */
import { Counter, Histogram, type Registry } from "prom-client";
import { closedCounter, keyStateGauge, type KeyState, logDroppedCounter, reloadCounter, scrapeGauge, type DropReason } from "@oblivious/service-kit";
import { CREDENTIAL_FAILURES, type CredentialFailure } from "./attestation.js";
import { OUTCOMES, type Outcome } from "./errors.js";
import type { ReloadResult } from "./key-file.js";
import type { KeySnapshot } from "./keys.js";

/** "arc": an ARC credential request (arc-issuance.ts). */
export const REQUEST_KINDS = ["single", "batch", "arc"] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export interface IssuerMetrics {
  /** Counts one token request (single or batched) by outcome. */
  outcome(o: Outcome): void;
  issued(n: number): void;
  /** Counts one ARC credential response. */
  arcIssued(): void;
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
  /** Every ARC key file's keys by state, summed (all zero without ISSUER_ARC_KEYS_FILES). */
  readonly arcKeys?: () => Readonly<Record<KeyState, number>>;
  readonly queueDepth: () => number;
  readonly quotaReady: () => boolean;
}

export function createIssuerMetrics(options: MetricsOptions): IssuerMetrics {
  const { registry } = options;
  const registers = [registry];
  const outcome = closedCounter(registry, {
    name: "issuer_token_requests_total",
    help: "Token requests (single or batched) by outcome: ok, or the code of the error table.",
    label: "outcome",
    values: OUTCOMES,
  });

  const issued = new Counter({ name: "issuer_tokens_issued_total", help: "Blind signatures returned to clients.", registers });
  const arcIssued = new Counter({ name: "issuer_arc_credentials_issued_total", help: "ARC credential responses returned to clients.", registers });
  const signing = new Histogram({
    name: "issuer_signing_duration_seconds",
    help: "Time to sign one request's blinded messages on the worker pool, queue wait included, or to make one ARC credential response, by request kind.",
    labelNames: ["kind"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  scrapeGauge(registry, { name: "issuer_signer_queue_depth", help: "Blinded messages waiting for a signing worker." }, options.queueDepth);
  keyStateGauge(registry, "issuer_keys", () => options.keys().counts);
  const noKeys: Record<KeyState, number> = { pending: 0, published: 0, current: 0, grace: 0, retired: 0 };
  keyStateGauge(registry, "issuer_arc_keys", () => options.arcKeys?.() ?? noKeys);
  scrapeGauge(registry, { name: "issuer_quota_store_ready", help: "1 when the quota store can answer (always, in memory; Redis connected, with REDIS_URL)." }, options.quotaReady);
  const crashes = new Counter({ name: "issuer_signer_restarts_total", help: "Signing workers that died and were replaced.", registers });

  return {
    outcome,
    issued: (n) => issued.inc(n),
    arcIssued: () => arcIssued.inc(),
    signingDuration: (kind, seconds) => signing.observe({ kind }, seconds),
    credentialRejected: closedCounter(registry, { name: "issuer_credential_rejections_total", help: "Device credentials refused, by reason.", label: "reason", values: CREDENTIAL_FAILURES }),
    keyReload: reloadCounter(registry, "issuer_key_reloads_total", "Key file"),
    jwksReload: reloadCounter(registry, "issuer_jwks_reloads_total", "JWKS file"),
    signerCrashed: () => crashes.inc(),
    logDropped: logDroppedCounter(registry, "issuer"),
  };
}
