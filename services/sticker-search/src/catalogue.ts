/**
 * A sticker catalogue is plain data: packs, and stickers with per-locale keywords. It is built at
 * start-up (catalogue-emojibase.ts), read from a JSON file (`STICKER_CATALOGUE_FILE`, written by
 * the catalogue command), or generated for benchmarks (catalogue-synthetic.ts). Both engines index
 * exactly this shape.
 *
 * Invariant: for every sticker and locale, `keywords[locale][0]` is the sticker's name in that
 * locale (CLDR's annotation "label"); the rest are its tags. Engines rank the name above tags.
 */
import { readFile } from "node:fs/promises";
import { CodedError } from "@oblivious/wire";

export const CATALOGUE_VERSION = 1;

export interface Pack {
  /** Stable id, such as `animals-nature`; `[a-z0-9-]`. */
  readonly id: string;
  /** The pack's display name per locale. */
  readonly names: Readonly<Record<string, string>>;
}

export interface Sticker {
  /** Stable id, `[a-z0-9-]` (for emoji: the lower-case code points, `1f408`). */
  readonly id: string;
  readonly emoji: string;
  /** Id of one of the catalogue's packs. */
  readonly pack: string;
  /** Per locale: the name first, then the tags. */
  readonly keywords: Readonly<Record<string, readonly string[]>>;
}

export interface Catalogue {
  readonly version: typeof CATALOGUE_VERSION;
  /** The locales every sticker has keywords for; the first is the default locale. */
  readonly locales: readonly string[];
  readonly packs: readonly Pack[];
  readonly stickers: readonly Sticker[];
}

export const CatalogueErrorCode = {
  /** The catalogue's content breaks its shape or invariants; the message gives the position. */
  Malformed: "malformed",
  /** The file cannot be read or is not JSON. */
  Unreadable: "unreadable",
  /** A locale asked for is not in the catalogue or its source. */
  UnknownLocale: "unknown-locale",
  /** A builder's argument is out of range (no locales, an empty source, a count). */
  InvalidArgument: "invalid-argument",
} as const;
export type CatalogueErrorCode = (typeof CatalogueErrorCode)[keyof typeof CatalogueErrorCode];

/** A catalogue that cannot be used. The message names the position, never a keyword's text. */
export class CatalogueError extends CodedError<CatalogueErrorCode> {
  override readonly name = "CatalogueError";
  constructor(code: CatalogueErrorCode, message: string) {
    super(code, message);
  }
}

/** Ids travel in Meilisearch document ids and filters: keep them to a safe alphabet. */
const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** BCP 47-ish locale tags as emojibase names them (`en`, `zh-hant`). */
export const LOCALE = /^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$/;
const MAX_KEYWORD_CHARS = 200;
const MAX_KEYWORDS = 64;
const MAX_STICKERS = 5_000_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(where: string, what: string): never {
  throw new CatalogueError(CatalogueErrorCode.Malformed, `catalogue ${where}: ${what}`);
}

/**
 * Checks an untrusted value (a parsed JSON file) against the catalogue shape and its invariants:
 * unique ids, known packs, every declared locale present with a non-empty name. Returns a frozen
 * copy; throws CatalogueError naming the first problem (its position, never its text).
 */
