/**
 * ARC (token type 0xE5AC) at the origin: draft-ietf-privacypass-arc-protocol, Sections "Token
 * Challenge Requirements" and "Token Verification".
 *
 * - The challenge: `PrivateToken challenge=<TokenChallenge 0xE5AC>, token-key=<pkI>, max-age=<s>,
 *   rate-limit=<presentation limit>`, offered beside the type-2 challenges. Its
 *   `credential_context` is F(current period) with F = HMAC-SHA-256 under a key derived from the
 *   ARC private key ("a pseudorandom function" of the time window, as the draft suggests): every
 *   replica holding the key computes the same context, and clients cannot compute a later
 *   period's context before the origin offers it, so a credential cannot be fetched ahead for a
 *   period whose issuance quota has not started. `redemption_context` is empty (as for type 2:
 *   through OHTTP there is no client session to bind to). `max-age` never runs past the period.
 * - Verification, cheap before costly and the store last: length for the limit, `issuer_key_id`,
 *   `challenge_digest` of the current period's challenge (or the previous one's during `graceMs`
 *   after the boundary), all read from the bytes without decoding a point; then decoding and
 *   VerifyPresentation with both contexts, one at a time in a bounded queue (./arc-queue.ts: more
 *   than `maxQueuedVerifications` waiting is `overloaded`, a 503, docs/decisions/
 *   0045-arc-verification-shedding.md); then spend-once of the tag.
 * - Spend-once: the store keeps SHA-256(label || request_context || presentation_context || tag),
 *   never the tag itself, until the end of the period plus the grace and a skew margin; the same
 *   `SpentTokenStore` as type 2 (Redis `SET NX PX`: exactly once across replicas, fails closed).
 *
 * How origins hold the ARC private key, and what that means: docs/decisions/0031-arc-verification-key.md.
 */
import { createHash, createHmac } from "node:crypto";
import {
  PrivacyPassError,
  arcChallengeDigest,
  arcIssuerKeyId,
  arcPresentationContext,
  arcRequestContext,
  arcServerPublicKey,
  decodeArcServerPrivateKey,
  decodeArcToken,
  encodeArcServerPrivateKey,
  encodeArcServerPublicKey,
  encodeArcTokenChallenge,
  encodeBase64Url,
  verifyArcPresentation,
  type ArcServerKeyPair,
  type ArcToken,
  arcTokenLength,
} from "@oblivious/privacypass";
import { StoreError } from "@oblivious/service-kit";
import { SerialQueue } from "./arc-queue.js";
import type { SpentTokenStore } from "./spent-store.js";

/** The outcomes of an ARC token's checks; the gate's outcome names (./metrics.ts). */
export type ArcCheckOutcome = "accepted" | "malformed" | "unknown_key" | "bad_challenge" | "bad_signature" | "spent" | "store_unavailable" | "overloaded";

/** ARC verifications waiting at most (each synchronous CPU, decision 0045): beyond, 503. */
export const DEFAULT_ARC_MAX_QUEUED = 16;

/** Presentations per credential per period: a day's searches at the type-2 default of 100 tokens a day. */
export const DEFAULT_ARC_PRESENTATION_LIMIT = 100;
export const DEFAULT_ARC_PERIOD_MS = 86_400_000;
/** After a period ends, its challenge is still accepted this long (tokens minted just before). */
export const DEFAULT_ARC_GRACE_MS = 300_000;
/** A tag's hash outlives the last moment its challenge is accepted by this much (clock skew between replicas). */
export const ARC_TAG_TTL_MARGIN_MS = 60_000;

const CONTEXT_KEY_LABEL = "oblivious token-gate ARC credential_context key v1";
const CONTEXT_LABEL = "oblivious token-gate ARC credential_context v1";
const TAG_LABEL = "oblivious token-gate ARC tag v1";

export interface ArcGateOptions {
  /** `issuer_name` of the challenge. */
  readonly issuerName: string;
  /** `origin_info` of the challenge. */
  readonly originInfo?: readonly string[];
  /** The issuer's ARC key pair for this origin (ARC is privately verifiable; see decision 0031). */
  readonly key: ArcServerKeyPair;
  readonly store: SpentTokenStore;
  /** The challenge's `rate-limit`: presentations per credential. Default 100. */
  readonly presentationLimit?: number;
  /** Length of a credential period, aligned on the Unix epoch (a day is a UTC day). Default one day. */
  readonly periodMs?: number;
  readonly graceMs?: number;
  /** `max-age` cap, in seconds; the period's end caps it too. Default 3600. */
  readonly maxAgeSeconds?: number;
  /** Verifications waiting at most; more are answered `overloaded` unverified. Default 16. */
  readonly maxQueuedVerifications?: number;
}

export interface ArcGate {
  readonly presentationLimit: number;
  /** The ARC challenge (one WWW-Authenticate challenge, no trailing comma) at time `at`. */
  challenge(at: number): string;
  /** Checks one token (its bytes, starting with token_type 0xE5AC) and spends it. */
  check(tokenBytes: Uint8Array, at: number): Promise<ArcCheckOutcome>;
}

interface Period {
  readonly index: number;
  readonly end: number;
  readonly challengeB64: string;
  readonly digest: Uint8Array;
  readonly requestContext: Uint8Array;
  readonly presentationContext: Uint8Array;
}

