// @oblivious/issuer/dev: DEVELOPMENT ONLY. The local stand-in for the account system's device
// credentials and the files a local issuer needs, for `npm start`, `npm run mint-credential`, the
// search command, benchmarks and tests. Never part of the main index: production never imports it.
export {
  DEV_ATTESTER_AUDIENCE,
  DEV_ATTESTER_ISSUER,
  DEV_ATTESTER_JWKS_FILE,
  DEV_ATTESTER_PRIVATE_FILE,
  createDevAttester,
} from "./dev-attester.js";
export type { DevAttester, DevAttesterOptions } from "./dev-attester.js";
export { prepareDevIssuer } from "./dev-env.js";
export type { DevIssuerFiles } from "./dev-env.js";
export { DEV_ARC_ORIGINS, prepareDevArcKeys } from "./dev-arc.js";
export type { DevArcFiles, DevArcOrigin } from "./dev-arc.js";
