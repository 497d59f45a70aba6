/**
 * The issuer's configuration, read once from the environment, checked, frozen. A bad value stops
 * start-up with a ConfigError that names the variable, never its value. Secrets (inline keys, the
 * pseudonym key, a Redis URL with a password) are wrapped so that they cannot be printed by
 * accident. Key material itself is read by `startIssuer`, which fails with a ConfigError naming
 * the variable when it is unusable: there is no random fallback for any key.
 */
import { availableParallelism } from "node:os";
import { EnvReader, deepFreeze, type SecretSource, readRedisConfig, type RedisConfig } from "@oblivious/service-kit";
import { Secret } from "@oblivious/service-kit";
import { DIRECTORY_MAX_AGE_DEFAULT_MS } from "./directory.js";
import { originHost, readListenerSettings, readShedSettings } from "@oblivious/service-kit";

/** Where a piece of secret material comes from: a file (mounted secret) or the variable itself. */
export type { SecretSource };

export type JwksSource = { readonly kind: "file"; readonly path: string } | { readonly kind: "url"; readonly url: URL };

/** Signature algorithms a device credential may use (an allow-list; never `none` or HMAC). */
export const ATTESTATION_ALGORITHMS = ["ES256", "EdDSA"] as const;
export type AttestationAlgorithm = (typeof ATTESTATION_ALGORITHMS)[number];

export interface AttesterConfig {
  readonly jwks: JwksSource;
  /** The `iss` every credential must carry. */
  readonly issuer: string;
  /** The `aud` every credential must carry. */
  readonly audience: string;
  readonly algorithms: readonly AttestationAlgorithm[];
  readonly clockToleranceS: number;
  /** How often ATTESTER_JWKS_FILE is re-read; 0 turns reloading off. */
  readonly jwksReloadMs: number;
}

export interface IssuerConfig {
  readonly host: string;
  readonly port: number;
  readonly adminHost: string;
  readonly adminPort: number;
  /** The issuer_name origins put in their challenges; informational here. */
  readonly issuerName: string;
  /** The absolute URI published as `issuer-request-uri` in the directory. */
  readonly issuerRequestUri: string;
  readonly keys: SecretSource;
  /** How often ISSUER_KEYS_FILE is re-read; 0 turns reloading off. */
  readonly keyReloadMs: number;
  /** Upper bound of the directory's Cache-Control max-age, in seconds. */
  readonly directoryMaxAgeS: number;
  readonly attester: AttesterConfig;
  /** Tokens per device per period. */
  readonly quota: number;
  readonly quotaPeriodMs: number;
  /** Bound of the in-memory quota table (without REDIS_URL). */
  readonly quotaMaxEntries: number;
  readonly pseudonymKey: SecretSource;
  /** Worker threads that sign; 0: the event loop signs (one core per process, inline-signer.ts). */
  readonly signers: number;
  /** Most token requests in one batched request. */
  readonly maxBatch: number;
  /** Most blinded messages waiting for a signer before new requests are refused with 503. */
  readonly maxQueue: number;
  readonly drainTimeoutMs: number;
  /** Not ready but serving, on stop, before the drain (service-kit's lifecycle.ts). */
  readonly shutdownGraceMs: number;
  /** `POST /token-request` requests handled at once; more are shed with 503 (0: no limit). */
  readonly maxInFlight: number;
  /** Latency above which, for a whole window, the in-flight limit shrinks (0: the limit stays fixed). */
  readonly shedTargetMs: number;
  readonly redis: RedisConfig | undefined;
  /** ISSUER_ARC_KEYS_FILES: one ARC key file per token-gated origin (arc-keys.ts); empty: no ARC issuance. */
  readonly arcKeysFiles: readonly string[];
  /** ISSUER_ARC_QUOTA: ARC credentials per device per origin key per ARC period. */
  readonly arcQuota: number;
  /** ISSUER_ARC_PERIOD: the origins' credential period (TOKEN_ARC_PERIOD), aligned on the Unix epoch. */
  readonly arcPeriodMs: number;
}

export const KEYS_FILE_VARIABLE = "ISSUER_KEYS_FILE";
export const KEYS_VARIABLE = "ISSUER_KEYS";
export const PSEUDONYM_KEY_FILE_VARIABLE = "ISSUER_PSEUDONYM_KEY_FILE";
export const PSEUDONYM_KEY_VARIABLE = "ISSUER_PSEUDONYM_KEY";

function secretSource(env: EnvReader, fileVariable: string, inlineVariable: string, what: string): SecretSource {
  const file = env.string(fileVariable);
  const inline = env.string(inlineVariable);
  if (file !== undefined && inline !== undefined) env.invalid(inlineVariable, `set only one of ${fileVariable} and ${inlineVariable}`);
  else if (file !== undefined) return { kind: "file", path: file };
  else if (inline !== undefined) return { kind: "inline", text: new Secret(inline) };
  else env.invalid(fileVariable, `is required (or ${inlineVariable}): the issuer never makes up ${what}`);
  return { kind: "file", path: "" };
}

