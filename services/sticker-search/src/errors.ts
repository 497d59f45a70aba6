/**
 * Sticker search's problem table (RFC 9457 `application/problem+json`), answered inside the
 * gateway's encrypted answer: fixed text that never echoes the input, the same for everyone.
 * Well-formed JSON of the wrong shape is 422; JSON that does not parse is 400. The token gate's
 * own problems (401, 503) come from @oblivious/token-gate. docs/errors.md is generated from this
 * table (scripts/src/errors-doc.ts).
 */
import { CommonProblems, problemType, type Problem } from "@oblivious/service-kit";
import { MAX_WINDOW } from "./engine.js";
import type { RejectReason } from "./events.js";
import { MAX_BODY_BYTES, MAX_LIMIT, MAX_QUERY_CHARS } from "./request.js";

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

/** The answer to each refused search (the same reasons label the metric and the log event). */
export const REJECTION_PROBLEMS: Readonly<Record<RejectReason, Problem>> = {
  bad_media_type: StickerSearchProblems.unsupportedMediaType,
  too_large: StickerSearchProblems.tooLarge,
  malformed_json: StickerSearchProblems.malformedJson,
  invalid_request: StickerSearchProblems.invalidRequest,
  invalid_query: StickerSearchProblems.invalidQuery,
  invalid_paging: StickerSearchProblems.invalidPaging,
  unknown_locale: StickerSearchProblems.unknownLocale,
  unknown_pack: StickerSearchProblems.unknownPack,
};
