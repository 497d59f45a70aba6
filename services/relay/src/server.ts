/**
 * Builds the relay's real dependencies from a RelayConfig and runs it: the public listener
 * (bare node:http, see app.ts), the admin listener with /metrics, /healthz and /readyz, and a
 * graceful drain on stop (in-flight forwards finish, then the gateway connections close).
 */
import { createServer } from "node:http";
import { collectDefaultMetrics, Registry } from "prom-client";
import { createHttpObserver, createLogger, runService, type LoggerOptions, type RunningService } from "@oblivious/service-kit";
import { createRelayApp } from "./app.js";
import type { RelayConfig } from "./config.js";
import { RELAY_ROUTES, relayEvents, type RelayEvents, type RelayLogger } from "./events.js";
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
  let registry = options.registry;
  if (registry === undefined) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
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
  const keyCache = new KeyCache({
    fetch: () => gateway.fetchKeys(),
    ttlMs: config.keysTtlMs,
    onFetch: (outcome) => {
      metrics.keyFetch(outcome.ok ? "ok" : "error");
      if (outcome.ok) log.event("keys.refreshed", { ttlS: Math.round(outcome.ttlMs / 1000), bytes: outcome.bytes });
      else log.event("keys.fetch_failed", { reason: outcome.reason, stale: outcome.stale });
    },
  });
  const app = createRelayApp({
    gateway,
    keyCache,
    limiter,
    metrics,
    observer: createHttpObserver({ routes: RELAY_ROUTES, registry, log }),
    log,
    maxBodyBytes: config.maxBodyBytes,
    bodyTimeoutMs: config.timeoutMs,
    trustProxy: config.trustProxy,
  });
  // app.ts answers a slow body with a problem after `timeoutMs`; node's own limits (a bare 408)
  // are a backstop just behind it, and also end the draining of a refused body.
  const requestTimeout = config.timeoutMs + 2000;
  const server = createServer(
    { requestTimeout, headersTimeout: Math.min(60_000, requestTimeout), connectionsCheckingInterval: 1000 },
    app,
  );
  const closeDependencies = async (): Promise<void> => {
    limiter.close();
    gateway.close();
  };
  limiter.startRotation();
  try {
    const service = await runService({
      public: { server, host: config.host, port: config.port },
      admin: { host: config.adminHost, port: config.adminPort, registry },
      log,
      drainTimeoutMs: config.drainTimeoutMs,
      onClosed: closeDependencies,
      ...(options.handleSignals === undefined ? {} : { handleSignals: options.handleSignals }),
    });
    return { ...service, registry, log };
  } catch (error) {
    server.close();
    await closeDependencies();
    throw error;
  }
}
