// @oblivious/gateway: the Oblivious HTTP gateway (RFC 9458, RFC 9540). See README.md. The names
// other packages use: start it, load its configuration, its two problem tables (docs/errors.md),
// and its key file (rotation tests, the local stack).
export { startGateway } from "./server.js";
export type { StartOptions, RunningGateway } from "./server.js";
export { loadGatewayConfig, KEYS_MAX_AGE_DEFAULT_MS, RELAY_KEYS_TTL_DEFAULT_MS } from "./config.js";
export type { GatewayConfig } from "./config.js";
export { INNER_PROBLEMS, OUTER_PROBLEMS } from "./errors.js";
export { addMissingKems, createKeyEntry, generateKeyFile, readKeyFile, writeKeyFile } from "./key-file.js";
export { DEFAULT_GENERATED_KEMS, gatewayKem } from "./key-kems.js";