/** An ARC key pair from the private key's serialization (4 scalars, 128 bytes: the mounted secret). */
export function arcKeyPairFromPrivateKey(bytes: Uint8Array): ArcServerKeyPair {
  const privateKey = decodeArcServerPrivateKey(bytes);
  return { privateKey, publicKey: arcServerPublicKey(privateKey) };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

export function createArcGate(options: ArcGateOptions): ArcGate {
  const limit = options.presentationLimit ?? DEFAULT_ARC_PRESENTATION_LIMIT;
  const periodMs = options.periodMs ?? DEFAULT_ARC_PERIOD_MS;
  const graceMs = options.graceMs ?? DEFAULT_ARC_GRACE_MS;
  const maxAge = options.maxAgeSeconds ?? 3600;
  if (!Number.isSafeInteger(limit) || limit < 2 || limit > 2 ** 32) throw new RangeError("presentationLimit must be an integer in [2, 2^32]");
  if (!Number.isSafeInteger(periodMs) || periodMs < 60_000) throw new RangeError("periodMs must be at least 60000");
  if (!Number.isSafeInteger(graceMs) || graceMs < 0 || graceMs >= periodMs) throw new RangeError("graceMs must be in [0, periodMs)");
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw new RangeError("maxAgeSeconds must be a non-negative integer");
  const { key } = options;
  const keyId = arcIssuerKeyId(key.publicKey);
  const tokenKeyB64 = encodeBase64Url(encodeArcServerPublicKey(key.publicKey));
  const contextKey = createHash("sha256").update(CONTEXT_KEY_LABEL).update(encodeArcServerPrivateKey(key.privateKey)).digest();
  const periods = new Map<number, Period>();
  const queue = new SerialQueue(options.maxQueuedVerifications ?? DEFAULT_ARC_MAX_QUEUED);
  const tokenLength = arcTokenLength(limit);

  const period = (index: number): Period => {
    let p = periods.get(index);
    if (p === undefined) {
      const credentialContext = new Uint8Array(createHmac("sha256", contextKey).update(CONTEXT_LABEL).update(`${periodMs}:${index}`).digest());
      const challenge = { issuerName: options.issuerName, redemptionContext: new Uint8Array(0), originInfo: options.originInfo ?? [], credentialContext };
      const bytes = encodeArcTokenChallenge(challenge);
      p = {
        index,
        end: (index + 1) * periodMs,
        challengeB64: encodeBase64Url(bytes),
        digest: arcChallengeDigest(bytes),
        requestContext: arcRequestContext(challenge, keyId),
        presentationContext: arcPresentationContext(challenge, keyId),
      };
      // The current period, the previous one (grace) and the next one at most.
      for (const old of periods.keys()) if (old < index - 1) periods.delete(old);
      periods.set(index, p);
    }
    return p;
  };

  /** The periods whose challenge is accepted at `at`: the current one, and the previous during the grace. */
  const accepted = (at: number): Period[] => {
    const index = Math.floor(at / periodMs);
    const list = [period(index)];
    if (at - index * periodMs < graceMs) list.push(period(index - 1));
    return list;
  };

  const challenge = (at: number): string => {
    const current = period(Math.floor(at / periodMs));
    const seconds = Math.max(0, Math.min(maxAge, Math.floor((current.end - at) / 1000)));
    return `PrivateToken challenge="${current.challengeB64}", token-key="${tokenKeyB64}", max-age=${seconds}, rate-limit=${limit}`;
  };

  /** Decoding (point decompression) and VerifyPresentation: the costly part, run in the queue. */
  const verify = (tokenBytes: Uint8Array, p: Period): Uint8Array | "malformed" | "bad_signature" => {
    let token: ArcToken;
    try {
      token = decodeArcToken(tokenBytes, limit);
    } catch (e) {
      if (e instanceof PrivacyPassError) return "malformed";
      throw e;
    }
    try {
      return verifyArcPresentation(key.privateKey, key.publicKey, p.requestContext, p.presentationContext, token.presentation, limit);
    } catch (e) {
      if (e instanceof PrivacyPassError) return "bad_signature";
      throw e;
    }
  };

  const check = async (tokenBytes: Uint8Array, at: number): Promise<ArcCheckOutcome> => {
    // token_type (2) | presentation_nonce (4) | challenge_digest (32) | issuer_key_id (32) | presentation
    if (tokenBytes.length !== tokenLength) return "malformed";
    if (!equalBytes(tokenBytes.subarray(38, 70), keyId)) return "unknown_key";
    const digest = tokenBytes.subarray(6, 38);
    const p = accepted(at).find((x) => equalBytes(x.digest, digest));
    if (p === undefined) return "bad_challenge";
    const queued = queue.run(() => verify(tokenBytes, p));
    if (queued === undefined) return "overloaded";
    const tag = await queued;
    if (typeof tag === "string") return tag;
    const spentKey = createHash("sha256")
      .update(TAG_LABEL)
      .update(u32(p.requestContext.length)).update(p.requestContext)
      .update(u32(p.presentationContext.length)).update(p.presentationContext)
      .update(tag)
      .digest();
    try {
      const first = await options.store.spend(new Uint8Array(spentKey), p.end + graceMs + ARC_TAG_TTL_MARGIN_MS - at);
      return first ? "accepted" : "spent";
    } catch (e) {
      if (e instanceof StoreError) return "store_unavailable";
      throw e;
    }
  };

  return { presentationLimit: limit, challenge, check };
}
