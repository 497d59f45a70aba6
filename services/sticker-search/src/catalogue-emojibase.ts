/**
 * The real catalogue, built from emojibase-data: Unicode CLDR emoji annotations (a name and
 * keywords per emoji, written by native speakers for each locale). Each emoji group is a pack
 * (smileys & emotion, animals & nature, …), each fully-qualified emoji a sticker; skin-tone
 * variants, the `component` group (skin tones, hair styles) and the bare regional indicators are
 * left out: they are not stickers anyone searches for.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { CATALOGUE_VERSION, CatalogueError, CatalogueErrorCode, freezeCatalogue, type Catalogue, type Pack, type Sticker } from "./catalogue.js";

/** Every locale emojibase-data 17 ships. */
export const EMOJIBASE_LOCALES = [
  "bn", "da", "de", "en", "en-gb", "es", "es-mx", "et", "fi", "fr", "hi", "hu", "it", "ja",
  "ko", "lt", "ms", "nb", "nl", "pl", "pt", "ru", "sv", "th", "uk", "vi", "zh", "zh-hant",
] as const;

/** The default set: the messenger's largest languages, Latin, Cyrillic and CJK scripts. */
export const DEFAULT_LOCALES = ["en", "de", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "sv", "zh"] as const;

/** The emojibase group that holds skin tones and hair components, not emoji of their own. */
const COMPONENT_GROUP = 2;

interface EmojibaseEntry {
  readonly label: string;
  readonly hexcode: string;
  readonly emoji: string;
  readonly tags?: readonly string[];
  readonly group?: number;
  readonly order?: number;
}

interface EmojibaseMessages {
  readonly groups: readonly { readonly key: string; readonly message: string; readonly order: number }[];
}

const require = createRequire(import.meta.url);

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(require.resolve(`emojibase-data/${path}`), "utf8"));
}

function isLocale(locale: string): locale is (typeof EMOJIBASE_LOCALES)[number] {
  return (EMOJIBASE_LOCALES as readonly string[]).includes(locale);
}

function entries(locale: string): readonly EmojibaseEntry[] {
  const data = readJson(`${locale}/data.json`);
  if (!Array.isArray(data)) throw new CatalogueError(CatalogueErrorCode.Malformed, `emojibase ${locale}: data.json is not an array`);
  return data as EmojibaseEntry[];
}

/** Lower-cased, deduplicated keywords, the name first (catalogue.ts invariant). */
function keywordsOf(entry: EmojibaseEntry): string[] {
  const words: string[] = [];
  for (const w of [entry.label, ...(entry.tags ?? [])]) {
    const word = w.normalize("NFC").trim().toLowerCase();
    if (word !== "" && !words.includes(word)) words.push(word);
  }
  return words;
}

/**
 * Builds the catalogue from emojibase-data for `locales` (the first is the default locale).
 * About 1,900 stickers; takes a few hundred milliseconds for the default locales.
 */
export function buildEmojiCatalogue(locales: readonly string[] = DEFAULT_LOCALES): Catalogue {
  if (locales.length === 0) throw new CatalogueError(CatalogueErrorCode.InvalidArgument, "emojibase: no locales");
  for (const l of locales) if (!isLocale(l)) throw new CatalogueError(CatalogueErrorCode.UnknownLocale, `emojibase: unknown locale ${l}`);
  const [first] = locales;
  if (first === undefined) throw new CatalogueError(CatalogueErrorCode.InvalidArgument, "emojibase: no locales");

  const byLocale = new Map(locales.map((l) => [l, new Map(entries(l).map((e) => [e.hexcode, e]))]));
  const groupKeys = new Map<number, string>();
  const packs: Pack[] = [];
  const englishGroups = (readJson("en/messages.json") as EmojibaseMessages).groups;
  const localeGroups = new Map(locales.map((l) => [l, new Map((readJson(`${l}/messages.json`) as EmojibaseMessages).groups.map((g) => [g.key, g.message]))]));
  for (const g of [...englishGroups].sort((a, b) => a.order - b.order)) {
    groupKeys.set(g.order, g.key);
    if (g.order === COMPONENT_GROUP) continue;
    const names: Record<string, string> = {};
    for (const l of locales) names[l] = localeGroups.get(l)?.get(g.key) ?? g.message;
    packs.push({ id: g.key, names });
  }

  const stickers: Sticker[] = [];
  const reference = [...(byLocale.get(first)?.values() ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  for (const entry of reference) {
    if (entry.group === undefined || entry.group === COMPONENT_GROUP) continue;
    const pack = groupKeys.get(entry.group);
    if (pack === undefined) continue;
    const keywords: Record<string, string[]> = {};
    for (const l of locales) {
      const localised = byLocale.get(l)?.get(entry.hexcode);
      // A sticker missing in one locale is left out: every sticker has every locale's keywords.
      if (localised === undefined) break;
      keywords[l] = keywordsOf(localised);
    }
    if (Object.keys(keywords).length !== locales.length) continue;
    stickers.push({ id: entry.hexcode.toLowerCase(), emoji: entry.emoji, pack, keywords });
  }
  return freezeCatalogue({ version: CATALOGUE_VERSION, locales: [...locales], packs, stickers });
}
