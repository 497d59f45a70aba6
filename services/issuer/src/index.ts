// @oblivious/issuer: the Privacy Pass issuer (RFC 9578 type 0x0002, device-keyed). See README.md.
export { startIssuer } from "./server.js";
export type { StartOptions, RunningIssuer } from "./server.js";
export {
  ATTESTATION_ALGORITHMS,
  KEYS_FILE_VARIABLE,
  KEYS_VARIABLE,
  PSEUDONYM_KEY_FILE_VARIABLE,
  PSEUDONYM_KEY_VARIABLE,
  loadIssuerConfig,
} from "./config.js";
export type { AttestationAlgorithm, AttesterConfig, IssuerConfig, JwksSource, SecretSource } from "./config.js";
export { ISSUER_DIRECTORY_PATH, TOKEN_REQUEST_LENGTH, TOKEN_REQUEST_PATH, bodyLimit, createIssuerApp } from "./app.js";
export type { IssuerAppDeps, RequestListener } from "./app.js";
export { CREDENTIAL_FAILURES, CredentialFailure, MAX_CREDENTIAL_LENGTH, MAX_DEVICE_ID_LENGTH, createAttester, parseJwks } from "./attestation.js";
export type { AttestationResult, Attester, AttesterOptions } from "./attestation.js";
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
export { DirectoryCache, DIRECTORY_MAX_AGE_DEFAULT_MS, TOKEN_DIRECTORY_REFRESH_DEFAULT_MS, directoryFromSnapshot, directoryOf, noneMatch } from "./directory.js";
export type { DirectoryDocument } from "./directory.js";
export { IssuerError, OUTCOMES, PROBLEMS, WWW_AUTHENTICATE_INVALID, WWW_AUTHENTICATE_MISSING } from "./errors.js";
export type { Outcome } from "./errors.js";
export { ROUTES, issuerEvents } from "./events.js";
export type { IssuerEvents, IssuerLogger, RouteName } from "./events.js";
export {
  ISSUER_KEY_FILE,
  KeyFileWatcher,
  RELOAD_RESULTS,
  ReloadResult,
  checkCollisions,
  createIssuerKey,
  generateIssuerKeyFile,
  loadKeys,
  parseKeyFile,
  readKeyFile,
  rotateKeys,
  serializeKeyFile,
  writeKeyFile,
} from "./key-file.js";
export type { LoadedKeys, RotateOptions, Rotation } from "./key-file.js";
export { KeyStore, importIssuerKey, snapshot } from "./keys.js";
export { KEY_FILE_VERSION, KEY_STATES, KeyFileError, KeyState, keyStates } from "@oblivious/service-kit";
export type { IssuerKey, KeySnapshot } from "./keys.js";
export { REQUEST_KINDS, createIssuerMetrics } from "./metrics.js";
export type { IssuerMetrics, MetricsOptions, RequestKind } from "./metrics.js";
export { MIN_PSEUDONYM_KEY_BYTES, createPseudonyms, generatePseudonymKeyFile, loadPseudonyms, parsePseudonymKey } from "./pseudonym.js";
export type { Pseudonyms } from "./pseudonym.js";
export { MemoryQuotaStore, QuotaUnavailable, RedisQuotaStore } from "./quota.js";
export type { MemoryQuotaOptions, QuotaDecision, QuotaLimits, QuotaStore } from "./quota.js";
export { SignerErrorCode, SignerFailed, SignerOverloaded, SignerPool, signErrorCode } from "./signer-pool.js";
export type { SignerKey, SignerPoolOptions, Signers } from "./signer-pool.js";
export { InlineSigner } from "./inline-signer.js";
export type { InlineSignerOptions } from "./inline-signer.js";
export { Secret } from "@oblivious/service-kit";