export function parseCatalogue(value: unknown): Catalogue {
  if (!isRecord(value)) fail("root", "must be an object");
  if (value["version"] !== CATALOGUE_VERSION) fail("version", `must be ${CATALOGUE_VERSION}`);
  const locales = value["locales"];
  if (!Array.isArray(locales) || locales.length === 0 || locales.length > 64) fail("locales", "must be a non-empty array");
  const localeList: string[] = [];
  for (const [i, l] of locales.entries()) {
    if (typeof l !== "string" || !LOCALE.test(l) || localeList.includes(l)) fail(`locales[${i}]`, "must be a unique locale tag");
    localeList.push(l);
  }
  const packsIn = value["packs"];
  if (!Array.isArray(packsIn) || packsIn.length === 0) fail("packs", "must be a non-empty array");
  const packs: Pack[] = [];
  const packIds = new Set<string>();
  for (const [i, p] of packsIn.entries()) {
    if (!isRecord(p) || typeof p["id"] !== "string" || !ID.test(p["id"]) || packIds.has(p["id"])) fail(`packs[${i}].id`, "must be a unique id");
    const names = p["names"];
    if (!isRecord(names)) fail(`packs[${i}].names`, "must be an object");
    const copy: Record<string, string> = {};
    for (const [l, n] of Object.entries(names)) {
      if (typeof n !== "string" || n.length > MAX_KEYWORD_CHARS) fail(`packs[${i}].names`, "must map locales to short strings");
      copy[l] = n;
    }
    packIds.add(p["id"]);
    packs.push({ id: p["id"], names: copy });
  }
  const stickersIn = value["stickers"];
  if (!Array.isArray(stickersIn) || stickersIn.length === 0 || stickersIn.length > MAX_STICKERS) fail("stickers", "must be a non-empty array");
  const ids = new Set<string>();
  const stickers: Sticker[] = [];
  for (const [i, s] of stickersIn.entries()) {
    if (!isRecord(s)) fail(`stickers[${i}]`, "must be an object");
    const { id, emoji, pack, keywords } = s;
    if (typeof id !== "string" || !ID.test(id) || ids.has(id)) fail(`stickers[${i}].id`, "must be a unique id");
    if (typeof emoji !== "string" || emoji.length === 0 || emoji.length > 64) fail(`stickers[${i}].emoji`, "must be a short string");
    if (typeof pack !== "string" || !packIds.has(pack)) fail(`stickers[${i}].pack`, "must name a pack");
    if (!isRecord(keywords)) fail(`stickers[${i}].keywords`, "must be an object");
    const copy: Record<string, readonly string[]> = {};
    for (const l of localeList) {
      const words = keywords[l];
      if (!Array.isArray(words) || words.length === 0 || words.length > MAX_KEYWORDS) fail(`stickers[${i}].keywords.${l}`, "must be a non-empty array");
      for (const w of words) if (typeof w !== "string" || w.length === 0 || w.length > MAX_KEYWORD_CHARS) fail(`stickers[${i}].keywords.${l}`, "must hold short strings");
      copy[l] = words as string[];
    }
    ids.add(id);
    stickers.push({ id, emoji, pack, keywords: copy });
  }
  return freezeCatalogue({ version: CATALOGUE_VERSION, locales: localeList, packs, stickers });
}

/** Freezes a catalogue in place (it is shared, read-only, by the engines and the app). */
export function freezeCatalogue(catalogue: Catalogue): Catalogue {
  for (const p of catalogue.packs) Object.freeze(Object.freeze(p).names);
  for (const s of catalogue.stickers) {
    for (const words of Object.values(s.keywords)) Object.freeze(words);
    Object.freeze(Object.freeze(s).keywords);
  }
  Object.freeze(catalogue.locales);
  Object.freeze(catalogue.packs);
  Object.freeze(catalogue.stickers);
  return Object.freeze(catalogue);
}

/** Reads and checks a catalogue JSON file (as `catalogue-cli build` or `synthetic` wrote it). */
export async function readCatalogueFile(path: string): Promise<Catalogue> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch {
    throw new CatalogueError(CatalogueErrorCode.Unreadable, "catalogue file: unreadable or not JSON");
  }
  return parseCatalogue(parsed);
}

/** Keeps the given locales of a catalogue (in that order); each must be in it. */
export function selectLocales(catalogue: Catalogue, locales: readonly string[]): Catalogue {
  for (const l of locales) if (!catalogue.locales.includes(l)) throw new CatalogueError(CatalogueErrorCode.UnknownLocale, `catalogue locales: ${l} is not in the catalogue`);
  return freezeCatalogue({
    version: CATALOGUE_VERSION,
    locales: [...locales],
    packs: catalogue.packs.map((p) => ({ id: p.id, names: Object.fromEntries(locales.flatMap((l) => (p.names[l] === undefined ? [] : [[l, p.names[l]]]))) })),
    stickers: catalogue.stickers.map((s) => ({
      id: s.id,
      emoji: s.emoji,
      pack: s.pack,
      keywords: Object.fromEntries(locales.map((l) => [l, s.keywords[l] ?? []])),
    })),
  });
}
