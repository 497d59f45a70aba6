// @oblivious/gateway: the Oblivious HTTP gateway (RFC 9458, RFC 9540). See README.md.
export { startGateway } from "./server.js";
export type { StartOptions, RunningGateway } from "./server.js";
export { loadGatewayConfig, parseSize, DEFAULT_TARGETS, KEYS_MAX_AGE_DEFAULT_MS, RELAY_KEYS_TTL_DEFAULT_MS } from "./config.js";
export type { GatewayConfig } from "./config.js";
export { createGatewayHandler, GATEWAY_PATH, WELL_KNOWN_PATH, KEYS_PATH } from "./app.js";
export type { GatewayDeps, RequestListener } from "./app.js";
export {
  KEY_FILE_VERSION,
  KEM_NAME,
  DEFAULT_SYMMETRIC,
  KEY_STATES,
  KeyFileError,
  KeyState,
  KeyStore,
  keyStates,
  parseKeyFile,
  serializeKeyFile,
  snapshot,
} from "./keys.js";
export type { KeyEntry, KeySnapshot } from "./keys.js";
export {
  KEYS_FILE_VARIABLE,
  KEYS_VARIABLE,
  KeyFileWatcher,
  ReloadResult,
  addMissingKems,
  watchKeys,
  createKeyEntry,
  generateKeyFile,
  loadKeys,
  readKeyFile,
  rotateKeyEntries,
  writeKeyFile,
} from "./key-file.js";
export type { KeySource, LoadedKeys, RotateOptions, Rotation } from "./key-file.js";
export { DEFAULT_GENERATED_KEMS, DEFAULT_KEM, GATEWAY_KEMS, gatewayKem, kemByCliName, kemByFileName } from "./key-kems.js";
export type { GatewayKem } from "./key-kems.js";
export { TargetTable, canonicalOrigin, parseTargets } from "./targets.js";
export type { Target, Route } from "./targets.js";
export { MemoryReplayCache, REDIS_EXPIRY_SLACK_MS, RedisReplayCache, ReplayUnavailable } from "./replay.js";
export type { ReplayCache, MemoryReplayOptions } from "./replay.js";
export { DateVerdict, checkDate, parseHttpDate, replayTtlMs } from "./date.js";
export type { DatePolicy } from "./date.js";
export { Forwarder, ForwardFailure, requestFields } from "./forward.js";
export type { ForwardResult, ForwarderOptions } from "./forward.js";
export { DEFAULT_PADDING, pad, paddedLength, parsePadding } from "./padding.js";
export type { PaddingPolicy } from "./padding.js";
export { DATE_PROBLEM_TYPE, INNER_PROBLEMS, InnerError, OHTTP_KEY_PROBLEM_TYPE, OUTCOMES, OUTER_PROBLEMS, OuterError } from "./errors.js";
export type { Outcome } from "./errors.js";
export { createGatewayMetrics, TARGET_RESULTS } from "./metrics.js";
export type { GatewayMetrics, MetricsOptions, TargetResult } from "./metrics.js";
export { ROUTES, gatewayEvents } from "./events.js";
export type { GatewayEvents, GatewayLogger, RouteName } from "./events.js";
export { Secret } from "@oblivious/service-kit";
export { formatHttpDate } from "@oblivious/http1";
