// @oblivious/telemetry: token-gated device telemetry intake. See README.md. The names other
// packages use: start it, load its configuration, and its problem table (docs/errors.md).
export { startTelemetry } from "./server.js";
export type { StartTelemetryOptions, RunningTelemetry } from "./server.js";
export { loadTelemetryConfig } from "./config.js";
export type { TelemetryConfig } from "./config.js";
export { TELEMETRY_PROBLEMS } from "./errors.js";
