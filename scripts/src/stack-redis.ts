/**
 * Where the local stack's services find Redis: the variables of service-kit's readRedisConfig,
 * passed to every service that keeps state (gateway replay cache, issuer quotas, the spent tokens
 * of sticker-search and telemetry) and to none that does not (the relay keeps nothing).
 */

/** Every variable readRedisConfig reads. */
export const REDIS_VARIABLES = [
  "REDIS_URL",
  "REDIS_SENTINELS",
  "REDIS_SENTINEL_NAME",
  "REDIS_PASSWORD_FILE",
  "REDIS_SENTINEL_PASSWORD_FILE",
  "REDIS_PREFIX",
  "REDIS_MIN_REPLICAS_ACK",
  "REDIS_REPLICA_ACK_TIMEOUT",
] as const;

/** The services that keep nothing in Redis. */
export const STATELESS_SERVICES: readonly string[] = ["relay"];

/** Production-like stores for a stack started by a test or a benchmark: one Redis (URL or Sentinel) for every service. */
export type StackRedis = {
  /** Each service's keys go under `${prefix}<service>:`. */
  readonly prefix: string;
  /** REDIS_MIN_REPLICAS_ACK; the services' default (0) when absent. */
  readonly minReplicasAck?: number;
} & ({ readonly url: string; readonly sentinels?: undefined } | { readonly sentinels: string; readonly sentinelName: string; readonly url?: undefined });

type Env = Readonly<Record<string, string | undefined>>;

/** `env` without the Redis variables. */
export function withoutRedis(env: Env): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  for (const name of REDIS_VARIABLES) delete out[name];
  return out;
}

/**
 * The Redis variables a stateful service gets on top of the inherited environment: those of
 * `redis` when given (a test's), else nothing but its own REDIS_PREFIX when the person starting
 * the stack set one (one prefix per service, as with REDIS_PREFIX unset). The rest of the
 * inherited REDIS_* variables pass through unchanged.
 */
export function serviceRedisEnv(service: string, env: Env, redis: StackRedis | undefined): Record<string, string> {
  if (redis !== undefined) {
    return {
      ...(redis.url === undefined ? { REDIS_SENTINELS: redis.sentinels, REDIS_SENTINEL_NAME: redis.sentinelName } : { REDIS_URL: redis.url }),
      REDIS_PREFIX: `${redis.prefix}${service}:`,
      ...(redis.minReplicasAck === undefined ? {} : { REDIS_MIN_REPLICAS_ACK: String(redis.minReplicasAck) }),
    };
  }
  const prefix = env["REDIS_PREFIX"];
  return prefix === undefined || prefix === "" ? {} : { REDIS_PREFIX: `${prefix}${service}:` };
}

/** The environment a service's process inherits: the relay none of the Redis variables, every service none of them when a test's `redis` replaces them. */
export function inheritedEnv(service: string, env: Env, redis: StackRedis | undefined): Record<string, string | undefined> {
  return redis !== undefined || STATELESS_SERVICES.includes(service) ? withoutRedis(env) : { ...env };
}

/** One line for `npm start` on where the stores are; never the URL (it may hold a password). */
export function describeStores(env: Env): string {
  const set = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const sentinels = set("REDIS_SENTINELS");
  const ack = set("REDIS_MIN_REPLICAS_ACK");
  const acks = ack === undefined || ack === "0" ? "" : `, spends confirmed by ${ack} replica(s)`;
  if (sentinels !== undefined) return `Redis via Sentinel, master "${set("REDIS_SENTINEL_NAME") ?? "?"}", ${sentinels.split(",").length} sentinel(s)${acks}`;
  if (set("REDIS_URL") !== undefined) return `Redis at REDIS_URL${acks}`;
  return "in-memory stores";
}
