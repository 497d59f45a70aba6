/**
 * Starting the issuer: the one place that builds real dependencies (keys from their source, the
 * attester and its JWKS, the pseudonym key, the quota store in memory or Redis, the signing
 * worker pool, a prom-client registry, the logger), listens on the public and admin ports, and
 * drains on stop: listeners first, then the key and JWKS watchers, Redis and the worker pool.
 */
import { createServer } from "node:http";
import { Registry, collectDefaultMetrics } from "prom-client";
import {
  Shedder,
  ConfigError,
  createHttpObserver,
  createLogger,
  createRedis,
  redisOptions,
  startListeners,
  waitFor,
  type EventCatalog,
  type LoggerOptions,
  type RunningService,
} from "@oblivious/service-kit";
import { TOKEN_REQUEST_PATH, createIssuerApp } from "./app.js";
import { loadArcKeyFiles } from "./arc-key-files.js";
import type { ArcKeys } from "./arc-keys.js";
import { createAttester, type Attester } from "./attestation.js";
import type { IssuerConfig } from "./config.js";
import { DirectoryCache } from "./directory.js";
import { ROUTES, issuerEvents, type IssuerLogger } from "./events.js";
import { ReloadResult, loadKeys, watchKeys } from "./key-file.js";
import { KeyStore, type IssuerKey, type KeySnapshot } from "./keys.js";
import { createIssuerMetrics } from "./metrics.js";
import { loadPseudonyms } from "./pseudonym.js";
import { MemoryQuotaStore, RedisQuotaStore, type QuotaStore } from "./quota.js";
import { InlineSigner } from "./inline-signer.js";
import { SignerPool } from "./signer-pool.js";
import type { SignerKey, Signers } from "./signer.js";

export interface StartOptions {
  /** Where log lines go (stdout by default); tests capture them. */
  readonly logDestination?: NonNullable<LoggerOptions<EventCatalog>["destination"]>;
  /** The metrics registry (a fresh one by default). */
  readonly registry?: Registry;
  /** Install SIGTERM/SIGINT handlers that drain and exit (the process entry does). */
  readonly handleSignals?: boolean;
  /** The clock, in ms since the epoch: key states, credential expiry and the memory quota windows. */
  readonly now?: () => number;
}

export interface RunningIssuer extends RunningService {
  readonly registry: Registry;
  readonly keys: KeyStore;
  readonly signers: Signers;
  readonly quota: QuotaStore;
  /** Every origin's ARC keys (ISSUER_ARC_KEYS_FILES), if any. */
  readonly arcKeys: ArcKeys | undefined;
  /** Checks the ARC key files now instead of at the next interval. */
  readonly reloadArcKeys: () => Promise<ReloadResult[]>;
  /** Checks the key file now instead of at the next interval (ISSUER_KEYS_FILE only). */
  readonly reloadKeys: () => Promise<ReloadResult>;
  /** Checks the JWKS file now instead of at the next interval (ATTESTER_JWKS_FILE only). */
  readonly reloadJwks: () => Promise<ReloadResult>;
}

function signerKeys(keys: readonly IssuerKey[]): SignerKey[] {
  return keys.map((k) => ({ id: k.id, privateKey: k.privateKey }));
}

function logSnapshot(log: IssuerLogger, s: KeySnapshot): void {
  log.event("keys.changed", { listed: s.listed.length, ...(s.current === undefined ? {} : { current: s.current.truncatedTokenKeyId }) });
}

