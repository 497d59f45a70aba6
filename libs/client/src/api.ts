/** The client's public interface: its options, what it offers and what it counts. */
import type { Directory, KemName } from "./backend.js";
import type { ClientResponse, FetchInit } from "./call.js";
import type { StickerQuery, StickerSearchResult, TelemetryEvent, TelemetryResult } from "./features.js";

export interface ClientOptions {
  /** The relay's base URL: keys at `/ohttp-keys`, requests to `/relay`. */
  readonly relayUrl: string;
  /** The issuer's public base URL; token requests go to `/token-request` directly (issuance is device-keyed). */
  readonly issuerUrl: string;
  /** The device credential (a JWT from the account system), sent to the issuer only. */
  readonly credential: () => Promise<string> | string;
  /** The origin behind the gateway that serves the issuer directory. Default `https://issuer.internal`. */
  readonly directoryOrigin?: string;
  /** Default `globalThis.fetch`. */
  readonly fetch?: typeof globalThis.fetch;
  /** The device clock, Unix milliseconds. Default `Date.now`. */
  readonly now?: () => number;
  /** Tokens per issuance request. Default 8. */
  readonly batchSize?: number;
  /** A background top-up starts when a wallet holds fewer tokens than this. Default 2; 0 tops up only when empty. */
  readonly lowWater?: number;
  /**
   * Which token type to present (arc-wallet.ts): by default ARC when the origin offers it (and the
   * directory lists its key), else type 2; "2": type 2 only; "arc": ARC only (an origin without an
   * ARC challenge is refused with `untrusted-challenge`).
   */
  readonly tokenType?: "arc" | "2";
  /** WWW-Authenticate values known in advance, by origin; otherwise learnt from the first 401. */
  readonly challenges?: Readonly<Record<string, string>>;
}

/** Counters of what the client did; nothing in them identifies a call or a user. */
export interface ClientStats {
  readonly keyFetches: number;
  readonly directoryFetches: number;
  readonly relayRequests: number;
  readonly dateRetries: number;
  readonly keyRetries: number;
  readonly challengeRetries: number;
  /** Requests with no fields and no content that asked an origin for its challenge. */
  readonly challengeProbes: number;
  readonly issuanceRequests: number;
  readonly tokensIssued: number;
  /** ARC credentials received (each good for the origin's rate-limit presentations). */
  readonly credentialsIssued: number;
  readonly tokensSent: number;
}

export interface Client {
  /** One request to `origin` (e.g. `https://sticker-search.internal`) through relay and gateway. */
  fetch(origin: string, init: FetchInit): Promise<ClientResponse>;
  /** POST /v1/search at `https://sticker-search.internal`. */
  searchStickers(query: StickerQuery): Promise<StickerSearchResult>;
  /** POST /v1/events at `https://telemetry.internal`. */
  sendTelemetry(events: readonly TelemetryEvent[]): Promise<TelemetryResult>;
  /** The pinned issuer directory, fetched through the relay on first use. */
  directory(): Promise<Directory>;
  /** Tokens held for an origin's current challenge (for ARC: presentations left on its credential). */
  tokenCount(origin: string): number;
  /** Resolves when no background top-up is in flight. */
  idle(): Promise<void>;
  /** Milliseconds added to the device clock, learnt from the gateway's Date. */
  readonly clockOffsetMs: number;
  /** The KEM of the pinned gateway key configuration; undefined before the keys are fetched. */
  readonly kem: KemName | undefined;
  stats(): ClientStats;
}
