/**
 * Builds the service's real dependencies from a StickerSearchConfig and runs it: the catalogue,
 * the engine (embedded, or Meilisearch set up in the background until it answers), the token gate
 * (issuer directory, spent tokens in memory or Redis), the public listener and the admin listener
 * with /metrics, /healthz and /readyz, and a graceful drain on stop.
 */
import { createServer } from "node:http";
import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import { Shedder, createHttpObserver, createLogger, createRedis, redisOptions, type LoggerOptions, type RunningService, serviceRegistry, startListeners } from "@oblivious/service-kit";
import {
  arcGateOption,
  createTokenGate,
  DirectoryKeySource,
  MemorySpentTokenStore,
  RedisSpentTokenStore,
  type SpentTokenStore,
  type TokenKeySource,
} from "@oblivious/token-gate";
import { SEARCH_PATH, createStickerSearchApp } from "./app.js";
import { readCatalogueFile, selectLocales, type Catalogue } from "./catalogue.js";
import { buildEmojiCatalogue, DEFAULT_LOCALES } from "./catalogue-emojibase.js";
import type { StickerSearchConfig } from "./config.js";
import { EngineUnavailableError, type SearchEngine } from "./engine.js";
import { EmbeddedSearchEngine } from "./engine-embedded.js";
import { MeiliSearchEngine } from "./engine-meilisearch.js";
import { STICKER_SEARCH_ROUTES, stickerSearchEvents, type StickerSearchEvents, type StickerSearchLogger } from "./events.js";
import { createStickerSearchMetrics } from "./metrics.js";

export type LogDestination = NonNullable<LoggerOptions<StickerSearchEvents>["destination"]>;

export interface StartStickerSearchOptions {
  readonly logDestination?: LogDestination;
  readonly registry?: Registry;
  readonly handleSignals?: boolean;
  /** Issuer keys; an RFC 9578 directory at ISSUER_DIRECTORY_URL by default (tests pass a StaticKeySource). */
  readonly keys?: TokenKeySource;
  /** The catalogue; by default STICKER_CATALOGUE_FILE or built from emojibase-data. */
  readonly catalogue?: Catalogue;
  /** Wait after a failed Meilisearch set-up before the next try. Default 2 s. */
  readonly engineRetryMs?: number;
}

export interface RunningStickerSearch extends RunningService {
  readonly registry: Registry;
  readonly log: StickerSearchLogger;
  readonly engine: SearchEngine;
  readonly catalogue: Catalogue;
  /** Resolves once the engine has loaded the catalogue (at once for the embedded engine). */
  readonly loaded: Promise<void>;
}

/** The configured catalogue: the file or emojibase, narrowed to STICKER_LOCALES. */
export async function loadConfiguredCatalogue(config: StickerSearchConfig): Promise<Catalogue> {
  if (config.catalogueFile === undefined) return buildEmojiCatalogue(config.locales ?? DEFAULT_LOCALES);
  const catalogue = await readCatalogueFile(config.catalogueFile);
  return config.locales === undefined ? catalogue : selectLocales(catalogue, config.locales);
}

