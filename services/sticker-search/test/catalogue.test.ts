/** The catalogue: real data, its invariants, the JSON file round trip, the synthetic generator, the CLI. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { DEFAULT_LOCALES } from "../src/catalogue-emojibase.js";
import { generateSyntheticCatalogue } from "../src/catalogue-synthetic.js";
import { CatalogueError, parseCatalogue, readCatalogueFile, selectLocales } from "../src/catalogue.js";
import { realCatalogue } from "./helpers.js";

const run = promisify(execFile);
const CLI = new URL("../src/catalogue-cli.js", import.meta.url).pathname;

test("the real catalogue: emoji groups as packs, ~1,900 stickers, every default locale, names first", () => {
  const c = realCatalogue();
  assert.deepEqual(c.locales, [...DEFAULT_LOCALES]);
  assert.ok(c.stickers.length > 1800, `${c.stickers.length} stickers`);
  assert.deepEqual(c.packs.map((p) => p.id), ["smileys-emotion", "people-body", "animals-nature", "food-drink", "travel-places", "activities", "objects", "symbols", "flags"]);
  assert.equal(c.packs.find((p) => p.id === "animals-nature")?.names["de"], "Tiere & Natur");
  const cat = c.stickers.find((s) => s.id === "1f408");
  assert.equal(cat?.pack, "animals-nature");
  assert.equal(cat?.keywords["en"]?.[0], "cat");
  assert.equal(cat?.keywords["de"]?.[0], "katze");
  assert.equal(cat?.keywords["ja"]?.[0], "ネコ");
  assert.ok(cat?.keywords["ja"]?.includes("猫"));
  assert.equal(new Set(c.stickers.map((s) => s.id)).size, c.stickers.length, "ids are unique");
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.stickers) && Object.isFrozen(cat?.keywords));
});

test("parseCatalogue accepts its own JSON and rejects broken catalogues with a CatalogueError", () => {
  const c = selectLocales(realCatalogue(), ["en", "ja"]);
  const round = parseCatalogue(JSON.parse(JSON.stringify(c)));
  assert.deepEqual(round, c);
  const json = JSON.parse(JSON.stringify(c)) as { stickers: { id: string; pack: string; keywords: Record<string, unknown> }[]; locales: string[]; version: number };
  const broken = [
    { ...json, version: 2 },
    { ...json, locales: [] },
    { ...json, stickers: [json.stickers[0], json.stickers[0]] },
    { ...json, stickers: [{ ...json.stickers[0], pack: "nope" }] },
    { ...json, stickers: [{ ...json.stickers[0], keywords: { en: ["cat"] } }] },
    { ...json, stickers: [{ ...json.stickers[0], id: "Has Space" }] },
  ];
  for (const b of broken) assert.throws(() => parseCatalogue(b), CatalogueError);
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      try {
        parseCatalogue(v);
      } catch (e) {
        assert.ok(e instanceof CatalogueError);
      }
    }),
  );
});

test("synthetic: deterministic per seed, real vocabulary, the requested size", () => {
  const source = selectLocales(realCatalogue(), ["en", "de", "ja"]);
  const a = generateSyntheticCatalogue({ count: 2000, seed: 7, source });
  const b = generateSyntheticCatalogue({ count: 2000, seed: 7, source });
  const other = generateSyntheticCatalogue({ count: 2000, seed: 8, source });
  assert.equal(a.stickers.length, 2000);
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  assert.notEqual(JSON.stringify(a), JSON.stringify(other));
  const vocabulary = new Set(source.stickers.flatMap((s) => s.keywords["en"] ?? []));
  const words = a.stickers.flatMap((s) => (s.keywords["en"] ?? []).slice(1));
  assert.ok(words.every((w) => vocabulary.has(w)), "tags come from the real vocabulary");
  assert.ok(a.stickers.some((s) => s.keywords["de"]?.includes("katze")));
  assert.deepEqual(parseCatalogue(JSON.parse(JSON.stringify(a))).stickers.length, 2000);
});

test("catalogue-cli: build and synthetic write files the service can read", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sticker-catalogue-"));
  try {
    await run(process.execPath, [CLI, "build", "--out", join(dir, "real.json"), "--locales", "en,de,ja"]);
    const real = await readCatalogueFile(join(dir, "real.json"));
    assert.deepEqual(real.locales, ["en", "de", "ja"]);
    assert.ok(real.stickers.length > 1800);
    await run(process.execPath, [CLI, "synthetic", "--count", "100000", "--seed", "3", "--out", join(dir, "big.json")]);
    const big = await readCatalogueFile(join(dir, "big.json"));
    assert.equal(big.stickers.length, 100_000);
    writeFileSync(join(dir, "bad.json"), "{");
    await assert.rejects(readCatalogueFile(join(dir, "bad.json")), CatalogueError);
    await assert.rejects(run(process.execPath, [CLI, "nonsense"]), (e: { code?: number; stderr?: string }) => e.code === 1 && (e.stderr ?? "").includes("usage"));
    assert.ok(readFileSync(join(dir, "big.json")).length > 1_000_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
