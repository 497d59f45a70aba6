/**
 * Where the gate's issuer token keys come from. A key is live when the gate both challenges with
 * it (`token-key` in WWW-Authenticate) and accepts tokens under it. Every client gets the same set
 * (key consistency, RFC 9576, and docs/design.md "Discovery, consistent for everyone"): `keys()`
 * depends on nothing but the directory and the clock, and returns one shared, unchanging array
 * until the set itself changes.
 */
import { MediaType, PrivacyPassError, TokenType, decodeIssuerDirectory } from "@oblivious/privacypass";
import { mediaType } from "@oblivious/service-kit";
import { CodedError } from "@oblivious/wire";
import type { Registry } from "prom-client";
import type { TokenGateLogger } from "./events.js";
import { createDirectoryMetrics, type DirectoryFailure, type DirectoryMetrics } from "./metrics.js";
import { tokenKeyFromSpki, type TokenKey, type TokenKeySource } from "./token-key.js";

export interface DirectoryKeySourceOptions {
  /** The issuer directory, RFC 9578 §4 (ISSUER_DIRECTORY_URL). */
  readonly url: string | URL;
  /** Longest time between refreshes; a shorter Cache-Control max-age wins. Default 5 minutes. */
  readonly refreshMs?: number;
  /** Shortest time between refreshes, whatever Cache-Control says. Default 10 s. */
  readonly minRefreshMs?: number;
  /** Wait after a failed fetch. Default 5 s. */
  readonly retryMs?: number;
  /** How long the last good directory is used while refreshes fail; then its keys are dropped. Default 1 day. */
  readonly maxStaleMs?: number;
  /** Default 5 s. */
  readonly timeoutMs?: number;
  /** Default 64 KiB. */
  readonly maxBytes?: number;
  readonly fetch?: typeof globalThis.fetch;
  readonly now?: () => number;
  readonly log?: TokenGateLogger;
  readonly registry?: Registry;
}

interface Listed {
  readonly key: TokenKey;
  /** Unix milliseconds; 0 when the directory gives no `not-before`. */
  readonly notBeforeMs: number;
}

/** A directory fetch that failed for a reason from metrics.ts's closed set. */
class DirectoryFetchError extends CodedError<DirectoryFailure> {
  override readonly name = "DirectoryFetchError";
  constructor(code: DirectoryFailure) {
    super(code, `issuer directory: ${code}`);
  }
}

const MAX_TIMER_MS = 2_147_483_647;

/** `s-maxage`, else `max-age`, in ms; 0 for `no-store`/`no-cache`; undefined when absent. */
export function cacheLifetimeMs(cacheControl: string | null): number | undefined {
  if (cacheControl === null) return undefined;
  const directives = new Map<string, string>();
  for (const part of cacheControl.split(",")) {
    const [name = "", value = ""] = part.split("=", 2).map((s) => s.trim().toLowerCase());
    if (name !== "" && !directives.has(name)) directives.set(name, value.replace(/^"(.*)"$/, "$1"));
  }
  if (directives.has("no-store") || directives.has("no-cache")) return 0;
  for (const name of ["s-maxage", "max-age"]) {
    const value = directives.get(name);
    if (value !== undefined && /^\d{1,10}$/.test(value)) return Number(value) * 1000;
  }
  return undefined;
}

