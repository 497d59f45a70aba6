/**
 * The replay cache of RFC 9458 §6.5.1: "Storing just the `enc` field of a request, which should
 * be unique to each request, is sufficient." A request whose `enc` was already claimed within
 * the window is refused and not forwarded.
 *
 * Two implementations of one interface:
 * - in memory (the default): bounded and expiring, for one replica;
 * - in Redis (REDIS_URL): `SET <prefix>replay:<sha256(enc)> 1 NX PX <ttl>`, shared by every
 *   replica. Redis keeps a hash of `enc` only (DESIGN.md: "replay cache of enc hashes").
 * Either fails closed: a cache that cannot answer throws `ReplayUnavailable`, and the gateway
 * answers 503 without forwarding.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

export class ReplayUnavailable extends Error {
  override readonly name = "ReplayUnavailable";
  constructor() {
    super("replay cache unavailable");
  }
}

export interface ReplayCache {
  /**
   * Records `enc` for `ttlMs`. True the first time, false for a replay; throws
   * `ReplayUnavailable` when it cannot tell.
   */
  claim(enc: Uint8Array, ttlMs: number): boolean | Promise<boolean>;
  /** Whether claims can succeed now (readiness). */
  ready(): boolean;
  close(): Promise<void>;
}

export interface MemoryReplayOptions {
  readonly now: () => number;
  /** Most entries held at once; when full of live entries, claims fail closed. */
  readonly maxEntries: number;
}

/**
 * In memory. Entries are kept in insertion order in a Map; with one TTL for all, that is also
 * expiry order, so expired entries are swept from the front in amortised O(1).
 */
export class MemoryReplayCache implements ReplayCache {
  readonly #entries = new Map<string, number>();
  readonly #options: MemoryReplayOptions;

  constructor(options: MemoryReplayOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#entries.size;
  }

  claim(enc: Uint8Array, ttlMs: number): boolean {
    const now = this.#options.now();
    // latin1: one character per byte, the cheapest exact string key for 32 random bytes.
    const key = Buffer.from(enc.buffer, enc.byteOffset, enc.byteLength).toString("latin1");
    const expiry = this.#entries.get(key);
    if (expiry !== undefined && expiry > now) return false;
    this.#sweep(now);
    if (this.#entries.size >= this.#options.maxEntries) throw new ReplayUnavailable();
    this.#entries.delete(key);
    this.#entries.set(key, now + ttlMs);
    return true;
  }

  #sweep(now: number): void {
    for (const [key, expiry] of this.#entries) {
      if (expiry > now) break;
      this.#entries.delete(key);
    }
  }

  ready(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.#entries.clear();
  }
}

/** Shared by replicas through Redis. The connection is service-kit's fail-closed one. */
export class RedisReplayCache implements ReplayCache {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async claim(enc: Uint8Array, ttlMs: number): Promise<boolean> {
    const key = `replay:${createHash("sha256").update(enc).digest("base64url")}`;
    let reply: string | null;
    try {
      reply = await this.#redis.set(key, "1", "PX", ttlMs, "NX");
    } catch {
      throw new ReplayUnavailable();
    }
    return reply === "OK";
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
