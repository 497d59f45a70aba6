/**
 * A Redis connection that fails closed and heals itself. Commands issued while the connection is
 * down fail at once (no offline queue, no silent buffering), so the callers answer 503 instead of
 * hanging or, worse, serving without the store; ioredis keeps reconnecting in the background, and
 * the first command after it is back succeeds, with no restart.
 *
 * Two ways to find the primary: one URL (REDIS_URL), or Redis Sentinel (REDIS_SENTINELS and
 * REDIS_SENTINEL_NAME), where the client asks the sentinels for the current primary on every
 * (re)connection and checks its role, so after a failover it reaches the promoted replica by itself.
 */
import { Redis, type RedisOptions as IoRedisOptions } from "ioredis";
import { readFileSync } from "node:fs";
import type { EnvReader } from "./config.js";
import { Secret } from "./secret.js";

export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

/** Where Sentinel finds the primary: the sentinels' addresses and the monitored master's name. */
export interface RedisSentinelTarget {
  readonly sentinels: readonly RedisAddress[];
  readonly name: string;
  /** The sentinels' own password (`requirepass` of the sentinels), if any. */
  readonly sentinelPassword?: string;
}

interface RedisCommonOptions {
  /** Prefix for every key this service writes, so services can share one Redis. */
  readonly keyPrefix: string;
  /** The data nodes' password; overrides one in the URL. */
  readonly password?: string;
  /** How long one command may take before it counts as a failure. */
  readonly commandTimeoutMs?: number;
}

/** Exactly one of `url` (`redis://` or `rediss://`) and `sentinel`. */
export type RedisOptions = RedisCommonOptions & ({ readonly url: string; readonly sentinel?: undefined } | { readonly sentinel: RedisSentinelTarget; readonly url?: undefined });

export const DEFAULT_COMMAND_TIMEOUT_MS = 500;

export function createRedis(options: RedisOptions): Redis {
  const retryStrategy = (attempt: number): number => Math.min(50 * attempt, 1000);
  const common: IoRedisOptions = {
    keyPrefix: options.keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    connectTimeout: 1000,
    lazyConnect: false,
    retryStrategy,
    // READONLY from a demoted primary, among others: reconnect, which asks the sentinels again.
    reconnectOnError: () => true,
    ...(options.password === undefined ? {} : { password: options.password }),
  };
  const redis =
    options.sentinel === undefined
      ? new Redis(options.url, common)
      : new Redis({
          ...common,
          sentinels: options.sentinel.sentinels.map((s) => ({ host: s.host, port: s.port })),
          name: options.sentinel.name,
          role: "master",
          ...(options.sentinel.sentinelPassword === undefined ? {} : { sentinelPassword: options.sentinel.sentinelPassword }),
          sentinelRetryStrategy: retryStrategy,
          sentinelCommandTimeout: 1000,
          // Off: ioredis 5.9's detector disconnects the connector when +switch-master arrives
          // while a reconnection is under way, and the client then ends for good (status "end",
          // no more retries; seen under load in the failover tests). A lost primary is found
          // again by the reconnection itself, and a demoted one answers READONLY, which
          // reconnects (reconnectOnError).
          failoverDetector: false,
          // Only the configured sentinels: the list cannot be widened by what one of them reports.
          updateSentinels: false,
        });
  // Connection errors are expected while Redis is down; each command reports its own failure.
  // The listener keeps ioredis from printing them (they may name the host) to stderr.
  redis.on("error", () => undefined);
  return redis;
}

/** True when the connection is up; for readiness. */
export function redisReady(redis: Redis): boolean {
  return redis.status === "ready";
}

/**
 * The Redis settings of a service, or undefined when it has none (in-memory stores). Passwords
 * and the URL (it may hold one) are Secrets.
 */
export interface RedisConfig {
  /** REDIS_URL; absent with Sentinel. */
  readonly url?: Secret<string>;
  /** REDIS_SENTINELS and REDIS_SENTINEL_NAME; absent with REDIS_URL. */
  readonly sentinel?: { readonly sentinels: readonly RedisAddress[]; readonly name: string };
  /** REDIS_PASSWORD_FILE's content: the data nodes' password. */
  readonly password?: Secret<string>;
  /** REDIS_SENTINEL_PASSWORD_FILE's content: the sentinels' password. */
  readonly sentinelPassword?: Secret<string>;
  /** REDIS_PREFIX. */
  readonly prefix: string;
  /**
   * REDIS_MIN_REPLICAS_ACK: how many replicas must acknowledge a write that must not be lost
   * (a spent token, a claimed request) before it counts; 0 accepts the primary's word alone.
   * See docs/decisions/0023-durable-spends.md.
   */
  readonly minReplicasAck: number;
  /** REDIS_REPLICA_ACK_TIMEOUT: how long to wait for those acknowledgements before failing closed. */
  readonly replicaAckTimeoutMs: number;
}

/** `host:port`, the host a name, an IPv4 address or a bracketed IPv6 address. */
const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