async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new DirectoryFetchError("too_large");
  }
  if (response.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new DirectoryFetchError("too_large");
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function failureOf(error: unknown): DirectoryFailure {
  if (error instanceof DirectoryFetchError) return error.code;
  if (error instanceof PrivacyPassError) return "malformed";
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return "timeout";
  return "unreachable";
}

/**
 * The issuer directory (RFC 9578 §4), fetched at `start()` and refreshed in the background. Keys
 * of token type 2 are used once their `not-before` has passed. When a refresh fails, the last good
 * directory stays in use (for at most `maxStaleMs`); a directory that lists no usable key counts
 * as a failed refresh, so a broken issuer cannot empty the gate.
 */
export class DirectoryKeySource implements TokenKeySource {
  readonly #url: string;
  readonly #refreshMs: number;
  readonly #minRefreshMs: number;
  readonly #retryMs: number;
  readonly #maxStaleMs: number;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #fetch: typeof globalThis.fetch;
  readonly #now: () => number;
  readonly #log: TokenGateLogger | undefined;
  readonly #metrics: DirectoryMetrics | undefined;
  #listed: readonly Listed[] = [];
  #loadedAt = Number.NEGATIVE_INFINITY;
  #live: readonly TokenKey[] = Object.freeze([]);
  /** `#live` is valid until this time (the next `not-before`, or the staleness limit). */
  #liveUntil = Number.NEGATIVE_INFINITY;
  #expiredReported = false;
  /** Delay before the next refresh after a good fetch (from Cache-Control, within bounds). */
  #nextDelay = 0;
  #inflight: Promise<boolean> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: DirectoryKeySourceOptions) {
    this.#url = String(options.url);
    this.#refreshMs = options.refreshMs ?? 300_000;
    this.#minRefreshMs = Math.min(options.minRefreshMs ?? 10_000, this.#refreshMs);
    this.#retryMs = options.retryMs ?? 5_000;
    this.#maxStaleMs = options.maxStaleMs ?? 86_400_000;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#maxBytes = options.maxBytes ?? 64 * 1024;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#now = options.now ?? Date.now;
    this.#log = options.log;
    this.#metrics = options.registry === undefined ? undefined : createDirectoryMetrics(options.registry);
  }

  /** Fetches once, then keeps refreshing until `stop()`. Resolves false if the first fetch failed. */
  async start(): Promise<boolean> {
    this.#stopped = false;
    const ok = await this.refresh();
    this.#schedule(ok ? this.#nextDelay : this.#retryMs);
    return ok;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  keys(): readonly TokenKey[] {
    const now = this.#now();
    if (now >= this.#liveUntil) this.#recompute(now);
    return this.#live;
  }

  /** One fetch now (concurrent callers share it). True when a usable directory was loaded. */
  refresh(): Promise<boolean> {
    this.#inflight ??= this.#fetchOnce().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      void this.refresh().then((ok) => this.#schedule(ok ? this.#nextDelay : this.#retryMs));
    }, Math.min(delayMs, MAX_TIMER_MS));
    this.#timer.unref();
  }

  async #fetchOnce(): Promise<boolean> {
    try {
      const response = await this.#fetch(this.#url, {
        headers: { accept: MediaType.IssuerDirectory },
        redirect: "error",
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new DirectoryFetchError("bad_status");
      }
      if (mediaType(response.headers.get("content-type") ?? undefined) !== MediaType.IssuerDirectory) {
        await response.body?.cancel();
        throw new DirectoryFetchError("bad_media_type");
      }
      const body = await readLimited(response, this.#maxBytes);
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(body);
      } catch {
        throw new DirectoryFetchError("malformed");
      }
      const listed = this.#parse(text);
      const changed = !sameListing(listed, this.#listed);
      if (changed) this.#listed = listed;
      this.#loadedAt = this.#now();
      this.#expiredReported = false;
      this.#liveUntil = Number.NEGATIVE_INFINITY;
      const lifetime = cacheLifetimeMs(response.headers.get("cache-control"));
      this.#nextDelay = Math.max(this.#minRefreshMs, Math.min(this.#refreshMs, lifetime ?? this.#refreshMs));
      const live = this.keys().length;
      this.#metrics?.fetch("ok");
      this.#log?.event("token_gate.directory_refreshed", {
        live,
        pending: this.#listed.length - live,
        changed,
        nextRefreshS: Math.round(this.#nextDelay / 1000),
      });
      return true;
    } catch (error) {
      const reason = failureOf(error);
      this.#metrics?.fetch(reason);
      this.#log?.event("token_gate.directory_fetch_failed", { reason, stale: this.#listed.length > 0 });
      return false;
    }
  }

  /** The type-2 keys of a directory; keys of other types are skipped (RFC 9578 §4). */
  #parse(text: string): readonly Listed[] {
    const directory = decodeIssuerDirectory(text);
    const previous = new Map(this.#listed.map((l) => [Buffer.from(l.key.tokenKey).toString("base64"), l.key]));
    const listed: Listed[] = [];
    const seen = new Set<string>();
    for (const entry of directory.tokenKeys) {
      if (entry.tokenType !== TokenType.BlindRsa2048) continue;
      const id = Buffer.from(entry.tokenKey).toString("base64");
      if (seen.has(id)) continue;
      seen.add(id);
      // The same key keeps the same object, so an unchanged directory changes nothing.
      const key = previous.get(id) ?? tokenKeyFromSpki(entry.tokenKey);
      listed.push(Object.freeze({ key, notBeforeMs: entry.notBefore === undefined ? 0 : entry.notBefore * 1000 }));
    }
    if (listed.length === 0) throw new DirectoryFetchError("no_keys");
    return Object.freeze(listed);
  }

  #recompute(now: number): void {
    const staleAt = this.#loadedAt + this.#maxStaleMs;
    if (now >= staleAt) {
      if (this.#listed.length > 0 && !this.#expiredReported) {
        this.#expiredReported = true;
        this.#log?.event("token_gate.directory_expired");
      }
      this.#setLive([]);
      this.#liveUntil = Number.POSITIVE_INFINITY;
      // A successful refresh resets `#liveUntil`.
      return;
    }
    let until = staleAt;
    const live: TokenKey[] = [];
    for (const l of this.#listed) {
      if (l.notBeforeMs <= now) live.push(l.key);
      else until = Math.min(until, l.notBeforeMs);
    }
    this.#setLive(live);
    this.#liveUntil = until;
  }

  #setLive(live: readonly TokenKey[]): void {
    const same = live.length === this.#live.length && live.every((k, i) => k === this.#live[i]);
    if (!same) this.#live = Object.freeze([...live]);
  }
}

function sameListing(a: readonly Listed[], b: readonly Listed[]): boolean {
  return a.length === b.length && a.every((l, i) => l.key === b[i]?.key && l.notBeforeMs === b[i]?.notBeforeMs);
}
