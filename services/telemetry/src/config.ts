/**
 * The telemetry service's configuration, read once from the environment into a frozen object. A
 * malformed value stops start-up with a ConfigError that names every bad variable (never a
 * value). The Redis URL may hold a password, so it is kept as a Secret.
 */
import { deepFreeze, EnvReader, readListenerSettings, readRedisConfig, type RedisConfig } from "@oblivious/service-kit";
import { readTokenGateConfig, type TokenGateConfig } from "@oblivious/token-gate";
import { SERVICES } from "@oblivious/service-kit";

/** The target origin clients address through the gateway (docs/design.md, default local interfaces). */
export const TELEMETRY_ORIGIN = SERVICES.telemetry.origin ?? "";

export interface TelemetryConfig {
  readonly host: string;
  readonly port: number;
  readonly adminHost: string;
  readonly adminPort: number;
  /** Most events in one batch (more: 422). */
  readonly maxBatch: number;
  /** Largest request body, in bytes (bigger: 413). */
  readonly maxBodyBytes: number;
  readonly drainTimeoutMs: number;
  /** Not ready but serving, on stop, before the drain (service-kit's lifecycle.ts). */
  readonly shutdownGraceMs: number;
  /** Spent tokens in Redis, shared by replicas; in memory (one replica) without it. */
  readonly redis: RedisConfig | undefined;
  readonly tokenGate: TokenGateConfig;
}

export const TELEMETRY_DEFAULTS = {
  maxBatch: 100,
  maxBodyBytes: 64 * 1024,
  drainTimeoutMs: 15_000,
  redisPrefix: "telemetry:",
} as const;

export function loadTelemetryConfig(source: Readonly<Record<string, string | undefined>>): TelemetryConfig {
  const env = new EnvReader(source);
  const d = TELEMETRY_DEFAULTS;
  const redis = readRedisConfig(env, d.redisPrefix);
  const config: TelemetryConfig = {
    ...readListenerSettings(env, "telemetry", d),
    maxBatch: env.int("TELEMETRY_MAX_BATCH", d.maxBatch, { min: 1, max: 1000 }),
    maxBodyBytes: env.int("TELEMETRY_MAX_BODY", d.maxBodyBytes, { min: 1024, max: 1024 * 1024 }),
    redis,
    tokenGate: readTokenGateConfig(env, { originName: new URL(TELEMETRY_ORIGIN).host }),
  };
  env.done();
  return deepFreeze(config);
}