/** Parses REDIS_SENTINELS' `host:port,host:port,...`; undefined when any entry is malformed. */
export function parseRedisAddresses(text: string): RedisAddress[] | undefined {
  const parts = text.split(",").map((p) => p.trim());
  const out: RedisAddress[] = [];
  for (const part of parts) {
    const m = ADDRESS.exec(part);
    const host = m?.[1];
    const port = Number(m?.[2]);
    if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
    out.push({ host: host.startsWith("[") ? host.slice(1, -1) : host, port });
  }
  return out;
}

function readSecretFile(env: EnvReader, name: string): Secret<string> | undefined {
  const path = env.string(name);
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    env.invalid(name, "cannot be read");
    return undefined;
  }
  // A secret mounted as a file often ends with a newline that is not part of the password.
  const value = text.replace(/\r?\n$/, "");
  if (value === "" || /[\r\n]/.test(value)) {
    env.invalid(name, "must hold one non-empty line");
    return undefined;
  }
  return new Secret(value);
}

/** Longest REDIS_REPLICA_ACK_TIMEOUT: below the command timeout, so WAIT answers before the client gives up. */
export const MAX_REPLICA_ACK_TIMEOUT_MS = DEFAULT_COMMAND_TIMEOUT_MS - 100;

/**
 * Reads REDIS_URL or REDIS_SENTINELS + REDIS_SENTINEL_NAME, REDIS_PASSWORD_FILE,
 * REDIS_SENTINEL_PASSWORD_FILE, REDIS_PREFIX, REDIS_MIN_REPLICAS_ACK and REDIS_REPLICA_ACK_TIMEOUT
 * with the service's EnvReader; `defaultPrefix` names the service's keys. Undefined when neither
 * REDIS_URL nor REDIS_SENTINELS is set.
 */
export function readRedisConfig(env: EnvReader, defaultPrefix: string): RedisConfig | undefined {
  const url = env.string("REDIS_URL");
  const sentinelsText = env.string("REDIS_SENTINELS");
  const name = env.string("REDIS_SENTINEL_NAME");
  const prefix = env.string("REDIS_PREFIX", defaultPrefix);
  const password = readSecretFile(env, "REDIS_PASSWORD_FILE");
  const sentinelPassword = readSecretFile(env, "REDIS_SENTINEL_PASSWORD_FILE");
  const minReplicasAck = env.int("REDIS_MIN_REPLICAS_ACK", 0, { min: 0, max: 16 });
  const replicaAckTimeoutMs = env.duration("REDIS_REPLICA_ACK_TIMEOUT", 200, { minMs: 1, maxMs: MAX_REPLICA_ACK_TIMEOUT_MS });
  if (url !== undefined && sentinelsText !== undefined) {
    env.invalid("REDIS_SENTINELS", "cannot be set together with REDIS_URL (one way to find the primary)");
    return undefined;
  }
  if (url !== undefined && !/^rediss?:\/\//.test(url)) env.invalid("REDIS_URL", "must be a redis:// or rediss:// URL");
  if (sentinelsText === undefined) {
    if (name !== undefined) env.invalid("REDIS_SENTINEL_NAME", "is set without REDIS_SENTINELS");
    if (sentinelPassword !== undefined) env.invalid("REDIS_SENTINEL_PASSWORD_FILE", "is set without REDIS_SENTINELS");
    if (url === undefined) {
      if (password !== undefined) env.invalid("REDIS_PASSWORD_FILE", "is set without REDIS_URL or REDIS_SENTINELS");
      return undefined;
    }
  }
  const common = {
    prefix,
    minReplicasAck,
    replicaAckTimeoutMs,
    ...(password === undefined ? {} : { password }),
  };
  if (url !== undefined) return { url: new Secret(url), ...common };
  const sentinels = parseRedisAddresses(sentinelsText ?? "");
  if (sentinels === undefined) env.invalid("REDIS_SENTINELS", "must be host:port,host:port,... (ports 1-65535)");
  if (name === undefined) env.invalid("REDIS_SENTINEL_NAME", "is required with REDIS_SENTINELS (the monitored master's name)");
  else if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) env.invalid("REDIS_SENTINEL_NAME", "must be 1-64 letters, digits, '.', '_' or '-'");
  return {
    sentinel: { sentinels: sentinels ?? [], name: name ?? "" },
    ...common,
    ...(sentinelPassword === undefined ? {} : { sentinelPassword }),
  };
}

/** What `createRedis` needs from a service's RedisConfig (the one place its secrets are revealed). */
export function redisOptions(config: RedisConfig, commandTimeoutMs?: number): RedisOptions {
  const common = {
    keyPrefix: config.prefix,
    ...(config.password === undefined ? {} : { password: config.password.reveal() }),
    ...(commandTimeoutMs === undefined ? {} : { commandTimeoutMs }),
  };
  if (config.sentinel !== undefined) {
    const sentinelPassword = config.sentinelPassword?.reveal();
    return { ...common, sentinel: { ...config.sentinel, ...(sentinelPassword === undefined ? {} : { sentinelPassword }) } };
  }
  return { ...common, url: config.url?.reveal() ?? "" };
}
