/**
 * The gateway's key configuration (`application/ohttp-keys`), cached and served to every client
 * as the same bytes. RFC 9458, Section 7 (and Privacy Pass key consistency, RFC 9576): a
 * gateway that gave each client its own key could link requests to clients, so nothing here
 * depends on who asks. The relay does not parse the configuration (it has no OHTTP code); it
 * checks only the status, media type and size of what it caches.
 *
 * - Fresh for the gateway's own `s-maxage`/`max-age` (the relay is a shared cache, RFC 9111,
 *   Section 5.2.2.10), never longer than `ttlMs` (the relay's own bound, which also applies when
 *   the gateway gives none), and not at all under `no-store`, `no-cache` or `private`. The
 *   lifetime counts from when the fetch was sent, not when its answer came (RFC 9111, Section
 *   4.2.3: the response delay is part of the age), so the relay never serves a listing past the
 *   instant the gateway's `max-age` allowed, and it tells clients the whole seconds left, rounded
 *   down, so a client that honours them does not either. The gateway's max-age never runs past a
 *   listed key's retirement (services/gateway, keys.ts): a listed key is still accepted whenever
 *   the relay serves it fresh.
 * - Concurrent misses share one fetch.
 * - If a refresh fails and a copy exists, the copy is served stale (`max-age=0`; RFC 9111,
 *   Section 4.2.4, a cache disconnected from its origin) and the refresh is retried no sooner
 *   than `retryMs` later, so a down gateway is not hammered. This is the one case where a listing
 *   is served past its max-age.
 * - With nothing cached and the gateway unreachable, `get` rejects with KeyCacheError `unavailable`.
 */
import { mediaType } from "@oblivious/service-kit";
import { CodedError } from "@oblivious/wire";
import { GatewayError, GatewayErrorCode, type GatewayAnswer } from "./forward.js";

export const KEYS_MEDIA_TYPE = "application/ohttp-keys";

/** A failed key fetch: the forward's own failures (GatewayErrorCode), or an answer that is no key configuration. */
export const KeyFetchFailure = {
  ...GatewayErrorCode,
  BadStatus: "bad-status",
  BadMediaType: "bad-media-type",
  Empty: "empty",
} as const;
export type KeyFetchFailure = (typeof KeyFetchFailure)[keyof typeof KeyFetchFailure];

export type KeyCacheResult = "hit" | "miss" | "stale";

export interface KeyConfigAnswer {
  /** The same Buffer for every client until the next refresh. */
  readonly body: Buffer;
  /** Whole seconds the client may keep it, rounded down (0 when stale). */
  readonly maxAgeS: number;
  readonly result: KeyCacheResult;
}

export const KeyCacheErrorCode = {
  /** Nothing cached and nothing usable from the gateway. */
  Unavailable: "unavailable",
} as const;
export type KeyCacheErrorCode = (typeof KeyCacheErrorCode)[keyof typeof KeyCacheErrorCode];

export class KeyCacheError extends CodedError<KeyCacheErrorCode> {
  override readonly name = "KeyCacheError";
  constructor(code: KeyCacheErrorCode) {
    super(code, `key configuration: ${code}`);
  }
}

export interface KeyCacheOptions {
  readonly fetch: () => Promise<GatewayAnswer>;
  readonly ttlMs: number;
  /** Wait after a failed refresh while a stale copy is served; default min(ttlMs, 5 s). */
  readonly retryMs?: number;
  readonly now?: () => number;
  /** Told about each upstream fetch: its outcome, and for a successful one the freshness chosen. */
  readonly onFetch?: (outcome: { ok: true; ttlMs: number; bytes: number } | { ok: false; reason: KeyFetchFailure; stale: boolean }) => void;
}

interface Entry {
  readonly body: Buffer;
  readonly expiresAt: number;
}

class KeyFetchError extends CodedError<KeyFetchFailure> {
  override readonly name = "KeyFetchError";
  constructor(code: KeyFetchFailure) {
    super(code, `key fetch: ${code}`);
  }
}

/**
 * The freshness lifetime a shared cache may give an answer, in milliseconds: 0 for `no-store`,
 * `no-cache` or `private` (RFC 9111, Sections 5.2.2.3-5.2.2.7), else `s-maxage`, else `max-age`;
 * undefined if none of them is given.
 */
