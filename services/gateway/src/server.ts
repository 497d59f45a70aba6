/**
 * Starting the gateway: the one place that builds real dependencies (keys from their source, the
 * replay cache in memory or Redis, a keep-alive pool per target, a prom-client registry, the
 * logger), listens on the public and admin ports, and drains on stop.
 */
import { Registry, collectDefaultMetrics } from "prom-client";
import { Shedder, createLogger, createRedis, redisOptions, waitFor, type EventCatalog, type LoggerOptions, type RunningService, startListeners } from "@oblivious/service-kit";
import { Http1Front } from "@oblivious/http1";
import { GATEWAY_PATH, WELL_KNOWN_PATH, createGateway } from "./app.js";
import type { GatewayConfig } from "./config.js";
import { gatewayEvents, type GatewayLogger } from "./events.js";
import { Forwarder } from "./forward.js";
import { ReloadResult, loadKeys, watchKeys } from "./key-file.js";
import { KeyStore, type KeySnapshot } from "./keys.js";
import { createGatewayMetrics } from "./metrics.js";
import { MemoryReplayCache, RedisReplayCache, type ReplayCache } from "./replay.js";
import { TargetTable } from "./targets.js";

export interface StartOptions {
  /** Where log lines go (stdout by default); tests capture them. */
  readonly logDestination?: NonNullable<LoggerOptions<EventCatalog>["destination"]>;
  /** The metrics registry (a fresh one by default). */
  readonly registry?: Registry;
  /** Install SIGTERM/SIGINT handlers that drain and exit (the process entry does). */
  readonly handleSignals?: boolean;
  /** The clock, in ms since the epoch: key states, the Date check and the memory replay cache. */
  readonly now?: () => number;
}

export interface RunningGateway extends RunningService {
  readonly registry: Registry;
  readonly keys: KeyStore;
  /** Checks the key file now instead of at the next interval (GATEWAY_KEYS_FILE only). */
  readonly reloadKeys: () => Promise<ReloadResult>;
}

function logSnapshot(log: GatewayLogger, s: KeySnapshot): void {
  log.event("keys.changed", {
    listed: s.listed.length,
    accepted: s.counts.current + s.counts.published + s.counts.grace,
    ...(s.currentKeyId === undefined ? {} : { current: s.currentKeyId }),
  });
}

export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<RunningGateway> {
  const now = options.now ?? Date.now;
  const registry = options.registry ?? new Registry();
  const targetNames = config.targets.map((t) => t.name);
  // Read at scrape time only, after `keys` and `replay` exist.
  const metrics = createGatewayMetrics({ registry, targetNames, keys: () => keys.current(), replayReady: () => replay.ready() });
  const log: GatewayLogger = createLogger({
    service: "gateway",
    events: gatewayEvents(targetNames),
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
    onDrop: (reason) => metrics.logDropped(reason),
  });

  const loaded = await loadKeys(config.keys, now());
  const keys = new KeyStore(loaded.entries, now, (s) => logSnapshot(log, s));
  collectDefaultMetrics({ register: registry });
  const first = keys.current();
  log.event("keys.loaded", {
    inline: config.keys.kind === "inline",
    keys: loaded.entries.length,
    listed: first.listed.length,
    accepted: first.counts.current + first.counts.published + first.counts.grace,
    ...(first.currentKeyId === undefined ? {} : { current: first.currentKeyId }),
  });

  const replay: ReplayCache = config.redis
    ? new RedisReplayCache(createRedis(redisOptions(config.redis)), { minReplicas: config.redis.minReplicasAck, timeoutMs: config.redis.replicaAckTimeoutMs })
    : new MemoryReplayCache({ maxEntries: config.replayMaxEntries });
  const targets = new TargetTable(config.targets);
  const forwarder = new Forwarder(config.targets, { timeoutMs: config.targetTimeoutMs, maxResponseBytes: config.maxResponseBytes });

  const watcher = watchKeys(config.keys, loaded.content, {
    store: keys,
    now,
    onResult: (result) => {
      metrics.keyReload(result);
      log.event("keys.reload", { result });
    },
  });

  const gateway = createGateway({
    keys,
    targets,
    forwarder,
    replay,
    now,
    registry,
    metrics,
    log,
    maxRequestBytes: config.maxRequestBytes,
    date: { windowMs: config.dateWindowMs, required: config.requireDate },
    padding: config.padding,
    keysMaxAgeMs: config.keysMaxAgeMs,
  });
  // The hot path on node:net, everything else on node:http (service-kit's http1-front.ts).
  // Beyond the limit an encapsulated request is refused before decryption, with an outer 503:
  // the cheapest refusal (docs/decisions/0028-load-shedding.md).
  const shed = new Shedder({ limit: config.maxInFlight, targetMs: config.shedTargetMs, registry, metricPrefix: "gateway", routes: ["gateway"] as const });
  const server = new Http1Front({
    paths: [GATEWAY_PATH, WELL_KNOWN_PATH],
    maxBodyBytes: config.maxRequestBytes,
    handle: ({ contentType, body }) => shed.run("gateway", () => gateway.encapsulated(contentType, body)),
    record: (path, status, ms) => gateway.record("POST", path === GATEWAY_PATH ? GATEWAY_PATH : WELL_KNOWN_PATH, status, ms),
    // The same requests in a shape the front hands over (chunked, unusual) are counted alike.
    fallback: shed.listener((req) => (req.method === "POST" && [GATEWAY_PATH, WELL_KNOWN_PATH].includes(req.url?.split("?")[0] ?? "") ? "gateway" : undefined), gateway.listener),
  });

  const closeDependencies = async (): Promise<void> => {
    watcher?.stop();
    await Promise.all([forwarder.close(), replay.close()]);
  };
  if (config.redis) await waitFor(() => replay.ready(), 2000);

  const service = await startListeners(config, {
    server,
    registry,
    log,
    isReady: () => replay.ready() && keys.current().listed.length > 0,
    closeDependencies,
    handleSignals: options.handleSignals,
  });
  watcher?.start(config.keyReloadMs);
  return {
    ...service,
    registry,
    keys,
    reloadKeys: () => watcher?.check() ?? Promise.resolve(ReloadResult.Unchanged),
  };
}
