/**
 * Attestation: the device authenticates to the issuer with a device credential, a JWT signed by
 * the messenger's account system, sent as `Authorization: Bearer <jwt>` (RFC 6750 §2.1). The
 * issuer checks it against a configured JWKS (a file, re-read when it changes, or a URL): the
 * signature with an allowed algorithm only (ES256, EdDSA; never `none` or an HMAC), `exp`
 * (required), `nbf` if present, `iss` and `aud`. The device id is the `sub` claim. It leaves this
 * module only to be turned into a keyed pseudonym; it is never logged, stored or counted in a
 * metric.
 *
 * Why the signature is not checked by jose's `jwtVerify`: jose v6 verifies through WebCrypto,
 * which runs on libuv's threadpool, with glue on the main thread, for single token requests
 * whose whole budget is about one RSA signature; a synchronous `node:crypto` `verify()` with a
 * KeyObject does the same check with no thread hop, for less CPU
 * (docs/decisions/0007-jwt-checks-on-node-crypto.md). So this module reads the compact JWS itself (RFC 7515 §7.1) and checks the claims as jose's
 * `jwtVerify` does, in the same order and with the same outcome for every credential jose
 * refuses (`test/attestation-differential.test.ts` compares the two on generated credentials).
 *
 * What jose still does: the key sources. `createLocalJWKSet` (file) and `createRemoteJWKSet`
 * (URL: fetch, cache, refetch for an unknown `kid`, timeout) pick the key for a header (kid, kty,
 * crv, alg, use, key_ops, one match only) and import it once per JWKS key into a CryptoKey that
 * jose caches; each CryptoKey is turned once into a KeyObject here (a WeakMap). That selection is
 * cheap beside a verification and never touches WebCrypto again, so it stays: the selection rules
 * and the remote cache are jose's, not a copy of them.
 *
 * Where this verifier is stricter than jose (it refuses credentials jose would accept; an account
 * system that follows RFC 7515/7519 never mints them):
 * - base64url is strict (RFC 7515 §2): no padding, no character outside the URL-safe alphabet,
 *   and zero unused bits in the last character, so that a credential has one encoding only. jose
 *   on Node 20 decodes with `atob`, which takes padding and ignores the unused bits.
 * - any `crit` header is refused (jose accepts `crit: ["b64"]` with `b64: true`), and so is a
 *   `b64` other than `true` (jose ignores `b64` when `crit` does not list it, and reads the payload
 *   as base64url whatever the signer meant).
 *
 * Failures are reported as a reason from a closed set (for metrics), never with the message.
 */
import { KeyObject, verify as verifySignature } from "node:crypto";
import { readFile } from "node:fs/promises";
import { errors, type CryptoKey, type JWSHeaderParameters } from "jose";
import type { ReloadResult } from "@oblivious/service-kit";
import type { AttestationAlgorithm, AttesterConfig } from "./config.js";
import { JwksError, fileKeySource, remoteKeySource, type KeySource } from "./jwks.js";


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

/** What a key source's failure means for the credential (jose's errors, as jwtVerify raised them). */
function keyFailure(e: unknown): CredentialFailure {
  if (e instanceof JwksError) return CredentialFailure.Unavailable;
  if (e instanceof errors.JOSENotSupported) return CredentialFailure.AlgorithmNotAllowed;
  if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) return CredentialFailure.UnknownKey;
  return CredentialFailure.Malformed;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * Strict base64url (RFC 7515 §2, RFC 4648 §5): the URL-safe alphabet only, no padding, and the
 * unused low bits of a last partial group zero (RFC 4648 §3.5), so each byte string has one
 * encoding. Undefined for anything else.
 */