export function sharedMaxAgeMs(cacheControl: string | undefined): number | undefined {
  if (cacheControl === undefined) return undefined;
  const directives = new Map<string, string>();
  for (const part of cacheControl.split(",")) {
    const [name = "", value = ""] = part.split("=", 2).map((s) => s.trim().toLowerCase());
    if (name !== "" && !directives.has(name)) directives.set(name, value.replace(/^"(.*)"$/, "$1"));
  }
  if (directives.has("no-store") || directives.has("no-cache") || directives.has("private")) return 0;
  for (const name of ["s-maxage", "max-age"]) {
    const value = directives.get(name);
    if (value !== undefined && /^\d+$/.test(value)) return Number(value) * 1000;
  }
  return undefined;
}

function failureOf(error: unknown): KeyFetchFailure {
  if (error instanceof KeyFetchError) return error.code;
  if (error instanceof GatewayError) return error.code;
  return KeyFetchFailure.Unreachable;
}

export class KeyCache {
  readonly #fetch: () => Promise<GatewayAnswer>;
  readonly #ttlMs: number;
  readonly #retryMs: number;
  readonly #now: () => number;
  readonly #onFetch: NonNullable<KeyCacheOptions["onFetch"]>;
  #entry: Entry | undefined;
  #retryAt = 0;
  #inflight: Promise<Entry> | undefined;

  constructor(options: KeyCacheOptions) {
    this.#fetch = options.fetch;
    this.#ttlMs = Math.max(0, options.ttlMs);
    this.#retryMs = options.retryMs ?? Math.min(this.#ttlMs, 5000);
    this.#now = options.now ?? Date.now;
    this.#onFetch = options.onFetch ?? ((): void => undefined);
  }

  async get(): Promise<KeyConfigAnswer> {
    const entry = this.#entry;
    const now = this.#now();
    if (entry !== undefined && now < entry.expiresAt) return this.#answer(entry, "hit");
    if (entry !== undefined && now < this.#retryAt) return { body: entry.body, maxAgeS: 0, result: "stale" };
    try {
      return this.#answer(await this.#refresh(), "miss");
    } catch {
      const kept = this.#entry;
      if (kept === undefined) throw new KeyCacheError(KeyCacheErrorCode.Unavailable);
      return { body: kept.body, maxAgeS: 0, result: "stale" };
    }
  }

  #answer(entry: Entry, result: KeyCacheResult): KeyConfigAnswer {
    // Rounded down: a client that keeps it for maxAgeS never keeps it past the relay's own expiry.
    return { body: entry.body, maxAgeS: Math.max(0, Math.floor((entry.expiresAt - this.#now()) / 1000)), result };
  }

  #refresh(): Promise<Entry> {
    this.#inflight ??= this.#fetchOnce().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetchOnce(): Promise<Entry> {
    // The age of the answer starts when the request is sent (RFC 9111, Section 4.2.3).
    const requestedAt = this.#now();
    try {
      const answer = await this.#fetch();
      if (answer.status !== 200) throw new KeyFetchError(KeyFetchFailure.BadStatus);
      if (mediaType(answer.contentType) !== KEYS_MEDIA_TYPE) throw new KeyFetchError(KeyFetchFailure.BadMediaType);
      if (answer.body.length === 0) throw new KeyFetchError(KeyFetchFailure.Empty);
      const ttlMs = Math.min(this.#ttlMs, sharedMaxAgeMs(answer.cacheControl) ?? this.#ttlMs);
      // A copy of its own: the answer's Buffer may be a view into a pooled allocation. A lifetime
      // of 0 serves the requests that waited for this fetch, and the next one fetches again.
      const entry = { body: Buffer.from(answer.body), expiresAt: requestedAt + ttlMs };
      this.#entry = entry;
      this.#onFetch({ ok: true, ttlMs, bytes: entry.body.length });
      return entry;
    } catch (error) {
      this.#retryAt = this.#now() + this.#retryMs;
      this.#onFetch({ ok: false, reason: failureOf(error), stale: this.#entry !== undefined });
      throw error;
    }
  }
}
