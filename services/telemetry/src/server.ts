/**
 * Builds the telemetry service's real dependencies from a TelemetryConfig and runs it: the issuer
 * directory as the token key source, the spent-token store (Redis with REDIS_URL, else memory),
 * the token gate, a prom-client registry and the logger; the public listener, the admin listener
 * with /metrics, /healthz and /readyz (ready: live token keys and a reachable store), and a
 * graceful drain on stop (listeners first, then the directory refresh and Redis).
 */
import { createServer } from "node:http";
import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import { createHttpObserver, createLogger, createRedis, redisOptions, type LoggerOptions, type RunningService, serviceRegistry, startListeners } from "@oblivious/service-kit";
import { arcGateOption, createTokenGate, DirectoryKeySource, MemorySpentTokenStore, RedisSpentTokenStore, type TokenGate } from "@oblivious/token-gate";
import { createTelemetryApp } from "./app.js";
import type { TelemetryConfig } from "./config.js";
import { TELEMETRY_ROUTES, telemetryEvents, type TelemetryEvents, type TelemetryLogger } from "./events.js";
import { createTelemetryMetrics } from "./metrics.js";

/** Where log lines go (a pino destination stream); stdout by default. */
export type LogDestination = NonNullable<LoggerOptions<TelemetryEvents>["destination"]>;

export interface StartTelemetryOptions {
  readonly logDestination?: LogDestination;
  /** Lowest level written; `info` by default (`debug` adds one line per batch and per token check). */
  readonly logLevel?: NonNullable<LoggerOptions<TelemetryEvents>["level"]>;
  /** The registry for /metrics; a new one (with process metrics) by default. */
  readonly registry?: Registry;
  /** Stop on SIGTERM/SIGINT and exit (the process entry does; tests do not). */
  readonly handleSignals?: boolean;
}

export interface RunningTelemetry extends RunningService {
  readonly registry: Registry;
  readonly log: TelemetryLogger;
  readonly gate: TokenGate;
}

function waitFor(ready: () => boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const deadline = Date.now() + timeoutMs;
    const poll = (): void => {
      if (ready() || Date.now() >= deadline) resolve();
      else setTimeout(poll, 25);
    };
    poll();
  });
}

export async function startTelemetry(config: TelemetryConfig, options: StartTelemetryOptions = {}): Promise<RunningTelemetry> {
  const registry = serviceRegistry(options.registry);
  const metrics = createTelemetryMetrics(registry);
  const log: TelemetryLogger = createLogger({
    service: "telemetry",
    events: telemetryEvents,
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
    ...(options.logLevel === undefined ? {} : { level: options.logLevel }),
    onDrop: (reason) => metrics.logDropped(reason),
  });
  const gc = config.tokenGate;
  const keys = new DirectoryKeySource({ url: gc.directoryUrl, refreshMs: gc.directoryRefreshMs, maxStaleMs: gc.directoryMaxStaleMs, log, registry });
  let redis: Redis | undefined;
  if (config.redis !== undefined) redis = createRedis(redisOptions(config.redis));
  const store =
    redis === undefined || config.redis === undefined
      ? new MemorySpentTokenStore({ maxEntries: gc.spentMaxEntries })
      : new RedisSpentTokenStore(redis, { minReplicasAck: config.redis.minReplicasAck, replicaAckTimeoutMs: config.redis.replicaAckTimeoutMs });
  const gate = createTokenGate({
    issuerName: gc.issuerName,
    originInfo: gc.originInfo,
    keys,
    store,
    maxAgeSeconds: gc.challengeMaxAgeS,
    spendTtlMs: gc.spendTtlMs,
    registry,
    log,
    ...arcGateOption(gc, store),
  });
  const app = createTelemetryApp({
    gate,
    metrics,
    observer: createHttpObserver({ routes: TELEMETRY_ROUTES, registry, log }),
    log,
    maxBatch: config.maxBatch,
    maxBodyBytes: config.maxBodyBytes,
  });
  const server = createServer(app);
  // A client that trickles its headers or body does not hold a connection for Node's 300 s default.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  const closeDependencies = async (): Promise<void> => {
    keys.stop();
    redis?.disconnect();
  };
  // Without the directory (issuer not up yet) the service still starts: it answers 503 and is
  // not ready until a refresh succeeds.
  await keys.start();
  if (redis !== undefined) await waitFor(() => store.ready(), 2000);
  const service = await startListeners(config, {
    server,
    registry,
    log,
    isReady: () => gate.ready(),
    closeDependencies,
    handleSignals: options.handleSignals,
  });
  return { ...service, registry, log, gate };
}