function decodeBase64url(text: string): Buffer | undefined {
  const partial = text.length % 4;
  if (partial === 1 || !BASE64URL.test(text)) return undefined;
  if (partial !== 0) {
    const last = BASE64URL_ALPHABET.indexOf(text.charAt(text.length - 1));
    if ((last & (partial === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  }
  return Buffer.from(text, "base64url");
}

/** Strict UTF-8 (a leading BOM is dropped, as jose's decoder does). */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** A base64url segment holding a JSON object (a JOSE header, a claims set); undefined otherwise. */
function jsonObject(segment: string): Record<string, unknown> | undefined {
  const bytes = decodeBase64url(segment);
  if (bytes === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(bytes));
  } catch {
    return undefined;
  }
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * A verification key as node:crypto uses it, with the one algorithm its type allows: Ed25519 for
 * EdDSA (RFC 8037 §3.1), P-256 for ES256 (RFC 7518 §3.4).
 */
interface VerifyKey {
  readonly key: KeyObject;
  readonly alg: AttestationAlgorithm | undefined;
}

function algorithmOf(key: KeyObject): AttestationAlgorithm | undefined {
  if (key.type !== "public") return undefined;
  if (key.asymmetricKeyType === "ed25519") return "EdDSA";
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ES256";
  return undefined;
}

/** One KeyObject per CryptoKey that jose's key sources hand out (they cache one per JWKS key). */
const verifyKeys = new WeakMap<CryptoKey, VerifyKey>();

function verifyKeyOf(cryptoKey: CryptoKey): VerifyKey {
  let found = verifyKeys.get(cryptoKey);
  if (found === undefined) {
    const key = KeyObject.from(cryptoKey);
    found = { key, alg: algorithmOf(key) };
    verifyKeys.set(cryptoKey, found);
  }
  return found;
}

/**
 * RFC 7515 §5.2 step 8: the JWS Signature over the signing input, with the key's algorithm.
 * EdDSA: Ed25519 over the message itself (RFC 8037 §3.1); ES256: ECDSA P-256 SHA-256 with the
 * signature as R || S, 32 bytes each (RFC 7518 §3.4). node:crypto answers false (or throws, for
 * inputs it cannot read) for anything that is not a valid signature.
 */
function signatureValid(alg: AttestationAlgorithm, key: KeyObject, signingInput: Buffer, signature: Buffer): boolean {
  try {
    if (alg === "EdDSA") return verifySignature(null, signingInput, key, signature);
    return signature.length === 64 && verifySignature("sha256", signingInput, { key, dsaEncoding: "ieee-p1363" }, signature);
  } catch {
    return false;
  }
}

/**
 * The `crit` header (RFC 7515 §4.1.11): jose's answer where jose refuses (a malformed `crit`, an
 * extension it does not know, `b64` listed but absent), and `Malformed` where it would go on: this
 * verifier implements no extension, so no `crit` is acceptable.
 */
function critFailure(header: Record<string, unknown>, crit: unknown): CredentialFailure {
  if (!Array.isArray(crit) || crit.length === 0 || crit.some((p) => typeof p !== "string" || p.length === 0)) return CredentialFailure.Malformed;
  for (const parameter of crit as string[]) {
    if (parameter !== "b64") return CredentialFailure.AlgorithmNotAllowed;
    if (!Object.hasOwn(header, parameter)) return CredentialFailure.Malformed;
  }
  return CredentialFailure.Malformed;
}

interface ClaimRules {
  readonly issuer: string;
  readonly audience: string;
  readonly clockToleranceS: number;
}

/**
 * RFC 7519 §4.1 claims, in jose's order: presence of `iss`, `aud`, `sub`, `exp`; `iss`; `aud`
 * (a string, or an array holding the audience); `iat`, if present, a number; `nbf`, if present,
 * a number not after now + tolerance; `exp` a number after now - tolerance. Then the device id.
 */
function checkClaims(claims: Record<string, unknown>, rules: ClaimRules, nowMs: number): AttestationResult {
  const fail = (failure: CredentialFailure): AttestationResult => ({ ok: false, failure });
  if (!Object.hasOwn(claims, "iss")) return fail(CredentialFailure.WrongIssuer);
  if (!Object.hasOwn(claims, "aud")) return fail(CredentialFailure.WrongAudience);
  if (!Object.hasOwn(claims, "sub") || !Object.hasOwn(claims, "exp")) return fail(CredentialFailure.InvalidClaims);
  if (claims["iss"] !== rules.issuer) return fail(CredentialFailure.WrongIssuer);
  const aud = claims["aud"];
  if (!(typeof aud === "string" ? aud === rules.audience : Array.isArray(aud) && aud.includes(rules.audience))) return fail(CredentialFailure.WrongAudience);
  const now = Math.floor(nowMs / 1000);
  const { iat, nbf, exp, sub } = claims;
  if (iat !== undefined && typeof iat !== "number") return fail(CredentialFailure.InvalidClaims);
  if (nbf !== undefined && (typeof nbf !== "number" || nbf > now + rules.clockToleranceS)) return fail(CredentialFailure.NotYetValid);
  if (typeof exp !== "number") return fail(CredentialFailure.InvalidClaims);
  if (exp <= now - rules.clockToleranceS) return fail(CredentialFailure.Expired);
  if (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_DEVICE_ID_LENGTH) return fail(CredentialFailure.InvalidClaims);
  return { ok: true, deviceId: sub };
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
  const algorithms: ReadonlySet<string> = new Set(config.algorithms);
  const rules: ClaimRules = { issuer: config.issuer, audience: config.audience, clockToleranceS: config.clockToleranceS };
  const fail = (failure: CredentialFailure): AttestationResult => ({ ok: false, failure });

  /** RFC 7515 §5.2, for the JWS Compact Serialization, then RFC 7519 §7.2 steps 7-10. */
  async function verifyJwt(jwt: string): Promise<AttestationResult> {
    const segments = jwt.split(".");
    if (segments.length !== 3) return fail(CredentialFailure.Malformed);
    const [encodedHeader, encodedPayload, encodedSignature] = segments as [string, string, string];
    const header = jsonObject(encodedHeader);
    if (header === undefined) return fail(CredentialFailure.Malformed);
    if (header["crit"] !== undefined) return fail(critFailure(header, header["crit"]));
    if (Object.hasOwn(header, "b64") && header["b64"] !== true) return fail(CredentialFailure.Malformed);
    const alg = header["alg"];
    if (typeof alg !== "string" || alg === "") return fail(CredentialFailure.Malformed);
    if (!algorithms.has(alg)) return fail(CredentialFailure.AlgorithmNotAllowed);

    let verifyKey: VerifyKey;
    try {
      const token = { protected: encodedHeader, payload: encodedPayload, signature: encodedSignature };
      verifyKey = verifyKeyOf(await source.getKey(header as JWSHeaderParameters, token));
    } catch (e) {
      return fail(keyFailure(e));
    }
    const signature = decodeBase64url(encodedSignature);
    if (signature === undefined) return fail(CredentialFailure.Malformed);
    if (verifyKey.alg !== alg) return fail(CredentialFailure.Malformed);
    const signingInput = Buffer.from(jwt.slice(0, encodedHeader.length + 1 + encodedPayload.length), "latin1");
    if (!signatureValid(alg, verifyKey.key, signingInput, signature)) return fail(CredentialFailure.BadSignature);

    const claims = jsonObject(encodedPayload);
    if (claims === undefined) return fail(CredentialFailure.Malformed);
    return checkClaims(claims, rules, now());
  }

  return {
    async verify(authorization) {
      if (authorization === undefined || authorization === "") return fail(CredentialFailure.Missing);
      if (authorization.length > MAX_CREDENTIAL_LENGTH) return fail(CredentialFailure.Malformed);
      const match = BEARER.exec(authorization);
      if (match === null) {
        // Another scheme is no Bearer credential at all (RFC 6750 §3: answer with the challenge).
        return fail(/^bearer(?: |$)/i.test(authorization) ? CredentialFailure.Malformed : CredentialFailure.Missing);
      }
      return verifyJwt(match[1] ?? "");
    },
    reload: () => source.reload(),
    close: () => source.close(),
  };
}
