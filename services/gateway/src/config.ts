/**
 * The gateway's configuration, read once from the environment, checked, frozen. A bad value
 * stops start-up with a ConfigError that names the variable, never its value. Secrets (inline
 * keys, a Redis URL with a password) are wrapped so that they cannot be printed by accident.
 * The key file itself is read by `startGateway`, which fails with a ConfigError naming
 * GATEWAY_KEYS_FILE or GATEWAY_KEYS when it holds no usable key: there is no random fallback.
 */
import { EnvReader, deepFreeze, readRedisConfig, type RedisConfig } from "@oblivious/service-kit";
import { KEYS_FILE_VARIABLE, KEYS_VARIABLE, type KeySource } from "./key-file.js";
import { DEFAULT_PADDING, parsePadding, type PaddingPolicy } from "./padding.js";
import { Secret } from "@oblivious/service-kit";
import { TARGETS_VARIABLE, parseTargets, type Target } from "./targets.js";
import { SERVICES, localUrl, readListenerSettings, readShedSettings } from "@oblivious/service-kit";

export interface GatewayConfig {
  readonly host: string;
  readonly port: number;
  readonly adminHost: string;
  readonly adminPort: number;
  readonly keys: KeySource;
  readonly targets: readonly Target[];
  readonly maxRequestBytes: number;
  readonly maxResponseBytes: number;
  readonly targetTimeoutMs: number;
  readonly dateWindowMs: number;
  readonly requireDate: boolean;
  readonly padding: PaddingPolicy;
  /** How often the key file is re-read; 0 turns reloading off. */
  readonly keyReloadMs: number;
  /** Upper bound of the key listing's Cache-Control max-age. */
  readonly keysMaxAgeMs: number;
  /** Bound of the in-memory replay cache. */
  readonly replayMaxEntries: number;
  readonly drainTimeoutMs: number;
  /** Not ready but serving, on stop, before the drain (service-kit's lifecycle.ts). */
  readonly shutdownGraceMs: number;
  /** Encapsulated requests handled at once; more are shed with an outer 503 before decryption (0: no limit). */
  readonly maxInFlight: number;
  /** Latency above which, for a whole window, the in-flight limit shrinks (0: the limit stays fixed). */
  readonly shedTargetMs: number;
  readonly redis: RedisConfig | undefined;
}

/** GATEWAY_KEYS_MAX_AGE's default: the longest max-age of the key listing. */
export const KEYS_MAX_AGE_DEFAULT_MS = 3_600_000;

/**
 * RELAY_KEYS_TTL's default, the relay's bound on how long it keeps this listing: `gateway-keys
 * rotate` needs it (services/relay/src/config.ts; e2e/test/rotation.test.ts checks they agree).
 */
export const RELAY_KEYS_TTL_DEFAULT_MS = 300_000;

/** The targets of the local stack (docs/design.md, "Default local interfaces"). */
export const DEFAULT_TARGETS = (["sticker-search", "telemetry"] as const).map((name) => `${SERVICES[name].origin ?? ""}=${localUrl(name)}`).join(",");

const UNITS: Readonly<Record<string, number>> = { "": 1, b: 1, kib: 1024, kb: 1000, mib: 1024 * 1024, mb: 1_000_000 };

/** A size in bytes: `65536`, `64KiB`, `1MiB`. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? UNITS[(m[2] ?? "").toLowerCase()] : undefined;
  if (!m || unit === undefined) return undefined;
  const n = Number(m[1]) * unit;
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The smallest GATEWAY_MAX_REQUEST: an X-Wing request from this project's clients is a 7-byte
 * header, the 1,120-byte enc, the inner request padded to at least 256 bytes and a 16-byte tag
 * (1,399 bytes), so 2 KiB leaves room for a padded inner request of up to 512 bytes.
 */
export const MIN_REQUEST_BYTES = 2048;

function size(env: EnvReader, name: string, fallback: number, max: number, min = 1): number {
  const raw = env.string(name);
  if (raw === undefined) return fallback;
  const n = parseSize(raw);
  if (n === undefined || n < min || n > max) {
    env.invalid(name, `must be a size such as 65536, 64KiB or 1MiB, at least ${min} and at most ${max} bytes`);
    return fallback;
  }
  return n;
}

export function loadGatewayConfig(environment: Readonly<Record<string, string | undefined>>): GatewayConfig {
  const env = new EnvReader(environment);
  const listeners = readListenerSettings(env, "gateway", { drainTimeoutMs: 10_000 });

  let keys: KeySource = { kind: "file", path: "" };
  const file = env.string(KEYS_FILE_VARIABLE);
  const inline = env.string(KEYS_VARIABLE);
  if (file !== undefined && inline !== undefined) env.invalid(KEYS_VARIABLE, `set only one of ${KEYS_FILE_VARIABLE} and ${KEYS_VARIABLE}`);
  else if (file !== undefined) keys = { kind: "file", path: file };
  else if (inline !== undefined) keys = { kind: "inline", text: new Secret(inline) };
  else env.invalid(KEYS_FILE_VARIABLE, `is required (or ${KEYS_VARIABLE}): the gateway never makes up a key`);

  let targets: Target[] = [];
  try {
    targets = parseTargets(env.string(TARGETS_VARIABLE, DEFAULT_TARGETS));
  } catch (e) {
    env.invalid(TARGETS_VARIABLE, e instanceof TypeError ? e.message : "is invalid");
  }

  const maxRequestBytes = size(env, "GATEWAY_MAX_REQUEST", 64 * 1024, 64 * 1024 * 1024, MIN_REQUEST_BYTES);
  const maxResponseBytes = size(env, "GATEWAY_MAX_RESPONSE", 1024 * 1024, 256 * 1024 * 1024);
  const targetTimeoutMs = env.duration("GATEWAY_TARGET_TIMEOUT", 10_000, { minMs: 1, maxMs: 600_000 });
  const dateWindowMs = env.duration("GATEWAY_DATE_WINDOW", 60_000, { minMs: 1000, maxMs: 86_400_000 });
  const requireDate = env.bool("GATEWAY_REQUIRE_DATE", true);
  const paddingSpec = env.string("GATEWAY_PADDING", DEFAULT_PADDING);
  const padding = parsePadding(paddingSpec);
  if (padding === undefined) env.invalid("GATEWAY_PADDING", "must be none, pow2, pow2:<min bytes> or an increasing list of sizes");
  const keyReloadMs = env.duration("GATEWAY_KEY_RELOAD", 10_000, { maxMs: 86_400_000 });
  const keysMaxAgeMs = env.duration("GATEWAY_KEYS_MAX_AGE", KEYS_MAX_AGE_DEFAULT_MS, { maxMs: 7 * 86_400_000 });
  const replayMaxEntries = env.int("GATEWAY_REPLAY_MAX_ENTRIES", 1_000_000, { min: 1, max: 100_000_000 });
  const shed = readShedSettings(env, "gateway", { maxInFlight: 256 });

  const redis = readRedisConfig(env, "gateway:");

  env.done();
  return deepFreeze({
    ...listeners,
    keys,
    targets,
    maxRequestBytes,
    maxResponseBytes,
    targetTimeoutMs,
    dateWindowMs,
    requireDate,
    padding: padding ?? { kind: "none" },
    keyReloadMs,
    keysMaxAgeMs,
    replayMaxEntries,
    ...shed,
    redis,
  });
}
