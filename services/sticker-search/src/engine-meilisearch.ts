/**
 * The Meilisearch engine: one document per sticker with per-locale fields (`name_de`, `tags_de`,
 * `n_de`), searched with `attributesToSearchOn` restricted to the query's locale, so locales are
 * isolated as in the embedded engine.
 *
 * Set-up runs with the admin key: index settings, a batched import into a fresh index that is
 * then swapped in atomically (searches never see a half-imported catalogue), a digest so that an
 * unchanged catalogue is not imported again, and a search-only key scoped to the index. Searches
 * use that key alone. Any failure to answer (unreachable, timeout, an error status) is an
 * EngineUnavailableError, which the service answers with 503; nothing from Meilisearch's error (which
 * can quote the request) is kept.
 */
import { createHash } from "node:crypto";
import { Meilisearch, MeilisearchApiError, MeilisearchRequestTimeOutError, type Settings } from "meilisearch";
import type { Catalogue, Sticker } from "./catalogue.js";
import { EngineUnavailableError, MAX_WINDOW, type SearchEngine, type SearchHit, type SearchQuery, type SearchResult, type UnavailableReason } from "./engine.js";

export interface MeiliEngineOptions {
  readonly url: string;
  /** Admin key (or master key): set-up, import, and creating the search key. Not needed with a search key and no import. */
  readonly adminKey?: string;
  /** A search-only key to use; created (with a fixed uid, so every replica shares it) when absent. */
  readonly searchKey?: string;
  /** Default `stickers`. */
  readonly index?: string;
  /** Import the catalogue at `load()` (default); false when the index is managed by `catalogue-cli import`. */
  readonly importCatalogue?: boolean;
  /** Per request to Meilisearch. Default 2 s. */
  readonly timeoutMs?: number;
  /** How long to wait for an import task. Default 10 minutes. */
  readonly importTimeoutMs?: number;
  /** Readiness probe interval. Default 2 s. */
  readonly probeMs?: number;
  /** Health transitions, for the service's log. */
  readonly onHealth?: (healthy: boolean, reason?: UnavailableReason) => void;
}

/** Bump when the settings or document shape change: forces a re-import. */
const SCHEMA_VERSION = "2";
const BATCH = 10_000;

/** Meilisearch's segmenters for scripts without spaces (charabia); other locales use the default. */
const MEILI_LOCALES: Readonly<Record<string, string>> = { ja: "jpn", zh: "cmn", "zh-hant": "cmn", ko: "kor", th: "tha" };

/** A locale as a field-name suffix (`zh-hant` → `zh_hant`): filter and sort syntax has no `-`. */
function suffix(locale: string): string {
  return locale.replace(/-/g, "_");
}

/**
 * Index settings. Ranking: all words, then fewer typos, proximity, exactness; then `sort` by the
 * number of keywords (a sticker whose few keywords include the query is a better answer than one
 * that mentions it among many, like BM25's length normalisation in the embedded engine), then the
 * attribute (name before tags). Typos: one from 5 characters, two from 7, as in text.ts.
 */
export function meiliSettings(locales: readonly string[]): Settings {
  return {
    searchableAttributes: locales.flatMap((l) => [`name_${suffix(l)}`, `tags_${suffix(l)}`]),
    filterableAttributes: ["pack"],
    sortableAttributes: locales.map((l) => `n_${suffix(l)}`),
    displayedAttributes: ["*"],
    rankingRules: ["words", "typo", "proximity", "exactness", "sort", "attribute"],
    typoTolerance: { enabled: true, minWordSizeForTypos: { oneTypo: 5, twoTypos: 7 } },
    localizedAttributes: locales
      .filter((l) => MEILI_LOCALES[l] !== undefined)
      .map((l) => ({ attributePatterns: [`*_${suffix(l)}`], locales: [MEILI_LOCALES[l] ?? ""] })),
    pagination: { maxTotalHits: MAX_WINDOW },
  };
}

