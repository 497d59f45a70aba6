/**
 * A large, deterministic synthetic catalogue for benchmarks: the same seed gives the same bytes.
 * Words come from the real catalogue's vocabulary, so real queries ("cat", "Katze", 猫) hit: each
 * synthetic sticker starts from a real sticker's keywords and mixes in words drawn from the whole
 * vocabulary of the same locale.
 */
import { CATALOGUE_VERSION, CatalogueError, CatalogueErrorCode, freezeCatalogue, type Catalogue, type Sticker } from "./catalogue.js";
import { buildEmojiCatalogue } from "./catalogue-emojibase.js";

export interface SyntheticOptions {
  /** Number of stickers, 1 to 5,000,000. */
  readonly count: number;
  readonly seed?: number;
  /** Default `en`, `de`, `ja`: enough scripts to exercise both tokenizers without a huge file. */
  readonly locales?: readonly string[];
  /** The real catalogue to draw from; built from emojibase for `locales` by default. */
  readonly source?: Catalogue;
}

export const SYNTHETIC_DEFAULT_LOCALES = ["en", "de", "ja"] as const;

/** mulberry32: a tiny, fast 32-bit PRNG; plenty for shuffling test data, never for secrets. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(items: readonly T[], random: () => number): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new CatalogueError(CatalogueErrorCode.InvalidArgument, "synthetic: empty source");
  return item;
}

export function generateSyntheticCatalogue(options: SyntheticOptions): Catalogue {
  const { count } = options;
  if (!Number.isSafeInteger(count) || count < 1 || count > 5_000_000) throw new CatalogueError(CatalogueErrorCode.InvalidArgument, "synthetic: count must be 1 to 5,000,000");
  const locales = options.locales ?? SYNTHETIC_DEFAULT_LOCALES;
  const source = options.source ?? buildEmojiCatalogue(locales);
  for (const l of locales) if (!source.locales.includes(l)) throw new CatalogueError(CatalogueErrorCode.UnknownLocale, `synthetic: locale ${l} is not in the source`);
  const random = prng(options.seed ?? 1);
  const vocabulary = new Map(locales.map((l) => [l, [...new Set(source.stickers.flatMap((s) => s.keywords[l] ?? []))]]));
  const width = String(count).length;
  const stickers: Sticker[] = [];
  for (let i = 0; i < count; i += 1) {
    const base = pick(source.stickers, random);
    const keywords: Record<string, string[]> = {};
    for (const l of locales) {
      const words = vocabulary.get(l) ?? [];
      const own = base.keywords[l] ?? [];
      const [name = pick(words, random), ...tags] = own;
      const mixed = new Set<string>([`${name} ${pick(words, random)}`, name, ...tags.slice(0, 3)]);
      const extra = 1 + Math.floor(random() * 3);
      for (let k = 0; k < extra; k += 1) mixed.add(pick(words, random));
      keywords[l] = [...mixed];
    }
    stickers.push({ id: `syn-${String(i).padStart(width, "0")}`, emoji: base.emoji, pack: base.pack, keywords });
  }
  return freezeCatalogue({ version: CATALOGUE_VERSION, locales: [...locales], packs: source.packs, stickers });
}
