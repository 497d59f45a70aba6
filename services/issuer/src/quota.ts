/**
 * Quotas: at most ISSUER_QUOTA tokens per device per ISSUER_QUOTA_PERIOD. A window opens at a
 * device's first token and lasts one period; a request for n tokens (a batch of n counts n) that
 * would take the count over the limit is refused whole, and nothing is counted for it.
 *
 * Counters are kept under the device's keyed pseudonym (pseudonym.ts), never its id, and expire
 * with their window. Two implementations of one interface:
 * - in memory (the embedded default): bounded and expiring, for one replica;
 * - in Redis (REDIS_URL): one Lua script per request (read, compare, INCRBY, PEXPIRE), atomic
 *   across replicas; the key is `<prefix>quota:<pseudonym>`, the value a count.
 * Either fails closed: a store that cannot answer throws StoreError, and the issuer answers 503
 * without signing.
 */
import type { Redis } from "ioredis";
import { StoreError, StoreErrorCode } from "@oblivious/service-kit";

export type QuotaDecision =
  | { readonly allowed: true; readonly used: number }
  | { readonly allowed: false; /** Until the window ends. */ readonly retryAfterMs: number };

export interface QuotaStore {
  /** Counts `n` tokens for `pseudonym` if they fit; throws StoreError when it cannot tell. */
  consume(pseudonym: string, n: number): Promise<QuotaDecision>;
  /** Gives back tokens counted for a request that then failed (best effort). */
  refund(pseudonym: string, n: number): Promise<void>;
  ready(): boolean;
  close(): Promise<void>;
}

export interface QuotaLimits {
  /** Tokens per window. */
  readonly limit: number;
  readonly periodMs: number;
}

export interface MemoryQuotaOptions extends QuotaLimits {
  readonly now: () => number;
  /** Most windows held at once; when full of live windows, requests fail closed. */
  readonly maxEntries: number;
}

/**
 * In memory. Windows are kept in a Map in the order they opened; with one period for all, that is
 * also the order they end, so ended windows are swept from the front in amortised O(1).
 */
export class MemoryQuotaStore implements QuotaStore {
  readonly #windows = new Map<string, { used: number; endsAt: number }>();
  readonly #options: MemoryQuotaOptions;

  constructor(options: MemoryQuotaOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#windows.size;
  }

  /** The pseudonyms held (for tests that check what is stored). */
  keys(): string[] {
    return [...this.#windows.keys()];
  }

  async consume(pseudonym: string, n: number): Promise<QuotaDecision> {
    const { limit, periodMs, now: clock, maxEntries } = this.#options;
    const now = clock();
    this.#sweep(now);
    let window = this.#windows.get(pseudonym);
    if (window !== undefined && window.endsAt <= now) {
      this.#windows.delete(pseudonym);
      window = undefined;
    }
    const used = window?.used ?? 0;
    if (used + n > limit) return { allowed: false, retryAfterMs: window === undefined ? periodMs : window.endsAt - now };
    if (window === undefined) {
      if (this.#windows.size >= maxEntries) throw new StoreError("quota store", StoreErrorCode.Full);
      window = { used: 0, endsAt: now + periodMs };
      this.#windows.set(pseudonym, window);
    }
    window.used += n;
    return { allowed: true, used: window.used };
  }

  async refund(pseudonym: string, n: number): Promise<void> {
    const window = this.#windows.get(pseudonym);
    if (window !== undefined) window.used = Math.max(0, window.used - n);
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) {
      if (window.endsAt > now) break;
      this.#windows.delete(key);
    }
  }

  ready(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.#windows.clear();
  }
}

/**
 * KEYS[1] the counter; ARGV n, limit, period (ms). Returns {allowed (0|1), ms until the window
 * ends, count}. A refused request changes nothing but a missing expiry (self-healing).
 */
const CONSUME = `
local n = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -1 then
  redis.call('PEXPIRE', KEYS[1], period)
  ttl = period
end
if used + n > limit then
  if ttl < 0 then ttl = period end
  return {0, ttl, used}
end
local total = redis.call('INCRBY', KEYS[1], n)
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], period)
  ttl = period
end
return {1, ttl, total}
`;

/** Gives tokens back only to a window that still exists; never creates one. */
const REFUND = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('DECRBY', KEYS[1], ARGV[1])
end
return 0
`;

/** Shared by replicas through Redis. The connection is service-kit's fail-closed one. */
export class RedisQuotaStore implements QuotaStore {
  readonly #redis: Redis;
  readonly #limits: QuotaLimits;

  constructor(redis: Redis, limits: QuotaLimits) {
    this.#redis = redis;
    this.#limits = limits;
  }

  /** A store with other limits on the same connection (ARC credentials); close only one of them. */
  withLimits(limits: QuotaLimits): RedisQuotaStore {
    return new RedisQuotaStore(this.#redis, limits);
  }

  static key(pseudonym: string): string {
    return `quota:${pseudonym}`;
  }

  async consume(pseudonym: string, n: number): Promise<QuotaDecision> {
    let reply: unknown;
    try {
      reply = await this.#redis.eval(CONSUME, 1, RedisQuotaStore.key(pseudonym), n, this.#limits.limit, this.#limits.periodMs);
    } catch {
      throw new StoreError("quota store", StoreErrorCode.Unavailable);
    }
    if (!Array.isArray(reply) || reply.length !== 3 || !reply.every((v) => typeof v === "number")) throw new StoreError("quota store", StoreErrorCode.Unavailable);
    const [allowed, ttl, used] = reply as [number, number, number];
    return allowed === 1 ? { allowed: true, used } : { allowed: false, retryAfterMs: ttl };
  }

  async refund(pseudonym: string, n: number): Promise<void> {
    try {
      await this.#redis.eval(REFUND, 1, RedisQuotaStore.key(pseudonym), n);
    } catch {
      // Best effort: the tokens were not issued; at worst the device gets fewer this period.
    }
  }

  ready(): boolean {
    return this.#redis.status === "ready";
  }

  async close(): Promise<void> {
    try {
      await this.#redis.quit();
    } catch {
      this.#redis.disconnect();
    }
  }
}
