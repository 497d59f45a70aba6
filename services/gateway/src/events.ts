/**
 * Every event the gateway may log, with its fields: closed enums, bounded integers, durations,
 * booleans. No field can hold the inner path, query, headers, body, a token, `enc` or key bytes
 * (docs/design.md: the gateway "logs no query text and no token bytes"). Key identifiers are logged:
 * they are public, in every client's key configuration.
 */
import { defineEvents, field, httpRequestEvent, lifecycleEvents, type Logger } from "@oblivious/service-kit";
import { OUTCOMES } from "./errors.js";
import { ForwardFailure } from "./forward.js";
import { RELOAD_RESULTS } from "./key-file.js";

/** Route templates of the public listener (a closed set; never the URL). */
export const ROUTES = ["/gateway", "/.well-known/ohttp-gateway", "/ohttp-keys"] as const;
export type RouteName = (typeof ROUTES)[number];

const REJECTIONS = OUTCOMES.filter((o) => o !== "ok");

export function gatewayEvents(targetNames: readonly string[]) {
  return defineEvents({
    ...lifecycleEvents,
    ...httpRequestEvent(ROUTES),
    "gateway.rejected": {
      level: "info",
      fields: { outcome: field.enum(...REJECTIONS), encapsulated: field.bool() },
    },
    "target.failed": {
      level: "warn",
      fields: { target: field.enum(...targetNames), failure: field.enum(...Object.values(ForwardFailure)), durationMs: field.duration() },
    },
    "keys.loaded": {
      level: "info",
      fields: { inline: field.bool(), keys: field.int(0, 256), listed: field.int(0, 256), accepted: field.int(0, 256), current: field.int(0, 255) },
    },
    "keys.changed": {
      level: "info",
      fields: { listed: field.int(0, 256), accepted: field.int(0, 256), current: field.int(0, 255) },
    },
    "keys.reload": { level: "info", fields: { result: field.enum(...RELOAD_RESULTS) } },
    "replay.unavailable": { level: "error", fields: {} },
  });
}

export type GatewayEvents = ReturnType<typeof gatewayEvents>;
export type GatewayLogger = Logger<GatewayEvents>;
