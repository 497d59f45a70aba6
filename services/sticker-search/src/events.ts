/**
 * Every log event the service may write, with its fields. None can carry the query text, a
 * locale, a sticker id, a token or a header: only closed enums, bounded integers, durations and
 * booleans (docs/design.md: sticker-search "logs no query text").
 */
import { defineEvents, field, httpRequestEvent, lifecycleEvents, type Logger } from "@oblivious/service-kit";
import { tokenGateEvents } from "@oblivious/token-gate";
import { ENGINE_NAMES, UNAVAILABLE_REASONS } from "./engine.js";

export const STICKER_SEARCH_ROUTES = ["search"] as const;
export type StickerSearchRoute = (typeof STICKER_SEARCH_ROUTES)[number];

/** A result count, bucketed: the exact number could help tell queries apart. */
export const HIT_BUCKETS = ["0", "1-9", "10-99", "100+"] as const;
export type HitBucket = (typeof HIT_BUCKETS)[number];

export function hitBucket(total: number): HitBucket {
  if (total === 0) return "0";
  if (total < 10) return "1-9";
  return total < 100 ? "10-99" : "100+";
}

/** Why a search request was refused before it reached the engine. */
export const REJECT_REASONS = [
  "bad_media_type",
  "too_large",
  "malformed_json",
  "invalid_request",
  "invalid_query",
  "invalid_paging",
  "unknown_locale",
  "unknown_pack",
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const stickerSearchEvents = defineEvents({
  ...lifecycleEvents,
  ...httpRequestEvent(STICKER_SEARCH_ROUTES),
  ...tokenGateEvents,
  "search.served": {
    level: "info",
    fields: { engine: field.enum(...ENGINE_NAMES), hits: field.enum(...HIT_BUCKETS), paged: field.bool(), filtered: field.bool(), durationMs: field.duration() },
  },
  "search.rejected": { level: "info", fields: { reason: field.enum(...REJECT_REASONS) } },
  "search.unavailable": { level: "warn", fields: { engine: field.enum(...ENGINE_NAMES), reason: field.enum(...UNAVAILABLE_REASONS) } },
  /** Once per transition of the engine's health (Meilisearch reachable or not). */
  "engine.down": { level: "error", fields: { engine: field.enum(...ENGINE_NAMES), reason: field.enum(...UNAVAILABLE_REASONS) } },
  "engine.up": { level: "info", fields: { engine: field.enum(...ENGINE_NAMES) } },
  "engine.loaded": {
    level: "info",
    fields: { engine: field.enum(...ENGINE_NAMES), stickers: field.int(0, 100_000_000), locales: field.int(0, 64), durationMs: field.duration() },
  },
  "engine.load_failed": { level: "error", fields: { engine: field.enum(...ENGINE_NAMES), reason: field.enum(...UNAVAILABLE_REASONS), retryS: field.int(0, 3600) } },
  "catalogue.invalid": { level: "error", fields: { source: field.enum("file", "emojibase", "locales") } },
});

export type StickerSearchEvents = typeof stickerSearchEvents;
export type StickerSearchLogger = Logger<StickerSearchEvents>;
