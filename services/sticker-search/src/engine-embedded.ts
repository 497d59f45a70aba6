/**
 * The embedded engine (default): one in-process MiniSearch index per locale.
 *
 * Why MiniSearch (docs/decisions/0013-embedded-search-engine.md): of the in-process JavaScript
 * engines the project tried it gave the best typo recall: a real bounded edit distance per term
 * on a radix tree (`elefnat` finds `elefant`), prefix search for as-you-type queries, BM25 ranking
 * with per-field boosts, no native code and no server.
 *
 * One index per locale makes locale isolation structural: a German query cannot match English
 * keywords. Document ids are positions in the catalogue's sticker array.
 */
import MiniSearch from "minisearch";
import type { Catalogue, Sticker } from "./catalogue.js";
import { EngineUnavailableError, MAX_WINDOW, type SearchEngine, type SearchHit, type SearchQuery, type SearchResult } from "./engine.js";
import { indexGrams, normaliseTerm, queryTerms, typoBudget, words } from "./text.js";

interface IndexedDoc {
  readonly i: number;
  readonly name: string;
  readonly tags: string;
  readonly grams: string;
}

/** Field weights: a sticker's name over its tags, whole words over CJK character n-grams. */
const BOOST = { name: 3, tags: 1.5, grams: 0.5 } as const;

interface Loaded {
  readonly stickers: readonly Sticker[];
  readonly indexes: ReadonlyMap<string, MiniSearch<IndexedDoc>>;
}

/**
 * Tags whose words are all in the name already ("pouting cat": cat, pouting) are left out of the
 * tags field: BM25 sums the fields, and a repeated word would rank "pouting cat" above "cat" for
 * the query `cat`. Meilisearch does not count repeats either (its `words` rule counts query words).
 */
function distinctTags(name: string, tags: readonly string[], cache: Map<string, string>): string[] {
  const normal = (w: string): string => cache.get(w) ?? normaliseTerm(w);
  const nameWords = new Set(words(name).map(normal));
  return tags.filter((t) => !words(t).every((w) => nameWords.has(normal(w))));
}

/** Normalisation memoised while indexing (keywords repeat a lot); `cache` is dropped after load. */
function createIndex(cache: Map<string, string>): MiniSearch<IndexedDoc> {
  return new MiniSearch<IndexedDoc>({
    idField: "i",
    fields: ["name", "tags", "grams"],
    storeFields: [],
    tokenize: (text, field) => (field === "grams" ? indexGrams(text) : words(text)),
    processTerm: (term) => {
      let normal = cache.get(term);
      if (normal === undefined) {
        normal = normaliseTerm(term);
        cache.set(term, normal);
      }
      return normal;
    },
    searchOptions: {
      tokenize: queryTerms,
      processTerm: (term) => normaliseTerm(term),
      boost: { ...BOOST },
      // As-you-type: only the last word can be unfinished (Meilisearch does the same), so only it
      // matches as a prefix; a finished common word ("face") expanded as a prefix scored most of
      // a large catalogue.
      prefix: (_term, i, terms) => i === terms.length - 1,
      fuzzy: (term) => typoBudget(term),
      combineWith: "OR",
    },
  });
}

export class EmbeddedSearchEngine implements SearchEngine {
  readonly name = "embedded" as const;
  #loaded: Loaded | undefined;

  async load(catalogue: Catalogue): Promise<void> {
    const indexes = new Map<string, MiniSearch<IndexedDoc>>();
    const cache = new Map<string, string>();
    for (const locale of catalogue.locales) {
      const index = createIndex(cache);
      index.addAll(
        catalogue.stickers.map((s, i) => {
          const [name = "", ...tags] = s.keywords[locale] ?? [];
          // A newline between tags keeps words and n-grams from running across two keywords.
          return { i, name, tags: distinctTags(name, tags, cache).join("\n"), grams: [name, ...tags].join("\n") };
        }),
      );
      indexes.set(locale, index);
    }
    this.#loaded = { stickers: catalogue.stickers, indexes };
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const loaded = this.#loaded;
    if (loaded === undefined) throw new EngineUnavailableError("not_loaded");
    const index = loaded.indexes.get(query.locale);
    if (index === undefined) return { hits: [], total: 0 };
    const { pack } = query;
    const filter = pack === undefined ? {} : { filter: (r: { id: unknown }) => loaded.stickers[r.id as number]?.pack === pack };
    // Every word first, as Meilisearch's `words` rule ranks; only when that finds nothing, any
    // word. Besides relevance, it keeps a common word from scoring most of a large catalogue:
    // "happy face" OR-combined scored every "face" sticker (0013).
    let results = index.search(query.q, { ...filter, combineWith: "AND" });
    if (results.length === 0) results = index.search(query.q, { ...filter, combineWith: "OR" });
    const total = Math.min(results.length, MAX_WINDOW);
    const hits: SearchHit[] = [];
    for (const r of results.slice(query.offset, Math.min(query.offset + query.limit, MAX_WINDOW))) {
      const sticker = loaded.stickers[r.id as number];
      if (sticker === undefined) continue;
      hits.push({ id: sticker.id, emoji: sticker.emoji, pack: sticker.pack, keywords: sticker.keywords[query.locale] ?? [] });
    }
    return { hits, total };
  }

  ready(): boolean {
    return this.#loaded !== undefined;
  }

  async close(): Promise<void> {
    this.#loaded = undefined;
  }
}
