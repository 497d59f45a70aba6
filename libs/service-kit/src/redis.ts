/**
 * A Redis connection that fails closed and heals itself. Commands issued while the connection is
 * down fail at once (no offline queue, no silent buffering), so the callers answer 503 instead of
 * hanging or, worse, serving without the store; ioredis keeps reconnecting in the background, and
 * the first command after it is back succeeds, with no restart.
 */
import { Redis } from "ioredis";
import type { EnvReader } from "./config.js";
import { Secret } from "./secret.js";

export interface RedisOptions {
  /** `redis://` or `rediss://` URL. */
  readonly url: string;
  /** Prefix for every key this service writes, so services can share one Redis. */
  readonly keyPrefix: string;
  /** How long one command may take before it counts as a failure. */
  readonly commandTimeoutMs?: number;
}

export function createRedis(options: RedisOptions): Redis {
  const redis = new Redis(options.url, {
    keyPrefix: options.keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: 1000,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
    reconnectOnError: () => true,
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

/** REDIS_URL (kept as a Secret: it may hold a password) and REDIS_PREFIX, or undefined without REDIS_URL. */
export interface RedisConfig {
  readonly url: Secret<string>;
  readonly prefix: string;
}

/** Reads REDIS_URL and REDIS_PREFIX with the service's EnvReader; `defaultPrefix` names the service's keys. */
export function readRedisConfig(env: EnvReader, defaultPrefix: string): RedisConfig | undefined {
  const url = env.string("REDIS_URL");
  const prefix = env.string("REDIS_PREFIX", defaultPrefix);
  if (url !== undefined && !/^rediss?:\/\//.test(url)) env.invalid("REDIS_URL", "must be a redis:// or rediss:// URL");
  return url === undefined ? undefined : { url: new Secret(url), prefix };
}
