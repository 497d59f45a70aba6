/**
 * Every log event the telemetry service may write, with its fields: closed enums, bounded
 * integers, durations and booleans. No field can carry an event's type, a field name or a value
 * a client sent; what was accepted and dropped is counted in metrics, never logged.
 */
import { defineEvents, field, httpRequestEvent, lifecycleEvents, type Logger } from "@oblivious/service-kit";
import { tokenGateEvents } from "@oblivious/token-gate";
import { BATCH_OUTCOMES } from "./metrics.js";

/** Route templates for the request log and the http metrics. */
export const TELEMETRY_ROUTES = ["events"] as const;
export type TelemetryRoute = (typeof TELEMETRY_ROUTES)[number];

export const telemetryEvents = defineEvents({
  ...lifecycleEvents,
  ...httpRequestEvent(TELEMETRY_ROUTES),
  ...tokenGateEvents,
  /** One per batch behind the gate; debug, since the `http.request` line has the status. */
  "events.batch": {
    level: "debug",
    fields: {
      outcome: field.enum(...BATCH_OUTCOMES),
      received: field.int(0, 1000),
      accepted: field.int(0, 1000),
      dropped: field.int(0, 1_000_000),
    },
  },
});

export type TelemetryEvents = typeof telemetryEvents;
export type TelemetryLogger = Logger<TelemetryEvents>;
