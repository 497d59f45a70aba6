/**
 * ONE table of queries, run against both engines: the embedded MiniSearch index and a real
 * Meilisearch (started by the test). Both must pass every row.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { EmbeddedSearchEngine } from "../src/engine-embedded.js";
import { MeiliSearchEngine } from "../src/engine-meilisearch.js";
import { type SearchEngine, type SearchQuery, type SearchResult } from "../src/engine.js";
import { realCatalogue } from "./helpers.js";
import { startTestMeili } from "./meili-harness.js";

const CAT = ["1f408", "1f431", "1f408-200d-2b1b"];
const DOG = ["1f415", "1f436"];
const ELEPHANT = ["1f418"];

type Expectation =
  | { readonly kind: "topContains"; readonly n: number; readonly ids: readonly string[] }
  | { readonly kind: "topExcludes"; readonly n: number; readonly ids: readonly string[] }
  | { readonly kind: "empty" }
  | { readonly kind: "allInPack"; readonly pack: string; readonly atLeast: number }
  | { readonly kind: "count"; readonly hits: number }
  | { readonly kind: "keywordsContain"; readonly id: string; readonly word: string };

interface Case {
  readonly name: string;
  readonly query: Partial<SearchQuery> & { readonly q: string; readonly locale: string };
  readonly expect: readonly Expectation[];
}

const top = (n: number, ids: readonly string[]): Expectation => ({ kind: "topContains", n, ids });

export const CONFORMANCE: readonly Case[] = [
  { name: "English word", query: { q: "cat", locale: "en" }, expect: [top(3, CAT)] },
  { name: "case-insensitive", query: { q: "CAT", locale: "en" }, expect: [top(3, CAT)] },
  { name: "prefix (as-you-type): kat finds Katze", query: { q: "kat", locale: "de" }, expect: [top(5, CAT)] },
  { name: "prefix: eleph finds elephant", query: { q: "eleph", locale: "en" }, expect: [top(1, ELEPHANT)] },
  { name: "typo: elefnat finds Elefant", query: { q: "elefnat", locale: "de" }, expect: [top(1, ELEPHANT)] },
  { name: "typo: elephnat finds elephant", query: { q: "elephnat", locale: "en" }, expect: [top(1, ELEPHANT)] },
  { name: "typo: elepant (a letter missing)", query: { q: "elepant", locale: "en" }, expect: [top(1, ELEPHANT)] },
  { name: "German: Hund", query: { q: "Hund", locale: "de" }, expect: [top(3, DOG)] },
  { name: "Japanese kanji 猫 finds the cat stickers", query: { q: "猫", locale: "ja" }, expect: [top(5, CAT)] },
  { name: "Japanese kanji 犬 finds the dog stickers", query: { q: "犬", locale: "ja" }, expect: [top(5, DOG)] },
  { name: "Japanese katakana ネコ", query: { q: "ネコ", locale: "ja" }, expect: [top(1, CAT)] },
  { name: "Chinese 猫", query: { q: "猫", locale: "zh" }, expect: [top(3, CAT)] },
  { name: "Korean 고양이", query: { q: "고양이", locale: "ko" }, expect: [top(3, CAT)] },
  { name: "French: chat", query: { q: "chat", locale: "fr" }, expect: [top(5, CAT)] },
  { name: "Spanish: perro", query: { q: "perro", locale: "es" }, expect: [top(3, DOG)] },
  { name: "Russian: кошка", query: { q: "кошка", locale: "ru" }, expect: [top(3, CAT)] },
  { name: "Polish: kot", query: { q: "kot", locale: "pl" }, expect: [top(5, CAT)] },
  { name: "display keywords are the query locale's", query: { q: "katze", locale: "de" }, expect: [{ kind: "keywordsContain", id: "1f408", word: "katze" }] },
  { name: "pack filter", query: { q: "cat", locale: "en", pack: "smileys-emotion" }, expect: [{ kind: "allInPack", pack: "smileys-emotion", atLeast: 5 }] },
  { name: "pack filter excludes the animal", query: { q: "cat", locale: "en", pack: "smileys-emotion" }, expect: [{ kind: "topExcludes", n: 50, ids: ["1f408"] }] },
  { name: "limit", query: { q: "face", locale: "en", limit: 3 }, expect: [{ kind: "count", hits: 3 }] },
  { name: "unknown word → empty", query: { q: "xqzvwpt", locale: "en" }, expect: [{ kind: "empty" }] },
  { name: "locale isolation: a German word in English", query: { q: "katze", locale: "en" }, expect: [{ kind: "topExcludes", n: 50, ids: CAT }] },
  { name: "locale isolation: Japanese in English", query: { q: "猫", locale: "en" }, expect: [{ kind: "empty" }] },
  { name: "locale isolation: English in Japanese", query: { q: "elephant", locale: "ja" }, expect: [{ kind: "empty" }] },
];

function check(result: SearchResult, expectation: Expectation, label: string): void {
  const ids = result.hits.map((h) => h.id);
  switch (expectation.kind) {
    case "topContains":
      assert.ok(ids.slice(0, expectation.n).some((id) => expectation.ids.includes(id)), `${label}: top ${expectation.n} ${JSON.stringify(ids.slice(0, expectation.n))} lacks ${expectation.ids.join("/")}`);
      return;
    case "topExcludes":
      assert.ok(!ids.slice(0, expectation.n).some((id) => expectation.ids.includes(id)), `${label}: ${JSON.stringify(ids)} holds one of ${expectation.ids.join("/")}`);
      return;
    case "empty":
      assert.deepEqual(ids, [], label);
      assert.equal(result.total, 0, label);
      return;
    case "allInPack":
      assert.ok(result.hits.length >= expectation.atLeast, `${label}: ${result.hits.length} hits`);
      for (const h of result.hits) assert.equal(h.pack, expectation.pack, label);
      return;
    case "count":
      assert.equal(result.hits.length, expectation.hits, label);
      assert.ok(result.total >= expectation.hits, label);
      return;
    case "keywordsContain": {
      const hit = result.hits.find((h) => h.id === expectation.id);
      assert.ok(hit !== undefined, `${label}: ${expectation.id} not found`);
      assert.ok(hit.keywords.includes(expectation.word), `${label}: ${JSON.stringify(hit.keywords)}`);
      assert.equal(hit.emoji, realCatalogue().stickers.find((s) => s.id === expectation.id)?.emoji, label);
    }
  }
}

function conformance(name: string, make: () => Promise<{ engine: SearchEngine; cleanup?: () => Promise<void> }>): void {
  describe(`conformance: ${name}`, () => {
    let engine: SearchEngine;
    let cleanup: (() => Promise<void>) | undefined;
    before(async () => {
      ({ engine, cleanup } = await make());
    });
    after(async () => {
      await engine.close();
      await cleanup?.();
    });

    test("the table of queries", async () => {
      assert.equal(engine.ready(), true);
      for (const c of CONFORMANCE) {
        const result = await engine.search({ limit: 10, offset: 0, ...c.query });
        for (const e of c.expect) check(result, e, `${name} / ${c.name}`);
      }
    });

    test("pagination: consecutive pages do not overlap and agree with one large page", async () => {
      const q = { q: "face", locale: "en" };
      const big = await engine.search({ ...q, limit: 30, offset: 0 });
      const pages = [0, 10, 20].map((offset) => engine.search({ ...q, limit: 10, offset }));
      const ids = (await Promise.all(pages)).flatMap((p) => p.hits.map((h) => h.id));
      assert.equal(ids.length, 30);
      assert.equal(new Set(ids).size, 30, "no sticker on two pages");
      assert.deepEqual(ids, big.hits.map((h) => h.id));
      assert.ok(big.total >= 30);
      const beyond = await engine.search({ ...q, limit: 10, offset: big.total });
      assert.equal(beyond.hits.length, 0);
    });
  });
}

conformance("embedded", async () => {
  const engine = new EmbeddedSearchEngine();
  await engine.load(realCatalogue());
  return { engine };
});

conformance("meilisearch", async () => {
  const meili = await startTestMeili();
  try {
    const engine = new MeiliSearchEngine({ url: meili.url, adminKey: meili.masterKey, index: "stickers" });
    await engine.load(realCatalogue());
    return { engine, cleanup: () => meili.destroy() };
  } catch (error) {
    await meili.destroy();
    throw error;
  }
});