function algorithms(env: EnvReader): AttestationAlgorithm[] {
  const raw = env.string("ATTESTER_ALGORITHMS", ATTESTATION_ALGORITHMS.join(","));
  const list = raw.split(",").map((s) => s.trim());
  const allowed = list.filter((a): a is AttestationAlgorithm => (ATTESTATION_ALGORITHMS as readonly string[]).includes(a));
  if (allowed.length === 0 || allowed.length !== list.length) {
    env.invalid("ATTESTER_ALGORITHMS", `must be a comma-separated subset of ${ATTESTATION_ALGORITHMS.join(", ")}`);
    return [...ATTESTATION_ALGORITHMS];
  }
  return [...new Set(allowed)];
}

export function loadIssuerConfig(environment: Readonly<Record<string, string | undefined>>): IssuerConfig {
  const env = new EnvReader(environment);
  const listeners = readListenerSettings(env, "issuer", { drainTimeoutMs: 10_000 });
  const { host, port } = listeners;
  const issuerName = env.string("ISSUER_NAME", originHost("issuer"));
  const requestHost = host.includes(":") ? `[${host}]` : host;
  const issuerRequestUri = env.url("ISSUER_REQUEST_URI", `http://${requestHost}:${port}/token-request`)?.href ?? "";

  const keys = secretSource(env, KEYS_FILE_VARIABLE, KEYS_VARIABLE, "a signing key");
  const keyReloadMs = env.duration("ISSUER_KEY_RELOAD", 10_000, { maxMs: 86_400_000 });
  const directoryMaxAgeS = Math.floor(env.duration("ISSUER_DIRECTORY_MAX_AGE", DIRECTORY_MAX_AGE_DEFAULT_MS, { maxMs: 7 * 86_400_000 }) / 1000);

  let jwks: JwksSource = { kind: "file", path: "" };
  const jwksFile = env.string("ATTESTER_JWKS_FILE");
  const jwksUrl = env.url("ATTESTER_JWKS_URL");
  if (jwksFile !== undefined && env.has("ATTESTER_JWKS_URL")) env.invalid("ATTESTER_JWKS_URL", "set only one of ATTESTER_JWKS_FILE and ATTESTER_JWKS_URL");
  else if (jwksFile !== undefined) jwks = { kind: "file", path: jwksFile };
  else if (jwksUrl !== undefined) jwks = { kind: "url", url: jwksUrl };
  else if (!env.has("ATTESTER_JWKS_URL")) env.invalid("ATTESTER_JWKS_FILE", "is required (or ATTESTER_JWKS_URL): device credentials cannot be checked without keys");
  const attester: AttesterConfig = {
    jwks,
    issuer: env.required("ATTESTER_ISSUER"),
    audience: env.string("ATTESTER_AUDIENCE", issuerName),
    algorithms: algorithms(env),
    clockToleranceS: Math.floor(env.duration("ATTESTER_CLOCK_TOLERANCE", 30_000, { maxMs: 600_000 }) / 1000),
    jwksReloadMs: env.duration("ATTESTER_JWKS_RELOAD", 10_000, { maxMs: 86_400_000 }),
  };

  const quota = env.int("ISSUER_QUOTA", 100, { min: 1, max: 1_000_000_000 });
  const quotaPeriodMs = env.duration("ISSUER_QUOTA_PERIOD", 86_400_000, { minMs: 1000, maxMs: 366 * 86_400_000 });
  const quotaMaxEntries = env.int("ISSUER_QUOTA_MAX_ENTRIES", 1_000_000, { min: 1, max: 100_000_000 });
  const pseudonymKey = secretSource(env, PSEUDONYM_KEY_FILE_VARIABLE, PSEUDONYM_KEY_VARIABLE, "a pseudonym key");

  const signers = env.int("ISSUER_SIGNERS", availableParallelism(), { min: 0, max: 256 });
  const maxBatch = env.int("ISSUER_MAX_BATCH", 100, { min: 1, max: 10_000 });
  const maxQueue = env.int("ISSUER_MAX_QUEUE", Math.max(1024, 4 * maxBatch), { min: 1, max: 10_000_000 });
  if (maxQueue < maxBatch) env.invalid("ISSUER_MAX_QUEUE", "must be at least ISSUER_MAX_BATCH");
  const shed = readShedSettings(env, "issuer", { maxInFlight: 64 });

  const redis = readRedisConfig(env, "issuer:");

  const arcKeysFiles = env
    .string("ISSUER_ARC_KEYS_FILES", "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (new Set(arcKeysFiles).size !== arcKeysFiles.length) env.invalid("ISSUER_ARC_KEYS_FILES", "names a file twice");
  const arcQuota = env.int("ISSUER_ARC_QUOTA", 1, { min: 1, max: 1_000_000 });
  const arcPeriodMs = env.duration("ISSUER_ARC_PERIOD", 86_400_000, { minMs: 60_000, maxMs: 366 * 86_400_000 });

  env.done();
  return deepFreeze({
    ...listeners,
    issuerName,
    issuerRequestUri,
    keys,
    keyReloadMs,
    directoryMaxAgeS,
    attester,
    quota,
    quotaPeriodMs,
    quotaMaxEntries,
    pseudonymKey,
    signers,
    maxBatch,
    maxQueue,
    ...shed,
    redis,
    arcKeysFiles,
    arcQuota,
    arcPeriodMs,
  });
}
