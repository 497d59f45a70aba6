/**
 * A fixed-window rate limit per client address, keeping no address.
 *
 * Privacy: the table is keyed by HMAC-SHA-256(windowKey, subject), truncated to 128 bits. The
 * window key is random, lives only in this object, and is replaced (and the old one zeroed)
 * together with the whole table when a window ends, even with no traffic. A hash from an earlier
 * window can therefore not be recomputed or linked to a later one: nothing here outlives one
 * window. Addresses, hashes and keys are never logged or exported.
 *
 * Bounded memory: at most `tableSize` entries (about 100 bytes each). When a new subject arrives
 * at a full table, the least recently seen entry is evicted. The alternatives are worse:
 * refusing new subjects would let anyone holding `tableSize` addresses lock every new client out
 * for the rest of the window with one request per address; letting them through uncounted would
 * be a bypass. With eviction no client is refused for lack of room, and an entry that is still
 * sending stays at the recent end, so regaining a budget by eviction costs `tableSize` requests
 * from fresh addresses between two requests of the evicted one. Someone holding that many
 * addresses can already send `tableSize × limit` requests per window without evicting anybody,
 * so eviction gives an attacker nothing they did not have. Evictions are counted, so operators
 * can size the table.
 *
 * This is the only file of the relay that may import node:crypto, and only for the keyed hash
 * and its random key (an architectural test checks this).
 */
import { createHmac, randomBytes } from "node:crypto";
import type { RateLimitConfig } from "./config.js";
import { rateLimitSubject } from "./client-address.js";

export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterS: number };

export interface RateLimiterOptions extends RateLimitConfig {
  /** Milliseconds since the epoch; injected by tests. */
  readonly now?: () => number;
  /** A fresh window key; injected by tests that count rotations. */
  readonly newKey?: () => Buffer;
  /** Called for every entry evicted from a full table. */
  readonly onEvict?: () => void;
  /** Called once per window, the first time the table is full. */
  readonly onFull?: () => void;
}

const HASH_BYTES = 16;

export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #tableSize: number;
  readonly #now: () => number;
  readonly #newKey: () => Buffer;
  readonly #onEvict: () => void;
  readonly #onFull: () => void;
  #window = -1;
  #key: Buffer = Buffer.alloc(0);
  /** Keyed hash → requests in this window; Map order is least recently seen first. */
  #counts = new Map<string, number>();
  #fullReported = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RateLimiterOptions) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#tableSize = options.tableSize;
    this.#now = options.now ?? Date.now;
    this.#newKey = options.newKey ?? ((): Buffer => randomBytes(32));
    this.#onEvict = options.onEvict ?? ((): void => undefined);
    this.#onFull = options.onFull ?? ((): void => undefined);
    this.#rotate(this.#now());
  }

  /** Entries in the current window (for a gauge). */
  get size(): number {
    return this.#counts.size;
  }

  /** Counts one request from `address` and says whether it may proceed. */
  check(address: string): RateDecision {
    const now = this.#now();
    this.#rotate(now);
    const id = createHmac("sha256", this.#key).update(rateLimitSubject(address)).digest().toString("base64url", 0, HASH_BYTES);
    const previous = this.#counts.get(id);
    if (previous === undefined) {
      if (this.#counts.size >= this.#tableSize) this.#evictOldest();
    } else {
      // Re-inserting moves the entry to the recent end.
      this.#counts.delete(id);
    }
    const count = Math.min((previous ?? 0) + 1, this.#limit + 1);
    this.#counts.set(id, count);
    if (count <= this.#limit) return { allowed: true };
    const windowEnd = (this.#window + 1) * this.#windowMs;
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil((windowEnd - now) / 1000)) };
  }

  /**
   * Rotates at every window boundary even when no request arrives, so no hash or key outlives
   * its window. The timer does not keep the process alive.
   */
  startRotation(): void {
    if (this.#timer !== undefined) return;
    const schedule = (): void => {
      const now = this.#now();
      const next = (Math.floor(now / this.#windowMs) + 1) * this.#windowMs;
      this.#timer = setTimeout(() => {
        this.#rotate(this.#now());
        schedule();
      }, next - now + 1);
      this.#timer.unref();
    };
    schedule();
  }

  /** Stops the rotation timer and forgets the table and its key. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#counts.clear();
    this.#key.fill(0);
  }

  #rotate(now: number): void {
    const window = Math.floor(now / this.#windowMs);
    if (window === this.#window) return;
    this.#window = window;
    this.#key.fill(0);
    this.#key = this.#newKey();
    // A new Map rather than clear(): a large table's storage is released at once.
    this.#counts = new Map();
    this.#fullReported = false;
  }

  #evictOldest(): void {
    if (!this.#fullReported) {
      this.#fullReported = true;
      this.#onFull();
    }
    const oldest = this.#counts.keys().next();
    if (oldest.done === true) return;
    this.#counts.delete(oldest.value);
    this.#onEvict();
  }
}
