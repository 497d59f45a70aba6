/**
 * The search request body, checked field by field. Every refusal is a fixed problem (RFC 9457)
 * whose text never echoes the input. Well-formed JSON of the wrong shape is 422; JSON that does
 * not parse is 400 (app.ts).
 */
import { CommonProblems, problemType, type Problem } from "@oblivious/service-kit";
import { MAX_WINDOW, type SearchQuery } from "./engine.js";
import type { RejectReason } from "./events.js";

export const MAX_QUERY_CHARS = 128;
export const MAX_LIMIT = 50;
export const DEFAULT_LIMIT = 20;
/** A search body is a few short fields; anything larger is refused unread. */
export const MAX_BODY_BYTES = 4096;

export const StickerSearchProblems = {
  unsupportedMediaType: { ...CommonProblems.unsupportedMediaType, detail: "Send the search as application/json." },
  tooLarge: { ...CommonProblems.payloadTooLarge, detail: `A search body is at most ${MAX_BODY_BYTES} bytes.` },
  malformedJson: { type: problemType("malformed-json"), title: "Malformed JSON", status: 400, detail: "The body is not valid JSON." },
  invalidRequest: {
    type: problemType("invalid-search-request"),
    title: "Invalid Search Request",
    status: 422,
    detail: "The body must be a JSON object with q and optionally locale, limit, offset and pack, and nothing else.",
  },
  invalidQuery: { type: problemType("invalid-query"), title: "Invalid Query", status: 422, detail: `q must be a string of 1 to ${MAX_QUERY_CHARS} characters, without control characters.` },
  invalidPaging: {
    type: problemType("invalid-paging"),
    title: "Invalid Paging",
    status: 422,
    detail: `limit must be an integer from 1 to ${MAX_LIMIT}, offset an integer from 0, and offset + limit at most ${MAX_WINDOW}.`,
  },
  unknownLocale: { type: problemType("unknown-locale"), title: "Unknown Locale", status: 422, detail: "locale must be one of the catalogue's locales." },
  unknownPack: { type: problemType("unknown-pack"), title: "Unknown Pack", status: 422, detail: "pack must be one of the catalogue's pack ids." },
  searchUnavailable: { type: problemType("search-unavailable"), title: "Search Unavailable", status: 503, detail: "Search cannot answer right now; retry later." },
} as const satisfies Record<string, Problem>;

export type ParsedSearch = { readonly ok: true; readonly query: SearchQuery } | { readonly ok: false; readonly reason: RejectReason; readonly problem: Problem };

export interface SearchVocabulary {
  readonly locales: ReadonlySet<string>;
  readonly defaultLocale: string;
  readonly packs: ReadonlySet<string>;
}

const FIELDS = new Set(["q", "locale", "limit", "offset", "pack"]);
/** Control characters and lone surrogates (JSON can carry `\ud800`; no engine should see one). */
const FORBIDDEN = /[\p{Cc}\p{Cs}]/u;

function refuse(reason: RejectReason, problem: Problem): ParsedSearch {
  return { ok: false, reason, problem };
}

function isIndex(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= min && value <= max;
}

export function parseSearchRequest(body: unknown, vocabulary: SearchVocabulary): ParsedSearch {
  const P = StickerSearchProblems;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return refuse("invalid_request", P.invalidRequest);
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (!FIELDS.has(key)) return refuse("invalid_request", P.invalidRequest);
  const { q, locale = vocabulary.defaultLocale, limit = DEFAULT_LIMIT, offset = 0, pack } = fields;
  if (typeof q !== "string" || FORBIDDEN.test(q)) return refuse("invalid_query", P.invalidQuery);
  const chars = [...q.trim()].length;
  if (chars === 0 || chars > MAX_QUERY_CHARS) return refuse("invalid_query", P.invalidQuery);
  if (!isIndex(limit, 1, MAX_LIMIT) || !isIndex(offset, 0, MAX_WINDOW - limit)) return refuse("invalid_paging", P.invalidPaging);
  if (typeof locale !== "string" || !vocabulary.locales.has(locale)) return refuse("unknown_locale", P.unknownLocale);
  if (pack !== undefined && (typeof pack !== "string" || !vocabulary.packs.has(pack))) return refuse("unknown_pack", P.unknownPack);
  return { ok: true, query: { q: q.trim(), locale, limit, offset, ...(pack === undefined ? {} : { pack }) } };
}
