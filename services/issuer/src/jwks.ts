/**
 * The account system's keys for device credentials (RFC 7517 JWKS), as jose selects and caches
 * them: ATTESTER_JWKS_FILE (re-read when it changes; a changed file that is not a usable JWKS is
 * refused and the keys in use stay) or ATTESTER_JWKS_URL (jose's remote set). attestation.ts
 * checks the credentials against them.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, type CryptoKey, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from "jose";
import { FileWatcher, ReloadResult } from "@oblivious/service-kit";
import { CodedError } from "@oblivious/wire";

export const JwksErrorCode = {
  /** The key source cannot answer (network, timeout): not the client's fault. */
  Unavailable: "unavailable",
} as const;
export type JwksErrorCode = (typeof JwksErrorCode)[keyof typeof JwksErrorCode];

export class JwksError extends CodedError<JwksErrorCode> {
  override readonly name = "JwksError";
  constructor(code: JwksErrorCode) {
    super(code, `attester keys: ${code}`);
  }
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

/** Picks and imports the key for a protected header (jose's JWKS selection); throws jose's errors. */
export type GetKey = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

export interface KeySource {
  readonly getKey: GetKey;
  reload(): Promise<ReloadResult>;
  close(): void;
}

/** ATTESTER_JWKS_FILE, polled for changes; a changed file that is not a usable JWKS is refused. */
export function fileKeySource(path: string, content: Buffer, intervalMs: number, onReload: (r: ReloadResult) => void): KeySource {
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
export function remoteKeySource(url: URL): KeySource {
  const remote = createRemoteJWKSet(url, { timeoutDuration: 2000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  return {
    getKey: async (header, token) => {
      try {
        return await remote(header, token);
      } catch (e) {
        if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys || e instanceof errors.JOSENotSupported) throw e;
        throw new JwksError(JwksErrorCode.Unavailable);
      }
    },
    reload: () => Promise.resolve(ReloadResult.Unchanged),
    close: () => undefined,
  };
}
