/**
 * Every log event the relay may write, with its fields. No field can carry an address, a
 * header, a path or body bytes: only closed enums, bounded integers, durations and booleans.
 */
import { defineEvents, field, httpRequestEvent, lifecycleEvents, type Logger } from "@oblivious/service-kit";

/** Route templates for the request log and the http metrics. */
export const RELAY_ROUTES = ["relay", "ohttp-keys"] as const;
export type RelayRoute = (typeof RELAY_ROUTES)[number];

export const relayEvents = defineEvents({
  ...lifecycleEvents,
  ...httpRequestEvent(RELAY_ROUTES),
  /** An exchange with the gateway that produced no usable answer (the client got 502 or 504). */
  "forward.failed": {
    level: "warn",
    fields: {
      outcome: field.enum("gateway_invalid", "gateway_timeout", "gateway_unreachable"),
      reason: field.enum("timeout", "unreachable", "too-large", "protocol", "bad-status", "bad-media-type"),
      durationMs: field.duration(),
    },
  },
  "keys.refreshed": {
    level: "info",
    fields: { ttlS: field.int(0, 86_400), bytes: field.int(0, 16 * 1024 * 1024) },
  },
  "keys.fetch_failed": {
    level: "warn",
    fields: {
      reason: field.enum("timeout", "unreachable", "too-large", "protocol", "bad-status", "bad-media-type", "empty"),
      /** True when a stale copy is still being served. */
      stale: field.bool(),
    },
  },
  /** Once per window, the first time the rate-limit table is full and starts evicting. */
  "rate_limit.table_full": {
    level: "warn",
    fields: { tableSize: field.int(0, 10_000_000) },
  },
});

export type RelayEvents = typeof relayEvents;
export type RelayLogger = Logger<RelayEvents>;
