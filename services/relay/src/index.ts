// @oblivious/relay: the Oblivious HTTP relay (RFC 9458). See README.md. The names other packages
// use: start it, load its configuration, and its problem table (docs/errors.md).
export { startRelay } from "./server.js";
export type { StartRelayOptions, RunningRelay } from "./server.js";
export { loadRelayConfig, RELAY_DEFAULTS } from "./config.js";
export type { RelayConfig } from "./config.js";
export { RelayProblems } from "./errors.js";