export async function startStickerSearch(config: StickerSearchConfig, options: StartStickerSearchOptions = {}): Promise<RunningStickerSearch> {
  const registry = serviceRegistry(options.registry);
  const log: StickerSearchLogger = createLogger({
    service: "sticker-search",
    events: stickerSearchEvents,
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
    onDrop: (reason) => metrics.logDropped(reason),
  });
  const catalogue = options.catalogue ?? (await loadConfiguredCatalogue(config));

  const engine: SearchEngine =
    config.meili === undefined || config.engine === "embedded"
      ? new EmbeddedSearchEngine()
      : new MeiliSearchEngine({
          url: config.meili.url,
          ...(config.meili.adminKey === undefined ? {} : { adminKey: config.meili.adminKey.reveal() }),
          ...(config.meili.searchKey === undefined ? {} : { searchKey: config.meili.searchKey.reveal() }),
          index: config.meili.index,
          importCatalogue: config.meili.importCatalogue,
          timeoutMs: config.meili.timeoutMs,
          onHealth: (healthy, reason) => {
            if (healthy) log.event("engine.up", { engine: "meilisearch" });
            else log.event("engine.down", { engine: "meilisearch", reason: reason ?? "unreachable" });
          },
        });
  const metrics = createStickerSearchMetrics(registry, { engine: engine.name, ready: () => engine.ready(), stickers: () => catalogue.stickers.length });

  let redis: Redis | undefined;
  let store: SpentTokenStore;
  if (config.redis === undefined) store = new MemorySpentTokenStore({ maxEntries: config.tokenGate.spentMaxEntries });
  else {
    redis = createRedis(redisOptions(config.redis));
    store = new RedisSpentTokenStore(redis, { minReplicasAck: config.redis.minReplicasAck, replicaAckTimeoutMs: config.redis.replicaAckTimeoutMs });
  }
  let directory: DirectoryKeySource | undefined;
  let keys = options.keys;
  if (keys === undefined) {
    directory = new DirectoryKeySource({
      url: config.tokenGate.directoryUrl,
      refreshMs: config.tokenGate.directoryRefreshMs,
      maxStaleMs: config.tokenGate.directoryMaxStaleMs,
      log,
      registry,
    });
    keys = directory;
  }
  const gate = createTokenGate({
    issuerName: config.tokenGate.issuerName,
    originInfo: config.tokenGate.originInfo,
    keys,
    store,
    spendTtlMs: config.tokenGate.spendTtlMs,
    maxAgeSeconds: config.tokenGate.challengeMaxAgeS,
    registry,
    log,
    ...arcGateOption(config.tokenGate, store),
  });

  // The engine loads while the listeners come up; a Meilisearch that cannot be set up yet is
  // retried in the background (searches answer 503 meanwhile, readiness stays false).
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  const loaded = new Promise<void>((resolve) => {
    const attempt = (): void => {
      if (stopped) return;
      const started = performance.now();
      engine.load(catalogue).then(
        () => {
          log.event("engine.loaded", { engine: engine.name, stickers: catalogue.stickers.length, locales: catalogue.locales.length, durationMs: performance.now() - started });
          resolve();
        },
        (error: unknown) => {
          const retryMs = options.engineRetryMs ?? 2000;
          log.event("engine.load_failed", { engine: engine.name, reason: error instanceof EngineUnavailableError ? error.code : "rejected", retryS: Math.ceil(retryMs / 1000) });
          if (!stopped) retryTimer = setTimeout(attempt, retryMs);
        },
      );
    };
    attempt();
  });
  if (engine.name === "embedded") await loaded;
  const directoryStarted = directory?.start();

  const app = createStickerSearchApp({
    engine,
    vocabulary: { locales: new Set(catalogue.locales), defaultLocale: catalogue.locales[0] ?? "en", packs: new Set(catalogue.packs.map((p) => p.id)) },
    gate: gate.middleware,
    metrics,
    observer: createHttpObserver({ routes: STICKER_SEARCH_ROUTES, registry, log }),
    log,
  });
  // Searches beyond the limit are refused at once (503) before the token gate, so a shed client
  // keeps its token (docs/decisions/0028-load-shedding.md).
  const shed = new Shedder({ limit: config.maxInFlight, targetMs: config.shedTargetMs, registry, metricPrefix: "sticker_search", routes: ["search"] as const });
  const listener = shed.listener((req) => (req.method === "POST" && req.url?.split("?")[0] === SEARCH_PATH ? "search" : undefined), app);
  const server = createServer({ requestTimeout: 10_000, headersTimeout: 10_000, connectionsCheckingInterval: 1000 }, listener);
  const closeDependencies = async (): Promise<void> => {
    stopped = true;
    clearTimeout(retryTimer);
    directory?.stop();
    await engine.close();
    redis?.disconnect();
  };
  try {
    await directoryStarted;
  } catch (error) {
    server.close();
    await closeDependencies();
    throw error;
  }
  const service = await startListeners(config, {
    server,
    registry,
    log,
    isReady: () => engine.ready() && gate.ready(),
    closeDependencies,
    handleSignals: options.handleSignals,
  });
  return { ...service, registry, log, engine, catalogue, loaded };
}
