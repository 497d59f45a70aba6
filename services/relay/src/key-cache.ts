/**
 * The gateway's key configuration (`application/ohttp-keys`), cached and served to every client
 * as the same bytes. RFC 9458, Section 7 (and Privacy Pass key consistency, RFC 9576): a
 * gateway that gave each client its own key could link requests to clients, so nothing here
 * depends on who asks. The relay does not parse the configuration (it has no OHTTP code); it
 * checks only the status, media type and size of what it caches.
 *
 * - Fresh for `ttlMs`, or for the gateway's own `s-maxage`/`max-age` if that is shorter (the
 *   relay is a shared cache, RFC 9111, Section 5.2.2.10), but at least one second.
 * - Concurrent misses share one fetch.
 * - If a refresh fails and a copy exists, the copy is served stale (`max-age=0`) and the
 *   refresh is retried no sooner than `retryMs` later, so a down gateway is not hammered.
 * - With nothing cached and the gateway unreachable, `get` rejects with KeysUnavailableError.
 */
import { mediaType } from "@oblivious/service-kit";
import { GatewayError, type GatewayAnswer } from "./forward.js";

export const KEYS_MEDIA_TYPE = "application/ohttp-keys";
const MIN_TTL_MS = 1000;

export const KeyFetchFailure = {
  Timeout: "timeout",
  Unreachable: "unreachable",
  TooLarge: "too-large",
  Protocol: "protocol",
  BadStatus: "bad-status",
  BadMediaType: "bad-media-type",
  Empty: "empty",
} as const;
export type KeyFetchFailure = (typeof KeyFetchFailure)[keyof typeof KeyFetchFailure];

export type KeyCacheResult = "hit" | "miss" | "stale";

export interface KeyConfigAnswer {
  /** The same Buffer for every client until the next refresh. */
  readonly body: Buffer;
  /** Seconds the client may keep it (0 when stale). */
  readonly maxAgeS: number;
  readonly result: KeyCacheResult;
}

export class KeysUnavailableError extends Error {
  override readonly name = "KeysUnavailableError";
  constructor() {
    super("no key configuration available");
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

class KeyFetchError extends Error {
  readonly reason: KeyFetchFailure;
  constructor(reason: KeyFetchFailure) {
    super(reason);
    this.reason = reason;
  }
}

/** `s-maxage`, else `max-age`, in milliseconds; undefined if neither is given. */
export function sharedMaxAgeMs(cacheControl: string | undefined): number | undefined {
  if (cacheControl === undefined) return undefined;
  const directives = new Map<string, string>();
  for (const part of cacheControl.split(",")) {
    const [name = "", value = ""] = part.split("=", 2).map((s) => s.trim().toLowerCase());
    if (name !== "" && !directives.has(name)) directives.set(name, value.replace(/^"(.*)"$/, "$1"));
  }
  for (const name of ["s-maxage", "max-age"]) {
    const value = directives.get(name);
    if (value !== undefined && /^\d+$/.test(value)) return Number(value) * 1000;
  }
  return undefined;
}

function failureOf(error: unknown): KeyFetchFailure {
  if (error instanceof KeyFetchError) return error.reason;
  if (error instanceof GatewayError) {
    switch (error.code) {
      case "timeout":
        return KeyFetchFailure.Timeout;
      case "too-large":
        return KeyFetchFailure.TooLarge;
      case "protocol":
        return KeyFetchFailure.Protocol;
      case "unreachable":
        return KeyFetchFailure.Unreachable;
    }
  }
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
    this.#ttlMs = Math.max(MIN_TTL_MS, options.ttlMs);
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
      if (kept === undefined) throw new KeysUnavailableError();
      return { body: kept.body, maxAgeS: 0, result: "stale" };
    }
  }

  #answer(entry: Entry, result: KeyCacheResult): KeyConfigAnswer {
    // Rounded up: a whole second just fetched reads as max-age=1, not 0.
    return { body: entry.body, maxAgeS: Math.max(0, Math.ceil((entry.expiresAt - this.#now()) / 1000)), result };
  }

  #refresh(): Promise<Entry> {
    this.#inflight ??= this.#fetchOnce().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetchOnce(): Promise<Entry> {
    try {
      const answer = await this.#fetch();
      if (answer.status !== 200) throw new KeyFetchError(KeyFetchFailure.BadStatus);
      if (mediaType(answer.contentType) !== KEYS_MEDIA_TYPE) throw new KeyFetchError(KeyFetchFailure.BadMediaType);
      if (answer.body.length === 0) throw new KeyFetchError(KeyFetchFailure.Empty);
      const ttlMs = Math.max(MIN_TTL_MS, Math.min(this.#ttlMs, sharedMaxAgeMs(answer.cacheControl) ?? this.#ttlMs));
      // A copy of its own: the answer's Buffer may be a view into a pooled allocation.
      const entry = { body: Buffer.from(answer.body), expiresAt: this.#now() + ttlMs };
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
