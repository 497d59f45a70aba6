export { PROBLEM_MEDIA_TYPE, CommonProblems, problemAnswer, problemType, problemJson, sendProblem } from "./problem.js";
export type { Problem } from "./problem.js";
export { ConfigError, EnvReader, parseDuration, deepFreeze } from "./config.js";
export { LogLevel, DropReason, field, defineEvents, createLogger, lifecycleEvents } from "./log.js";
export type { EnumField, IntField, DurationField, BoolField, FieldSpec, EventSpec, EventCatalog, EventFields, Logger, LoggerOptions } from "./log.js";
export { createAdminServer } from "./admin.js";
export type { AdminOptions } from "./admin.js";
export { BodyError, BodyErrorCode, readBody, mediaType } from "./body.js";
export { runService } from "./lifecycle.js";
export type { Listener, AdminListener, RunOptions, RunningService, Server as DrainableServer } from "./lifecycle.js";
export { BoundHistogram } from "./bound-histogram.js";
export type { BoundHistogramOptions, Observe } from "./bound-histogram.js";
export { HTTP_METHODS, methodLabel, httpRequestEvent, createHttpObserver } from "./http-observer.js";
export type { HttpMethodLabel, HttpObserver } from "./http-observer.js";
export { notFoundHandler, methodNotAllowed, finalErrorHandler } from "./express.js";
export { createRedis, redisReady, readRedisConfig } from "./redis.js";
export type { RedisOptions, RedisConfig } from "./redis.js";
export { Secret } from "./secret.js";
export { FileWatcher, ReloadResult, RELOAD_RESULTS, writeFileAtomic, loadSecretSource } from "./file-watch.js";
export type { FileWatcherOptions, SecretSource, LoadSecretOptions } from "./file-watch.js";
export { runProcess, startFailure } from "./process.js";
export type { ProcessOptions, StartFailure } from "./process.js";
export { RotationTimingError, RotationTimingErrorCode, checkRotationTimes, formatDuration, minimumRotationMs, timingTerm } from "./rotation-timing.js";
export type { ListingCaching, TimingTerm } from "./rotation-timing.js";
export { KEY_STATES, KeyState, TimedKeyStore, entriesIn, evaluateKeys, keyStates, nextTransition } from "./key-lifecycle.js";
export type { KeyEvaluation, KeyTimes, TimedKeyStoreOptions, TimedSnapshot } from "./key-lifecycle.js";
export {
  KEY_FILE_VERSION,
  KeyFileError,
  KeyFileErrorCode,
  KeyFileWatcher,
  checkKeys,
  formatTime,
  generateKeyFile,
  loadKeyFile,
  parseKeyFile,
  readKeyFile,
  rotateKeys,
  serializeKeyFile,
  writeKeyFile,
} from "./key-file.js";
export type { KeyFileSpec, RotateOptions, Rotation } from "./key-file.js";
export { runKeysCli } from "./keys-cli.js";
export type { CliTimingTerm, KeysCliSpec } from "./keys-cli.js";
