// @oblivious/issuer: the Privacy Pass issuer (RFC 9578 type 0x0002, device-keyed). See README.md.
// The development attester and local files are on the "./dev" entry, not here.
export { startIssuer } from "./server.js";
export type { StartOptions, RunningIssuer } from "./server.js";
export { loadIssuerConfig } from "./config.js";
export type { IssuerConfig } from "./config.js";
export { DIRECTORY_MAX_AGE_DEFAULT_MS, TOKEN_DIRECTORY_REFRESH_DEFAULT_MS } from "./directory.js";
export { PROBLEMS } from "./errors.js";
