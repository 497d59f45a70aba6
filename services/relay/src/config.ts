/**
 * The relay's configuration, read once from the environment into a frozen object. A malformed
 * value stops start-up with a ConfigError that names every bad variable (never a value). The
 * relay holds no secret: the only key it uses (for the rate limiter's address hashes) is random,
 * lives in memory and is replaced every window.
 */
import { deepFreeze, EnvReader, readListenerSettings, readShedSettings } from "@oblivious/service-kit";
import { parseCidrList, type Cidr } from "./client-address.js";
import { localUrl } from "@oblivious/service-kit";

export interface RateLimitConfig {
  /** Requests one client address may make per window. */
  readonly limit: number;
  readonly windowMs: number;
  /** Most client addresses tracked at once; the least recently seen is evicted beyond it. */
  readonly tableSize: number;
}

export interface RelayConfig {
  readonly host: string;
  readonly port: number;
  readonly adminHost: string;
  readonly adminPort: number;
  /** The one gateway resource every request is forwarded to (an absolute http(s) URL). */
  readonly gatewayUrl: string;
  /** Where the gateway's key configuration is fetched from. */
  readonly keysUrl: string;
  /** Largest client request body, in bytes (bigger: 413). */
  readonly maxBodyBytes: number;
  /** Largest gateway answer body, in bytes (bigger: 502). */
  readonly maxResponseBytes: number;
  /** Deadline for one exchange with the gateway, and for reading one client body. */
  readonly timeoutMs: number;
  readonly rateLimit: RateLimitConfig;
  /** Number of trusted reverse proxies in front of the relay (0: use the socket address). */
  readonly trustProxy: number;
  /**
   * Where those proxies connect from: `X-Forwarded-For` is read only on a connection from one of
   * them (RELAY_TRUSTED_PROXIES; required when `trustProxy` is above 0, ignored when it is 0).
   */
  readonly trustedProxies: readonly Cidr[];
  /** Longest time a fetched key configuration is served before it is fetched again. */
  readonly keysTtlMs: number;
  readonly drainTimeoutMs: number;
  /** Not ready but serving, on stop, before the drain (lifecycle.ts). */
  readonly shutdownGraceMs: number;
  /** `POST /relay` requests forwarded at once; more are shed with 503 (0: no limit). */
  readonly maxInFlight: number;
  /** Latency above which, for a whole window, the in-flight limit shrinks (0: the limit stays fixed). */
  readonly shedTargetMs: number;
}

export const RELAY_DEFAULTS = {
  gatewayUrl: localUrl("gateway", "/gateway"),
  maxBodyBytes: 64 * 1024,
  maxResponseBytes: 1024 * 1024,
  timeoutMs: 10_000,
  rateLimit: 600,
  rateWindowMs: 60_000,
  rateTableSize: 100_000,
  trustProxy: 0,
  keysTtlMs: 5 * 60_000,
  drainTimeoutMs: 15_000,
  maxInFlight: 256,
} as const;

/** Request bodies and gateway answers are held in memory, so their limits are bounded too. */
const MAX_BYTES = 16 * 1024 * 1024;

function gatewayTarget(env: EnvReader, name: string, fallback: string): URL | undefined {
  const url = env.url(name, fallback);
  if (url === undefined) return undefined;
  // Userinfo is a credential for the gateway, and nothing but the body may be sent: refused, not dropped.
  if (url.username !== "" || url.password !== "") {
    env.invalid(name, "must not contain credentials");
    return undefined;
  }
  url.hash = "";
  return url;
}

/** RELAY_TRUSTED_PROXIES: comma-separated CIDRs, IPv4 or IPv6. */
function trustedProxyList(env: EnvReader, trustProxy: number): Cidr[] {
  const raw = env.string("RELAY_TRUSTED_PROXIES");
  if (raw === undefined || raw.trim() === "") {
    if (trustProxy > 0) env.invalid("RELAY_TRUSTED_PROXIES", "is required when RELAY_TRUST_PROXY is above 0: the proxies' addresses, as CIDRs such as 10.0.0.0/8");
    return [];
  }
  const cidrs = parseCidrList(raw);
  if (cidrs === undefined) {
    env.invalid("RELAY_TRUSTED_PROXIES", "must be comma-separated CIDRs such as 10.0.0.0/8, 2001:db8::/32 or 192.0.2.7");
    return [];
  }
  return cidrs;
}

export function loadRelayConfig(source: Readonly<Record<string, string | undefined>>): RelayConfig {
  const env = new EnvReader(source);
  const d = RELAY_DEFAULTS;
  const gateway = gatewayTarget(env, "RELAY_GATEWAY_URL", d.gatewayUrl);
  // Default: the gateway origin's `/ohttp-keys` (docs/design.md, default local interfaces).
  const keysFallback = new URL("/ohttp-keys", gateway?.origin ?? d.gatewayUrl).href;
  const keys = gatewayTarget(env, "RELAY_KEYS_URL", keysFallback);
  const config: Omit<RelayConfig, "trustedProxies"> = {
    ...readListenerSettings(env, "relay", d),
    gatewayUrl: gateway?.href ?? d.gatewayUrl,
    keysUrl: keys?.href ?? keysFallback,
    maxBodyBytes: env.int("RELAY_MAX_BODY", d.maxBodyBytes, { min: 1, max: MAX_BYTES }),
    maxResponseBytes: env.int("RELAY_MAX_RESPONSE", d.maxResponseBytes, { min: 1, max: MAX_BYTES }),
    timeoutMs: env.duration("RELAY_TIMEOUT", d.timeoutMs, { minMs: 1, maxMs: 300_000 }),
    rateLimit: {
      limit: env.int("RELAY_RATE_LIMIT", d.rateLimit, { min: 1, max: 1_000_000_000 }),
      windowMs: env.duration("RELAY_RATE_WINDOW", d.rateWindowMs, { minMs: 1000, maxMs: 86_400_000 }),
      tableSize: env.int("RELAY_RATE_TABLE_SIZE", d.rateTableSize, { min: 1, max: 10_000_000 }),
    },
    trustProxy: env.int("RELAY_TRUST_PROXY", d.trustProxy, { min: 0, max: 16 }),
    keysTtlMs: env.duration("RELAY_KEYS_TTL", d.keysTtlMs, { minMs: 1000, maxMs: 86_400_000 }),
    ...readShedSettings(env, "relay", d),
  };
  const trustedProxies = trustedProxyList(env, config.trustProxy);
  env.done();
  return deepFreeze({ ...config, trustedProxies });
}
