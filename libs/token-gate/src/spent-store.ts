/**
 * Spend-once of token nonces (RFC 9577 §2.2: "Origins SHOULD implement some form of double-spend
 * prevention that prevents a token with the same nonce from being redeemed twice"). With an
 * empty redemption context the state must be shared by every replica until the token key expires
 * (RFC 9577 §2.1.1), hence Redis in production.
 *
 * What is stored is `SHA-256(token_key_id || nonce)` and nothing else (docs/design.md: an origin
 * "keeps only a hash of each spent token nonce, until its key expires"; Redis holds "spent-token
 * hashes"). Never the token, never the nonce.
 *
 * Both stores fail closed: a store that cannot answer throws `StoreError`, and the gate
 * answers 503 without serving.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { ReplicaAck, StoreError, StoreErrorCode } from "@oblivious/service-kit";

export interface SpentTokenStore {
  /**
   * Records `key` for `ttlMs`. True the first time (the token may be served), false when it was
   * already spent; throws `StoreError` when it cannot tell.
   */
  spend(key: Uint8Array, ttlMs: number): Promise<boolean>;
  /** Whether a spend can succeed now (readiness). */
  ready(): boolean;
}

/** The key under which a token is spent: SHA-256(token_key_id || nonce), 32 bytes. */
export function spentTokenKey(tokenKeyId: Uint8Array, nonce: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(tokenKeyId).update(nonce).digest());
}

export interface MemorySpentStoreOptions {
  /** Most entries held at once (about 150 bytes each); when full of live entries, spends fail closed. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

export const DEFAULT_MEMORY_MAX_ENTRIES = 1_000_000;

/**
 * In memory, for one replica (the embedded default). Bounded and expiring: an entry lives for its
 * TTL; a full table is never made room in by forgetting a live entry (that would allow a double
 * spend) but refuses the spend instead, which the gate answers with 503.
 *
 * TTLs differ per token key, so insertion order is only roughly expiry order: expired entries are
 * swept from the front as they come, and a full table is swept entirely, at most once per earliest
 * expiry it found, so a full table of live entries costs O(1) per refused spend.
 */
export class MemorySpentTokenStore implements SpentTokenStore {
  readonly #entries = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** No full sweep can free anything before this time. */
  #nextFullSweep = 0;

  constructor(options: MemorySpentStoreOptions = {}) {
    this.#maxEntries = options.maxEntries ?? DEFAULT_MEMORY_MAX_ENTRIES;
    this.#now = options.now ?? Date.now;
    if (!Number.isSafeInteger(this.#maxEntries) || this.#maxEntries < 1) throw new RangeError("maxEntries must be a positive integer");
  }

  get size(): number {
    return this.#entries.size;
  }

  async spend(key: Uint8Array, ttlMs: number): Promise<boolean> {
    const now = this.#now();
    // latin1: one character per byte, the cheapest exact string key for a 32-byte hash.
    const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
    const expiry = this.#entries.get(id);
    if (expiry !== undefined && expiry > now) return false;
    this.#entries.delete(id);
    this.#sweepFront(now);
    if (this.#entries.size >= this.#maxEntries) this.#sweepAll(now);
    if (this.#entries.size >= this.#maxEntries) throw new StoreError("spent-token store", StoreErrorCode.Full);
    this.#entries.set(id, now + ttlMs);
    return true;
  }

  ready(): boolean {
    return true;
  }

  #sweepFront(now: number): void {
    for (const [id, expiry] of this.#entries) {
      if (expiry > now) break;
      this.#entries.delete(id);
    }
  }

  #sweepAll(now: number): void {
    if (now < this.#nextFullSweep) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [id, expiry] of this.#entries) {
      if (expiry <= now) this.#entries.delete(id);
      else if (expiry < earliest) earliest = expiry;
    }
    this.#nextFullSweep = earliest;
  }
}

export interface RedisSpentStoreOptions {
  /** Appended to the connection's own key prefix; default `spent:`. */
  readonly keyPrefix?: string;
  /** Replicas that must hold a spend before it counts (REDIS_MIN_REPLICAS_ACK); default 0. */
  readonly minReplicasAck?: number;
  /** How long to wait for them (REDIS_REPLICA_ACK_TIMEOUT); default 200 ms. */
  readonly replicaAckTimeoutMs?: number;
}

/**
 * Shared by every replica: `SET <prefix>spent:<hex hash> 1 NX PX <ttl>`, one atomic round trip,
 * so of any number of concurrent spends of one token exactly one gets "OK". The connection is
 * service-kit's `createRedis` (no offline queue, fails fast, reconnects by itself), so while
 * Redis is down each spend throws at once and the first spend after it is back succeeds.
 *
 * Replication is asynchronous: a spend the primary acknowledged may be lost with it, and the
 * promoted replica would accept the token again. With `minReplicasAck` > 0 a spend counts only
 * once that many replicas acknowledged it (WAIT, service-kit's ReplicaAck); otherwise the gate
 * answers 503 and the token is burned at worst, never spent twice (docs/decisions/0023-durable-spends.md).
 */
export class RedisSpentTokenStore implements SpentTokenStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ack: ReplicaAck;

  constructor(redis: Redis, options: RedisSpentStoreOptions = {}) {
    this.#redis = redis;
    this.#prefix = options.keyPrefix ?? "spent:";
    this.#ack = new ReplicaAck(redis, { minReplicas: options.minReplicasAck ?? 0, timeoutMs: options.replicaAckTimeoutMs ?? 200 });
  }

  async spend(key: Uint8Array, ttlMs: number): Promise<boolean> {
    const name = this.#prefix + Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("hex");
    let reply: string | null;
    try {
      // Only a first spend needs the replicas: a refusal is safe whatever happens next.
      reply = await this.#ack.durable(
        () => this.#redis.set(name, "1", "PX", Math.max(1, Math.ceil(ttlMs)), "NX"),
        (r) => r === "OK",
      );
    } catch {
      throw new StoreError("spent-token store", StoreErrorCode.Unavailable);
    }
    return reply === "OK";
  }

  ready(): boolean {
    return this.#redis.status === "ready";
  }
}
