/**
 * Attestation: the device authenticates to the issuer with a device credential, a JWT signed by
 * the messenger's account system, sent as `Authorization: Bearer <jwt>` (RFC 6750 §2.1). The
 * issuer checks it with jose against a configured JWKS (a file, re-read when it changes, or a URL
 * through jose's remote JWKS cache): the signature with an allowed algorithm only (ES256, EdDSA;
 * never `none` or an HMAC), `exp` (required), `nbf` if present, `iss` and `aud`. The device id
 * is the `sub` claim. It leaves this module only to be turned into a keyed pseudonym; it is never
 * logged, stored or counted in a metric.
 *
 * Failures are reported as a reason from a closed set (for metrics), never with the message.
 */
import { readFile } from "node:fs/promises";
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { AttesterConfig } from "./config.js";
import { FileWatcher, ReloadResult } from "@oblivious/service-kit";

export const CredentialFailure = {
  Missing: "missing",
  Malformed: "malformed",
  Expired: "expired",
  NotYetValid: "not_yet_valid",
  BadSignature: "bad_signature",
  WrongIssuer: "wrong_issuer",
  WrongAudience: "wrong_audience",
  UnknownKey: "unknown_key",
  AlgorithmNotAllowed: "algorithm_not_allowed",
  InvalidClaims: "invalid_claims",
  /** The JWKS could not be fetched: the credential cannot be checked (fail closed, 503). */
  Unavailable: "unavailable",
} as const;
export type CredentialFailure = (typeof CredentialFailure)[keyof typeof CredentialFailure];
export const CREDENTIAL_FAILURES: readonly CredentialFailure[] = Object.values(CredentialFailure);

export type AttestationResult = { readonly ok: true; readonly deviceId: string } | { readonly ok: false; readonly failure: CredentialFailure };

export interface Attester {
  verify(authorization: string | undefined): Promise<AttestationResult>;
  /** Checks ATTESTER_JWKS_FILE now (no-op for a URL). */
  reload(): Promise<ReloadResult>;
  close(): void;
}

/** The longest credential read; a JWT of a few claims is well under 1 KiB. */
export const MAX_CREDENTIAL_LENGTH = 8192;
/** Longest accepted device id (`sub`). */
export const MAX_DEVICE_ID_LENGTH = 256;

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Thrown by a key source that cannot answer (network, timeout): not the client's fault. */
class JwksUnavailable extends Error {
  override readonly name = "JwksUnavailable";
}

/** RFC 7517 private and symmetric key members: a JWKS for verification must carry none. */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/** Checks a JWKS document: public EC or OKP keys only. Throws TypeError with a fixed message. */
export function parseJwks(text: string): JSONWebKeySet {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new TypeError("is not JSON");
  }
  const keys = typeof doc === "object" && doc !== null ? (doc as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) throw new TypeError('must be { "keys": [...] }');
  if (keys.length === 0) throw new TypeError("holds no key");
  for (const key of keys as unknown[]) {
    if (typeof key !== "object" || key === null) throw new TypeError("holds a key that is not an object");
    const k = key as Record<string, unknown>;
    if (PRIVATE_MEMBERS.some((m) => m in k)) throw new TypeError("holds private or symmetric key material");
    if (k["kty"] !== "EC" && k["kty"] !== "OKP") throw new TypeError("holds a key that is neither EC nor OKP");
  }
  return { keys: keys as JSONWebKeySet["keys"] };
}

function failureOf(e: unknown): CredentialFailure {
  if (e instanceof JwksUnavailable) return CredentialFailure.Unavailable;
  if (e instanceof errors.JWTExpired) return CredentialFailure.Expired;
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === "iss") return CredentialFailure.WrongIssuer;
    if (e.claim === "aud") return CredentialFailure.WrongAudience;
    if (e.claim === "nbf") return CredentialFailure.NotYetValid;
    return CredentialFailure.InvalidClaims;
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) return CredentialFailure.BadSignature;
  if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported) return CredentialFailure.AlgorithmNotAllowed;
  if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) return CredentialFailure.UnknownKey;
  return CredentialFailure.Malformed;
}

interface KeySource {
  readonly getKey: JWTVerifyGetKey;
  reload(): Promise<ReloadResult>;
  close(): void;
}

/** ATTESTER_JWKS_FILE, polled for changes; a changed file that is not a usable JWKS is refused. */
function fileKeySource(path: string, content: Buffer, intervalMs: number, onReload: (r: ReloadResult) => void): KeySource {
  let local = createLocalJWKSet(parseJwks(content.toString("utf8")));
  const watcher = new FileWatcher({
    path,
    content,
    parse: (text) => createLocalJWKSet(parseJwks(text)),
    apply: (keys) => (local = keys),
    onResult: onReload,
  });
  watcher.start(intervalMs);
  return {
    getKey: (header, token) => local(header, token),
    reload: () => watcher.check(),
    close: () => watcher.stop(),
  };
}

/** ATTESTER_JWKS_URL through jose's cache: refetched after 10 minutes, or for an unknown kid (at most every 30 s). */
function remoteKeySource(url: URL): KeySource {
  const remote = createRemoteJWKSet(url, { timeoutDuration: 2000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  return {
    getKey: async (header, token) => {
      try {
        return await remote(header, token);
      } catch (e) {
        if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys || e instanceof errors.JOSENotSupported) throw e;
        throw new JwksUnavailable();
      }
    },
    reload: () => Promise.resolve(ReloadResult.Unchanged),
    close: () => undefined,
  };
}

export interface AttesterOptions {
  readonly config: AttesterConfig;
  readonly now: () => number;
  readonly onJwksReload?: (r: ReloadResult) => void;
}

/**
 * Builds the attester. With a file, the file must hold a usable JWKS at start-up (a TypeError
 * with a fixed message otherwise; the server turns it into a ConfigError).
 */
export async function createAttester(options: AttesterOptions): Promise<Attester> {
  const { config, now } = options;
  let source: KeySource;
  if (config.jwks.kind === "file") {
    source = fileKeySource(config.jwks.path, await readFile(config.jwks.path), config.jwksReloadMs, options.onJwksReload ?? (() => undefined));
  } else {
    source = remoteKeySource(config.jwks.url);
  }
  const verifyOptions = {
    algorithms: [...config.algorithms],
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: config.clockToleranceS,
    requiredClaims: ["exp", "sub"],
  };

  return {
    async verify(authorization) {
      if (authorization === undefined || authorization === "") return { ok: false, failure: CredentialFailure.Missing };
      if (authorization.length > MAX_CREDENTIAL_LENGTH) return { ok: false, failure: CredentialFailure.Malformed };
      const match = BEARER.exec(authorization);
      if (match === null) {
        // Another scheme is no Bearer credential at all (RFC 6750 §3: answer with the challenge).
        return { ok: false, failure: /^bearer(?: |$)/i.test(authorization) ? CredentialFailure.Malformed : CredentialFailure.Missing };
      }
      try {
        const { payload } = await jwtVerify(match[1] ?? "", source.getKey, { ...verifyOptions, currentDate: new Date(now()) });
        const sub = payload.sub;
        if (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_DEVICE_ID_LENGTH) return { ok: false, failure: CredentialFailure.InvalidClaims };
        return { ok: true, deviceId: sub };
      } catch (e) {
        return { ok: false, failure: failureOf(e) };
      }
    },
    reload: () => source.reload(),
    close: () => source.close(),
  };
}
