/**
 * The one interface both search engines implement: the embedded MiniSearch index (default) and
 * Meilisearch. The conformance suite (test/conformance.test.ts) runs the same table of queries
 * against both.
 */
import { CodedError } from "@oblivious/wire";
import type { Catalogue } from "./catalogue.js";

export const ENGINE_NAMES = ["embedded", "meilisearch"] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface SearchQuery {
  /** The user's text; already bounded and validated by the app. */
  readonly q: string;
  /** One of the catalogue's locales: only that locale's keywords are searched. */
  readonly locale: string;
  readonly limit: number;
  readonly offset: number;
  /** Only stickers of this pack. */
  readonly pack?: string;
}

export interface SearchHit {
  readonly id: string;
  readonly emoji: string;
  readonly pack: string;
  /** The sticker's keywords in the query's locale, for display (the name first). */
  readonly keywords: readonly string[];
}

export interface SearchResult {
  /** Best first. */
  readonly hits: readonly SearchHit[];
  /** How many stickers matched in all (Meilisearch: its estimate, exact up to its 1,000 cap). */
  readonly total: number;
}

export interface SearchEngine {
  readonly name: EngineName;
  /** Indexes (or, for Meilisearch, sets up and imports) a catalogue; replaces the previous one. */
  load(catalogue: Catalogue): Promise<void>;
  /** Throws EngineUnavailableError when it cannot answer now (the service answers 503). */
  search(query: SearchQuery): Promise<SearchResult>;
  /** Loaded, and the backing server (if any) answered lately. */
  ready(): boolean;
  close(): Promise<void>;
}

/** Why a search could not be answered; a closed set, for logs and metrics. */
export const UNAVAILABLE_REASONS = ["not_loaded", "unreachable", "timeout", "rejected"] as const;
export type UnavailableReason = (typeof UNAVAILABLE_REASONS)[number];

/** The engine cannot answer now; carries a reason from a closed set and never a backend message. */
export class EngineUnavailableError extends CodedError<UnavailableReason> {
  override readonly name = "EngineUnavailableError";
  constructor(code: UnavailableReason) {
    super(code, `search engine unavailable: ${code}`);
  }
}

/** Most results either engine pages through (Meilisearch's default `maxTotalHits`). */
export const MAX_WINDOW = 1000;