export function meiliDocuments(catalogue: Catalogue): Record<string, unknown>[] {
  return catalogue.stickers.map((s) => {
    const doc: Record<string, unknown> = { id: s.id, emoji: s.emoji, pack: s.pack };
    for (const l of catalogue.locales) {
      const [name = "", ...tags] = s.keywords[l] ?? [];
      doc[`name_${suffix(l)}`] = name;
      doc[`tags_${suffix(l)}`] = tags;
      doc[`n_${suffix(l)}`] = tags.length + 1;
    }
    return doc;
  });
}

function digestOf(catalogue: Catalogue): string {
  return createHash("sha256").update(SCHEMA_VERSION).update(JSON.stringify(catalogue)).digest("hex");
}

/** A fixed UUID v4 for the search key of `index`, so replicas find the key another one made. */
export function searchKeyUid(index: string): string {
  const h = createHash("sha256").update(`sticker-search/search-key/${index}`).digest("hex");
  const variant = ((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function unavailableReason(error: unknown): UnavailableReason {
  if (error instanceof MeilisearchRequestTimeOutError) return "timeout";
  if (error instanceof MeilisearchApiError) return "rejected";
  return "unreachable";
}

function isNotFound(error: unknown): boolean {
  return error instanceof MeilisearchApiError && error.response.status === 404;
}

/**
 * Pushes a catalogue into `index` (settings, documents, swap), unless the index already holds
 * this exact catalogue. Used by `load()` and by `catalogue-cli import`. Returns whether it imported.
 */
export async function importIntoMeilisearch(
  admin: Meilisearch,
  index: string,
  catalogue: Catalogue,
  options: { readonly timeoutMs?: number; readonly force?: boolean } = {},
): Promise<boolean> {
  const wait = { timeout: options.timeoutMs ?? 600_000, interval: 100 };
  const meta = `${index}-meta`;
  const next = `${index}-next`;
  const digest = digestOf(catalogue);
  if (options.force !== true) {
    try {
      const stored = await admin.index(meta).getDocument("catalogue");
      if (stored["digest"] === digest) {
        await admin.index(index).getStats();
        return false;
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  await admin.deleteIndexIfExists(next);
  await admin.createIndex(next, { primaryKey: "id" }).waitTask(wait);
  await admin.index(next).updateSettings(meiliSettings(catalogue.locales)).waitTask(wait);
  const docs = meiliDocuments(catalogue);
  for (let i = 0; i < docs.length; i += BATCH) {
    const task = await admin.index(next).addDocuments(docs.slice(i, i + BATCH)).waitTask(wait);
    if (task.status !== "succeeded") throw new Error(`meilisearch import: task ${task.uid} ${task.status}`);
  }
  try {
    await admin.getIndex(index);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await admin.createIndex(index, { primaryKey: "id" }).waitTask(wait);
  }
  const swap = await admin.swapIndexes([{ indexes: [index, next], rename: false }]).waitTask(wait);
  if (swap.status !== "succeeded") throw new Error(`meilisearch import: swap ${swap.status}`);
  await admin.deleteIndex(next).waitTask(wait);
  await admin.index(meta).addDocuments([{ id: "catalogue", digest }], { primaryKey: "id" }).waitTask(wait);
  return true;
}

export class MeiliSearchEngine implements SearchEngine {
  readonly name = "meilisearch" as const;
  readonly #options: MeiliEngineOptions;
  readonly #index: string;
  readonly #timeoutMs: number;
  #client: Meilisearch | undefined;
  /** The catalogue the index was loaded from: hits are ids, their stickers come from here. */
  #byId: ReadonlyMap<string, Sticker> = new Map();
  #healthy = false;
  #probe: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: MeiliEngineOptions) {
    this.#options = options;
    this.#index = options.index ?? "stickers";
    this.#timeoutMs = options.timeoutMs ?? 2000;
  }

  async load(catalogue: Catalogue): Promise<void> {
    const { adminKey, searchKey } = this.#options;
    const importing = this.#options.importCatalogue !== false;
    if (adminKey === undefined && (importing || searchKey === undefined)) throw new TypeError("meilisearch: an admin key is needed to import or to create the search key");
    const admin = adminKey === undefined ? undefined : new Meilisearch({ host: this.#options.url, apiKey: adminKey, timeout: this.#timeoutMs });
    try {
      if (importing && admin !== undefined) await importIntoMeilisearch(admin, this.#index, catalogue, { ...(this.#options.importTimeoutMs === undefined ? {} : { timeoutMs: this.#options.importTimeoutMs }) });
      const key = searchKey ?? (admin === undefined ? "" : await this.#searchKey(admin));
      this.#byId = new Map(catalogue.stickers.map((sticker) => [sticker.id, sticker]));
      this.#client = new Meilisearch({ host: this.#options.url, apiKey: key, timeout: this.#timeoutMs });
      this.#setHealth(true);
      this.#startProbe();
    } catch (error) {
      this.#setHealth(false, unavailableReason(error));
      throw new EngineUnavailableError(unavailableReason(error));
    }
  }

  async #searchKey(admin: Meilisearch): Promise<string> {
    const uid = searchKeyUid(this.#index);
    try {
      return (await admin.getKey(uid)).key;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const created = await admin.createKey({
      uid,
      name: `sticker-search ${this.#index}`,
      description: "search only, created by sticker-search",
      actions: ["search"],
      indexes: [this.#index],
      expiresAt: null,
    });
    return created.key;
  }

  #setHealth(healthy: boolean, reason?: UnavailableReason): void {
    if (healthy === this.#healthy) return;
    this.#healthy = healthy;
    this.#options.onHealth?.(healthy, reason);
  }

  /** While unhealthy, /health is polled so readiness comes back without waiting for traffic. */
  #startProbe(): void {
    if (this.#probe !== undefined || this.#closed) return;
    this.#probe = setInterval(() => {
      if (this.#healthy || this.#client === undefined) return;
      this.#client.health().then(
        () => this.#setHealth(true),
        () => undefined,
      );
    }, this.#options.probeMs ?? 2000);
    this.#probe.unref();
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const client = this.#client;
    if (client === undefined) throw new EngineUnavailableError("not_loaded");
    const l = suffix(query.locale);
    const meiliLocale = MEILI_LOCALES[query.locale];
    let response;
    try {
      response = await client.index(this.#index).search(query.q, {
        attributesToSearchOn: [`name_${l}`, `tags_${l}`],
        // Ids only; the stickers come from the catalogue in memory. Larger answers wait out the
        // client's delayed ACK (Nagle on the server's socket), which the client cannot turn off
        // (docs/decisions/0010-ids-only-meilisearch-answers.md).
        attributesToRetrieve: ["id"],
        sort: [`n_${l}:asc`],
        limit: query.limit,
        offset: query.offset,
        // The pack is one of the catalogue's ids ([a-z0-9-]), checked by the app.
        ...(query.pack === undefined ? {} : { filter: `pack = "${query.pack}"` }),
        ...(meiliLocale === undefined ? {} : { locales: [meiliLocale] }),
      });
    } catch (error) {
      const reason = unavailableReason(error);
      this.#setHealth(false, reason);
      throw new EngineUnavailableError(reason);
    }
    this.#setHealth(true);
    const hits: SearchHit[] = [];
    for (const h of response.hits) {
      // An id the catalogue does not know (an index imported from another catalogue) is skipped.
      const sticker = this.#byId.get(String(h["id"]));
      if (sticker !== undefined) hits.push({ id: sticker.id, emoji: sticker.emoji, pack: sticker.pack, keywords: sticker.keywords[query.locale] ?? [] });
    }
    return { hits, total: Math.min(response.estimatedTotalHits ?? hits.length, MAX_WINDOW) };
  }

  ready(): boolean {
    return this.#client !== undefined && this.#healthy;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#probe);
    this.#probe = undefined;
  }
}
