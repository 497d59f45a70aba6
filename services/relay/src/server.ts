/**
 * Builds the relay's real dependencies from a RelayConfig and runs it: the public listener
 * (service-kit's node:net front for `POST /relay`, the node:http listener of app.ts for
 * everything else), the admin listener with /metrics, /healthz and /readyz, and a graceful drain
 * on stop (in-flight forwards finish, then the gateway connections close).
 */
import type { Registry } from "prom-client";
import { Shedder, createHttpObserver, createLogger, type LoggerOptions, type RunningService, serviceRegistry, startListeners } from "@oblivious/service-kit";
import { Http1Front } from "@oblivious/http1";
import { FORWARDED_FOR, RELAY_PATH, createRelay } from "./app.js";
import type { RelayConfig } from "./config.js";
import { RELAY_ROUTES, relayEvents, type RelayEvents, type RelayLogger } from "./events.js";
import { TrustedProxies } from "./client-address.js";
import { createGatewayClient } from "./forward.js";
import { KeyCache } from "./key-cache.js";
import { createRelayMetrics } from "./metrics.js";
import { RateLimiter } from "./rate-limit.js";

/** Where log lines go (a pino destination stream); stdout by default. */
export type LogDestination = NonNullable<LoggerOptions<RelayEvents>["destination"]>;

export interface StartRelayOptions {
  readonly logDestination?: LogDestination;
  /** The registry for /metrics; a new one (with process metrics) by default. */
  readonly registry?: Registry;
  /** Stop on SIGTERM/SIGINT and exit (the process entry does; tests do not). */
  readonly handleSignals?: boolean;
}

export interface RunningRelay extends RunningService {
  readonly registry: Registry;
  readonly log: RelayLogger;
}

export async function startRelay(config: RelayConfig, options: StartRelayOptions = {}): Promise<RunningRelay> {
  const registry = serviceRegistry(options.registry);
  const log: RelayLogger = createLogger({
    service: "relay",
    events: relayEvents,
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
    onDrop: (reason) => metrics.logDropped(reason),
  });
  const metrics = createRelayMetrics(registry, () => limiter.size);
  const limiter = new RateLimiter({
    ...config.rateLimit,
    onEvict: () => metrics.rateLimitEviction(),
    onFull: () => log.event("rate_limit.table_full", { tableSize: config.rateLimit.tableSize }),
  });
  const gateway = createGatewayClient(config);
  const proxies = new TrustedProxies(config.trustProxy, config.trustedProxies);
  const keyCache = new KeyCache({
    fetch: () => gateway.fetchKeys(),
    ttlMs: config.keysTtlMs,
    onFetch: (outcome) => {
      metrics.keyFetch(outcome.ok ? "ok" : "error");
      if (outcome.ok) log.event("keys.refreshed", { ttlS: Math.round(outcome.ttlMs / 1000), bytes: outcome.bytes });
      else log.event("keys.fetch_failed", { reason: outcome.reason, stale: outcome.stale });
    },
  });
  const relay = createRelay({
    gateway,
    keyCache,
    limiter,
    metrics,
    observer: createHttpObserver({ routes: RELAY_ROUTES, registry, log }),
    log,
    maxBodyBytes: config.maxBodyBytes,
    bodyTimeoutMs: config.timeoutMs,
    proxies,
  });
  // A slow body gets the relay's problem after `timeoutMs` (on the front through `bodyTimedOut`,
  // on node:http in app.ts); the request limits (a bare 408) are a backstop just behind it, and
  // also end the draining of a refused body.
  const requestTimeoutMs = config.timeoutMs + 2000;
  // Forwards beyond the limit are refused at once (503), not queued (docs/decisions/0028-load-shedding.md).
  const shed = new Shedder({ limit: config.maxInFlight, targetMs: config.shedTargetMs, registry, metricPrefix: "relay", routes: ["relay"] as const });
  const server = new Http1Front({
    paths: [RELAY_PATH],
    maxBodyBytes: config.maxBodyBytes,
    // The client's X-Forwarded-For is read only when a trusted proxy wrote part of it.
    fields: proxies.none ? [] : [FORWARDED_FOR],
    handle: (request) => shed.run("relay", () => relay.relay(request)),
    record: (_path, status, ms) => relay.record(status, ms),
    timedOut: relay.bodyTimedOut,
    aborted: relay.bodyAborted,
    // The same requests in a shape the front hands over (chunked, unusual) are counted alike.
    fallback: shed.listener((req) => (req.method === "POST" && req.url?.split("?")[0] === RELAY_PATH ? "relay" : undefined), relay.listener),
    headersTimeoutMs: Math.min(60_000, requestTimeoutMs),
    requestTimeoutMs,
    bodyTimeoutMs: config.timeoutMs,
  });
  const closeDependencies = async (): Promise<void> => {
    limiter.close();
    gateway.close();
  };
  limiter.startRotation();
  const service = await startListeners(config, {
    server,
    registry,
    log,
    closeDependencies,
    handleSignals: options.handleSignals,
  });
  return { ...service, registry, log };
}
