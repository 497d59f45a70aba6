/**
 * The replay cache of RFC 9458 §6.5.1: "Storing just the `enc` field of a request, which should
 * be unique to each request, is sufficient." A request whose `enc` was already claimed within
 * the window is refused and not forwarded.
 *
 * Two implementations of one interface:
 * - in memory (the default): bounded and expiring, for one replica;
 * - in Redis (REDIS_URL): `<prefix>replay:<sha256(enc)>`, shared by every replica. Redis keeps a
 *   hash of `enc` only (docs/design.md: "replay cache of enc hashes").
 * Either fails closed: a cache that cannot answer throws `StoreError`, and the gateway
 * answers 503 without forwarding.
 *
 * Invariant, for both: an entry claimed at `at` for `ttlMs` refuses every claim made at any
 * instant up to and including `at + ttlMs`; it expires only after that instant. The gateway
 * passes the instant of the request's `Date` check as `at`, so the cache judges a request at the
 * very instant the window was judged (see `replayTtlMs` in date.ts for why that closes the window).
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { ReplicaAck, StoreError, StoreErrorCode, type ReplicaAckOptions } from "@oblivious/service-kit";

export interface ReplayCache {
  /**
   * Records `enc`, claimed at `at` (ms since the epoch, the gateway's clock), until `at + ttlMs`
   * inclusive. True the first time, false for a replay; throws `StoreError` when it
   * cannot tell.
   */
  claim(enc: Uint8Array, at: number, ttlMs: number): boolean | Promise<boolean>;
  /** Whether claims can succeed now (readiness). */
  ready(): boolean;
  close(): Promise<void>;
}

export interface MemoryReplayOptions {
  /** Most entries held at once; when full of live entries, claims fail closed. */
  readonly maxEntries: number;
}

/**
 * In memory. A Map from `enc` to its expiry answers claims; a queue of (key, expiry) in claim
 * order drives expiry. With one TTL for all, claim order is expiry order, so expired entries are
 * swept from the queue's head in amortised O(1).
 *
 * The queue is not the Map's own insertion order on purpose: V8 leaves a hole for each deleted
 * Map entry until the table is rebuilt, and every `for...of` starts again at the first slot, so
 * sweeping from the front of a Map that deletes as fast as it inserts skips over up to a whole
 * table of holes per claim, a cost that grows within minutes under load
 * (docs/decisions/0012-replay-cache-expiry-queue.md).
 */
export class MemoryReplayCache implements ReplayCache {
  readonly #entries = new Map<string, number>();
  readonly #options: MemoryReplayOptions;
  /** Claimed keys and their expiries, oldest first from `#head`; compacted when half is spent. */
  #queueKeys: string[] = [];
  #queueExpiries: number[] = [];
  #head = 0;

  constructor(options: MemoryReplayOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#entries.size;
  }

  claim(enc: Uint8Array, at: number, ttlMs: number): boolean {
    // latin1: one character per byte, the cheapest exact string key for 32 random bytes.
    const key = Buffer.from(enc.buffer, enc.byteOffset, enc.byteLength).toString("latin1");
    const expiry = this.#entries.get(key);
    // Live up to and including its expiry instant.
    if (expiry !== undefined && at <= expiry) return false;
    this.#sweep(at);
    if (this.#entries.size >= this.#options.maxEntries) throw new StoreError("replay cache", StoreErrorCode.Full);
    this.#entries.set(key, at + ttlMs);
    this.#queueKeys.push(key);
    this.#queueExpiries.push(at + ttlMs);
    return true;
  }

  /** Drops the entries expired at `now`: those whose expiry is strictly before it. */
  #sweep(now: number): void {
    const keys = this.#queueKeys;
    const expiries = this.#queueExpiries;
    let head = this.#head;
    for (; head < keys.length; head++) {
      const expiry = expiries[head] ?? 0;
      if (expiry >= now) break;
      const key = keys[head] ?? "";
      // A key claimed again after it expired has a later expiry in the Map, and a later place in the queue.
      if (this.#entries.get(key) === expiry) this.#entries.delete(key);
    }
    if (head >= 1024 && head * 2 >= keys.length) {
      this.#queueKeys = keys.slice(head);
      this.#queueExpiries = expiries.slice(head);
      head = 0;
    }
    this.#head = head;
  }

  ready(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#queueKeys = [];
    this.#queueExpiries = [];
    this.#head = 0;
  }
}

/**
 * How much longer than its logical lifetime an entry is kept in Redis. The verdict is taken on
 * the gateway's clock (the claim's `at`), but Redis deletes a key on its own clock, counted from
 * when the first claim reached it; the replay's claim reaches Redis later than its `at`, by at
 * most service-kit's command timeout (500 ms: a slower claim is answered 503, never forwarded).
 * The key must still exist then, so it outlives its logical expiry by more than that. `PXAT`/`EXAT`
 * would not help: they set Redis's expiry from the gateway's clock but Redis compares it with its
 * own (another host's), and `EXAT` rounds to whole seconds.
 */
export const REDIS_EXPIRY_SLACK_MS = 2000;

/**
 * One atomic step: a live entry (stored expiry >= the claim's instant) refuses the claim;
 * otherwise the entry is written with its expiry as the value and a Redis lifetime of
 * ttl + slack. The comparison, not Redis's own expiry, decides, so the edge is exact and on the
 * same clock as the `Date` check.
 *   KEYS[1] = replay:<hash>   ARGV[1] = at   ARGV[2] = at + ttl   ARGV[3] = ttl + slack (ms)
 */
const CLAIM_SCRIPT = `local stored = redis.call('GET', KEYS[1])
if stored and tonumber(stored) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

/**
 * Shared by replicas through Redis. The connection is service-kit's fail-closed one. With
 * `minReplicasAck` > 0 a claim counts only once that many replicas hold it, so a failover cannot
 * forget it and let the same request through again (docs/decisions/0023-durable-spends.md).
 */
export class RedisReplayCache implements ReplayCache {
  readonly #redis: Redis;
  readonly #ack: ReplicaAck;

  constructor(redis: Redis, options: ReplicaAckOptions = { minReplicas: 0, timeoutMs: 200 }) {
    this.#redis = redis;
    this.#ack = new ReplicaAck(redis, options);
  }

  async claim(enc: Uint8Array, at: number, ttlMs: number): Promise<boolean> {
    const key = `replay:${createHash("sha256").update(enc).digest("base64url")}`;
    let reply: unknown;
    try {
      reply = await this.#ack.durable(() => this.#redis.eval(CLAIM_SCRIPT, 1, key, at, at + ttlMs, ttlMs + REDIS_EXPIRY_SLACK_MS), (r) => r === 1);
    } catch {
      throw new StoreError("replay cache", StoreErrorCode.Unavailable);
    }
    return reply === 1;
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
