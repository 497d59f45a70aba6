export { startTelemetry } from "./server.js";
export type { StartTelemetryOptions, RunningTelemetry, LogDestination } from "./server.js";
export { loadTelemetryConfig, TELEMETRY_DEFAULTS, TELEMETRY_ORIGIN } from "./config.js";
export type { TelemetryConfig } from "./config.js";
export { createTelemetryApp, EVENTS_PATH } from "./app.js";
export type { TelemetryAppDeps, BatchAnswer } from "./app.js";
export { TELEMETRY_PROBLEMS, TelemetryError, EVENTS_MEDIA_TYPE } from "./errors.js";
export { EVENT_SCHEMAS, EVENT_TYPES, bucketLabel, eventSchema, fieldLabels } from "./schemas.js";
export type {
  AcceptedEvent,
  BoolFieldSchema,
  BucketFieldSchema,
  BucketLabel,
  EnumFieldSchema,
  EventCatalogue,
  EventFieldValues,
  EventSchema,
  EventType,
  FieldSchema,
  FieldValue,
  IntFieldSchema,
} from "./schemas.js";
export { schemaTable } from "./schema-doc.js";
export {
  validateBatch,
  decodeBatchBody,
  emptyDropCounts,
  BatchErrorCode,
  EVENT_DROP_REASONS,
  MAX_DEPTH,
  MAX_STRING_LENGTH,
} from "./validate.js";
export type { BatchLimits, BatchResult, DecodeResult, DropCounts, EventDropReason } from "./validate.js";
export { createTelemetryMetrics, bucketMetricName, BATCH_OUTCOMES } from "./metrics.js";
export type { TelemetryMetrics, BatchOutcome } from "./metrics.js";
export { telemetryEvents, TELEMETRY_ROUTES } from "./events.js";
export type { TelemetryEvents, TelemetryLogger, TelemetryRoute } from "./events.js";
