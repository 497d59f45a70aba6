/**
 * The search request body, checked field by field. Every refusal is a reason whose answer is a
 * fixed problem (RFC 9457, errors.ts) whose text never echoes the input. Well-formed JSON of the
 * wrong shape is 422; JSON that does not parse is 400 (app.ts).
 */
import { MAX_WINDOW, type SearchQuery } from "./engine.js";
import type { RejectReason } from "./events.js";

export const MAX_QUERY_CHARS = 128;
export const MAX_LIMIT = 50;
export const DEFAULT_LIMIT = 20;
/** A search body is a few short fields; anything larger is refused unread. */
export const MAX_BODY_BYTES = 4096;

export type ParsedSearch = { readonly ok: true; readonly query: SearchQuery } | { readonly ok: false; readonly reason: RejectReason };

export interface SearchVocabulary {
  readonly locales: ReadonlySet<string>;
  readonly defaultLocale: string;
  readonly packs: ReadonlySet<string>;
}

const FIELDS = new Set(["q", "locale", "limit", "offset", "pack"]);
/** Control characters and lone surrogates (JSON can carry `\ud800`; no engine should see one). */
const FORBIDDEN = /[\p{Cc}\p{Cs}]/u;

function refuse(reason: RejectReason): ParsedSearch {
  return { ok: false, reason };
}

function isIndex(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= min && value <= max;
}

export function parseSearchRequest(body: unknown, vocabulary: SearchVocabulary): ParsedSearch {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return refuse("invalid_request");
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (!FIELDS.has(key)) return refuse("invalid_request");
  const { q, locale = vocabulary.defaultLocale, limit = DEFAULT_LIMIT, offset = 0, pack } = fields;
  if (typeof q !== "string" || FORBIDDEN.test(q)) return refuse("invalid_query");
  const chars = [...q.trim()].length;
  if (chars === 0 || chars > MAX_QUERY_CHARS) return refuse("invalid_query");
  if (!isIndex(limit, 1, MAX_LIMIT) || !isIndex(offset, 0, MAX_WINDOW - limit)) return refuse("invalid_paging");
  if (typeof locale !== "string" || !vocabulary.locales.has(locale)) return refuse("unknown_locale");
  if (pack !== undefined && (typeof pack !== "string" || !vocabulary.packs.has(pack))) return refuse("unknown_pack");
  return { ok: true, query: { q: q.trim(), locale, limit, offset, ...(pack === undefined ? {} : { pack }) } };
}