export async function startIssuer(config: IssuerConfig, options: StartOptions = {}): Promise<RunningIssuer> {
  const now = options.now ?? Date.now;
  const registry = options.registry ?? new Registry();
  // Read at scrape time only, after `keys`, `signers` and `quota` exist.
  const metrics = createIssuerMetrics({
    registry,
    keys: () => keys.current(),
    arcKeys: () => {
      const sum = { pending: 0, published: 0, current: 0, grace: 0, retired: 0 };
      for (const s of arc?.keys.snapshots() ?? []) for (const state of Object.keys(sum) as (keyof typeof sum)[]) sum[state] += s.counts[state];
      return sum;
    },
    queueDepth: () => signers.queued,
    quotaReady: () => quota.ready(),
  });
  collectDefaultMetrics({ register: registry });
  const log: IssuerLogger = createLogger({
    service: "issuer",
    events: issuerEvents,
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
    onDrop: (reason) => metrics.logDropped(reason),
  });

  const loaded = await loadKeys(config.keys, now());
  const arc =
    config.arcKeysFiles.length === 0
      ? undefined
      : await loadArcKeyFiles(config.arcKeysFiles, {
          now,
          onResult: (result) => {
            metrics.keyReload(result);
            log.event("keys.reload", { result });
          },
          onChange: () => undefined,
        });
  const pseudonyms = await loadPseudonyms(config.pseudonymKey);
  let attester: Attester;
  try {
    attester = await createAttester({
      config: config.attester,
      now,
      onJwksReload: (result) => {
        metrics.jwksReload(result);
        log.event("jwks.reload", { result });
      },
    });
  } catch (e) {
    const reason = e instanceof TypeError ? `JWKS ${e.message}` : "cannot read the JWKS file";
    throw new ConfigError([{ variable: "ATTESTER_JWKS_FILE", reason }]);
  }

  let signers: Signers;
  try {
    signers =
      config.signers === 0
        ? new InlineSigner({ maxQueue: config.maxQueue, keys: signerKeys(loaded.keys) })
        : await SignerPool.start({
            size: config.signers,
            maxQueue: config.maxQueue,
            keys: signerKeys(loaded.keys),
            onCrash: () => {
              metrics.signerCrashed();
              log.event("signer.restarted");
            },
          });
  } catch (e) {
    attester.close();
    throw e;
  }
  const keys = new KeyStore(loaded.keys, now, (s) => {
    logSnapshot(log, s);
    signers.setKeys(signerKeys(s.live));
  });
  const first = keys.current();
  log.event("keys.loaded", {
    inline: config.keys.kind === "inline",
    keys: loaded.keys.length,
    listed: first.listed.length,
    ...(first.current === undefined ? {} : { current: first.current.truncatedTokenKeyId }),
  });

  const quota: QuotaStore = config.redis
    ? // Quotas do not wait for replicas (REDIS_MIN_REPLICAS_ACK): docs/decisions/0023-durable-spends.md.
      new RedisQuotaStore(createRedis(redisOptions(config.redis)), {
        limit: config.quota,
        periodMs: config.quotaPeriodMs,
      })
    : new MemoryQuotaStore({ limit: config.quota, periodMs: config.quotaPeriodMs, now, maxEntries: config.quotaMaxEntries });
  // ARC credentials per device per key per period: its own limits, on the same store (the same Redis connection, closed with `quota`).
  const arcLimits = { limit: config.arcQuota, periodMs: config.arcPeriodMs };
  const arcQuota: QuotaStore =
    quota instanceof RedisQuotaStore ? quota.withLimits(arcLimits) : new MemoryQuotaStore({ ...arcLimits, now, maxEntries: config.quotaMaxEntries });

  const watcher = watchKeys(config.keys, loaded.content, {
    store: keys,
    now,
    onResult: (result) => {
      metrics.keyReload(result);
      log.event("keys.reload", { result });
    },
  });

  const app = createIssuerApp({
    keys,
    directory: new DirectoryCache(keys, config.issuerRequestUri, arc?.keys),
    directoryMaxAgeS: config.directoryMaxAgeS,
    attester,
    pseudonyms,
    quota,
    signers,
    maxBatch: config.maxBatch,
    metrics,
    observer: createHttpObserver({ routes: ROUTES, registry, log }),
    log,
    now,
    ...(arc === undefined ? {} : { arc: { keys: arc.keys, quota: arcQuota, periodMs: config.arcPeriodMs } }),
  });
  // Token requests beyond the limit are refused at once (503) before any quota or signing
  // (docs/decisions/0028-load-shedding.md); the directory is never shed.
  const shed = new Shedder({ limit: config.maxInFlight, targetMs: config.shedTargetMs, registry, metricPrefix: "issuer", routes: ["token_request"] as const });
  const server = createServer(shed.listener((req) => (req.method === "POST" && req.url?.split("?")[0] === TOKEN_REQUEST_PATH ? "token_request" : undefined), app));
  // A client that trickles its headers or body does not hold a connection for Node's 300 s default.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  const closeDependencies = async (): Promise<void> => {
    watcher?.stop();
    for (const w of arc?.watchers ?? []) w.stop();
    attester.close();
    await Promise.all([quota.close(), signers.close()]);
  };
  if (config.redis) await waitFor(() => quota.ready(), 2000);

  const service = await startListeners(config, {
    server,
    registry,
    log,
    isReady: () => quota.ready() && signers.size > 0 && keys.current().current !== undefined,
    closeDependencies,
    handleSignals: options.handleSignals,
  });
  watcher?.start(config.keyReloadMs);
  for (const w of arc?.watchers ?? []) w.start(config.keyReloadMs);
  return {
    ...service,
    registry,
    keys,
    signers,
    quota,
    arcKeys: arc?.keys,
    reloadArcKeys: () => Promise.all((arc?.watchers ?? []).map((w) => w.check())),
    reloadKeys: () => watcher?.check() ?? Promise.resolve(ReloadResult.Unchanged),
    reloadJwks: () => attester.reload(),
  };
}
