/**
 * The origin side of Privacy Pass (RFC 9577 §2.2, RFC 9578 §6.4): the PrivateToken challenge, the
 * token's checks in a fixed order, and spend-once across replicas. README.md explains the order;
 * in short, cheap checks come first, the RSA verification before the store, and the store last,
 * so nothing that is not a genuine token of ours is ever written, and every write is a real spend.
 *
 * The request reaches the handler only after every check passed, and without its Authorization
 * header: a handler cannot log, store or forward a token it never sees.
 */
import type { KeyObject } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import type { Registry } from "prom-client";
import {
  PrivacyPassError,
  TokenType,
  challengeDigest,
  decodeToken,
  encodeTokenChallenge,
  formatWwwAuthenticate,
  parseAuthorization,
  verifyToken,
  type Token,
} from "@oblivious/privacypass";
import { StoreError, sendProblem } from "@oblivious/service-kit";
import { ARC_TOKEN_TYPE } from "@oblivious/privacypass";
import type { ArcGate } from "./arc-gate.js";
import { ANSWERS, type GateRejection, type GateResult } from "./errors.js";
import type { TokenGateLogger } from "./events.js";
import type { TokenKey, TokenKeySource } from "./token-key.js";
import { createGateMetrics } from "./metrics.js";
import { spentTokenKey, type SpentTokenStore } from "./spent-store.js";

const RETRY_AFTER_S = "1";

/** Kept after the spent hash outlives a key with a known end, for clock skew between replicas. */
export const SPEND_TTL_MARGIN_MS = 60_000;

export interface TokenGateOptions {
  /** `issuer_name` of the challenge: the issuer's host name (RFC 9578 §4). */
  readonly issuerName: string;
  /** `origin_info` of the challenge; empty = tokens for any origin of this issuer. */
  readonly originInfo?: readonly string[];
  readonly keys: TokenKeySource;
  readonly store: SpentTokenStore;
  /** `max-age` of the challenge, in seconds. Default 3600. */
  readonly maxAgeSeconds?: number;
  /** How long a spent hash is kept for a key whose end is unknown: at least the key's lifetime. */
  readonly spendTtlMs: number;
  /** Where the gate's metrics go; one gate per registry. */
  readonly registry: Registry;
  readonly log?: TokenGateLogger;
  readonly now?: () => number;
  /**
   * ARC (token type 0xE5AC, ./arc-gate.ts): its challenge is offered after the type-2 ones and
   * its tokens are checked there. With it, the gate also works with no live type-2 key.
   */
  readonly arc?: ArcGate;
}

/** What a handler behind the gate learns: that a token was verified and spent, nothing else. */
export interface PrivacyPassLocals {
  readonly verified: true;
}
const VERIFIED: PrivacyPassLocals = Object.freeze({ verified: true });

export interface TokenGate {
  /** Express middleware: answers the rejections itself, calls `next()` only for an accepted token. */
  readonly middleware: RequestHandler;
  /** The checks alone, for a bare node:http hot path (or any transport). */
  check(authorization: string | undefined): Promise<GateResult>;
  /**
   * node:http: checks `req`, answers a rejection on `res` and returns false; on acceptance strips
   * the Authorization header from `req` and returns true.
   */
  guard(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Whether the gate can accept tokens now: live keys and a reachable store. */
  ready(): boolean;
}

interface KeyView {
  readonly source: readonly TokenKey[];
  /** When a key of `source` stops being live (the earliest notAfterMs). */
  readonly until: number;
  readonly byId: ReadonlyMap<string, TokenKey>;
  readonly wwwAuthenticate: string | undefined;
}

/** Writes a rejection on a node:http (or express) response. */
export function sendGateResult(res: ServerResponse, result: Exclude<GateResult, { ok: true }>): void {
  sendProblem(res, result.problem, result.headers);
}

/**
 * Removes every Authorization header from `req`: the parsed object, the raw list (which keeps
 * duplicates) and the distinct view, so nothing downstream can read the token.
 */
export function stripAuthorization(req: IncomingMessage): void {
  // node builds `headers` and `headersDistinct` lazily from `rawHeaders` and a count taken at
  // parse time: build both before the raw list shrinks, then delete from each.
  const { headers, headersDistinct } = req;
  delete headers.authorization;
  delete headersDistinct.authorization;
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) if (raw[i]?.toLowerCase() === "authorization") raw.splice(i, 2);
}

/** The Authorization header of `req`; `null` when it occurs more than once (RFC 9110 §5.3). */
function authorizationOf(req: IncomingMessage): string | undefined | null {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]?.toLowerCase() === "authorization") count += 1;
  return count > 1 ? null : req.headers.authorization;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function createTokenGate(options: TokenGateOptions): TokenGate {
  const now = options.now ?? Date.now;
  const maxAge = options.maxAgeSeconds ?? 3600;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw new RangeError("maxAgeSeconds must be a non-negative integer");
  if (!Number.isFinite(options.spendTtlMs) || options.spendTtlMs < 1000) throw new RangeError("spendTtlMs must be at least 1000");
  // RFC 9577 §2.1: one TokenChallenge for this origin. The redemption context is empty: through
  // OHTTP there is no client session to bind a token to, and cached tokens stay usable.
  const challenge = encodeTokenChallenge({
    tokenType: TokenType.BlindRsa2048,
    issuerName: options.issuerName,
    redemptionContext: new Uint8Array(0),
    originInfo: options.originInfo ?? [],
  });
  const expectedDigest = challengeDigest(challenge);
  let view: KeyView | undefined;
  let storeDownSince: number | undefined;
  let keysDown = false;

  const keyView = (at: number): KeyView => {
    const source = options.keys.keys();
    if (view !== undefined && view.source === source && at < view.until) return view;
    const live = source.filter((k) => k.notAfterMs === undefined || k.notAfterMs > at);
    const until = Math.min(...live.map((k) => k.notAfterMs ?? Number.POSITIVE_INFINITY));
    view = {
      source,
      until,
      byId: new Map(live.map((k) => [hex(k.tokenKeyId), k])),
      // One challenge per live key (RFC 9577 §2.1), the same bytes for every client.
      wwwAuthenticate: live.length === 0 ? undefined : formatWwwAuthenticate(live.map((k) => ({ challenge, tokenKey: k.tokenKey, maxAge }))),
    };
    return view;
  };

  const metrics = createGateMetrics(options.registry, {
    liveKeys: () => keyView(now()).byId.size,
    storeReady: () => options.store.ready(),
  });

  const reject = (outcome: GateRejection, current: KeyView): GateResult => {
    const answer = ANSWERS[outcome];
    let headers: Record<string, string> = {};
    const challenges = [current.wwwAuthenticate, options.arc?.challenge(now())].filter((c) => c !== undefined).join(", ");
    if (answer.problem.status === 503) headers = { "retry-after": RETRY_AFTER_S };
    else if (answer.challenge && challenges !== "") headers = { "www-authenticate": challenges };
    return { ok: false, outcome, problem: answer.problem, headers };
  };

  const spend = async (token: Token, key: TokenKey, at: number): Promise<boolean> => {
    // The hash must outlive the key: until its known end (plus skew), else for the configured TTL.
    const ttl = key.notAfterMs === undefined ? options.spendTtlMs : key.notAfterMs - at + SPEND_TTL_MARGIN_MS;
    const started = performance.now();
    try {
      const first = await options.store.spend(spentTokenKey(token.tokenKeyId, token.nonce), ttl);
      storeAnswered();
      return first;
    } finally {
      metrics.spend((performance.now() - started) / 1000);
    }
  };

  const storeAnswered = (): void => {
    if (storeDownSince !== undefined) {
      options.log?.event("token_gate.store_recovered", { downMs: Math.max(0, now() - storeDownSince) });
      storeDownSince = undefined;
    }
  };
  const storeFailed = (current: KeyView): GateResult => {
    if (storeDownSince === undefined) {
      storeDownSince = now();
      options.log?.event("token_gate.store_unavailable");
    }
    return reject("store_unavailable", current);
  };

  /** An ARC token: its own checks (./arc-gate.ts), the same answers and store bookkeeping. */
  const evaluateArc = async (arc: ArcGate, bytes: Uint8Array, at: number, current: KeyView): Promise<GateResult> => {
    const outcome = await arc.check(bytes, at);
    if (outcome === "store_unavailable") return storeFailed(current);
    if (outcome === "accepted" || outcome === "spent") storeAnswered();
    return outcome === "accepted" ? { ok: true, outcome } : reject(outcome, current);
  };

  /** `authorization` is null when the request had more than one Authorization header. */
  const evaluate = async (authorization: string | undefined | null): Promise<GateResult> => {
    const at = now();
    const current = keyView(at);
    if (current.byId.size === 0 && options.arc === undefined) {
      if (!keysDown) options.log?.event("token_gate.keys_unavailable");
      keysDown = true;
      return reject("keys_unavailable", current);
    }
    if (keysDown) options.log?.event("token_gate.keys_recovered", { keys: current.byId.size });
    keysDown = false;

    // 1. One PrivateToken credential (RFC 9577 §2.2); another scheme or none is a missing token.
    if (authorization === null) return reject("malformed", current);
    if (authorization === undefined) return reject("missing", current);
    let bytes: Uint8Array | undefined;
    try {
      bytes = parseAuthorization(authorization);
    } catch (e) {
      if (e instanceof PrivacyPassError) return reject("malformed", current);
      throw e;
    }
    if (bytes === undefined) return reject("missing", current);
    // 2. token_type, read before the rest: its layout depends on it. An unknown type is a token
    //    this origin did not ask for (or a greased one), answered with the challenges it did.
    if (bytes.length < 2) return reject("malformed", current);
    const tokenType = ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0);
    if (tokenType === ARC_TOKEN_TYPE && options.arc !== undefined) return evaluateArc(options.arc, bytes, at, current);
    if (tokenType !== TokenType.BlindRsa2048) return reject("bad_type", current);
    let token: Token;
    try {
      token = decodeToken(bytes);
    } catch (e) {
      if (e instanceof PrivacyPassError) return reject("malformed", current);
      throw e;
    }
    // 3. token_key_id: a live key of the issuer.
    const key = current.byId.get(hex(token.tokenKeyId));
    if (key === undefined) return reject("unknown_key", current);
    // 4. challenge_digest: SHA-256 of the challenge this origin issues.
    if (!equalBytes(token.challengeDigest, expectedDigest)) return reject("bad_challenge", current);
    // 5. The authenticator: RSASSA-PSS (SHA-384, salt 48) over token_type..token_key_id (RFC 9578 §6.4).
    if (!verify(token, key.publicKey)) return reject("bad_signature", current);
    // 6. Spend once, across replicas; the store failing is never a pass.
    let first: boolean;
    try {
      first = await spend(token, key, at);
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      return storeFailed(current);
    }
    return first ? { ok: true, outcome: "accepted" } : reject("spent", current);
  };

  const check = async (authorization: string | undefined | null): Promise<GateResult> => {
    const started = performance.now();
    const result = await evaluate(authorization);
    metrics.request(result.outcome);
    options.log?.event("token_gate.checked", { outcome: result.outcome, durationMs: performance.now() - started });
    return result;
  };

  const guard = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const result = await check(authorizationOf(req));
    if (!result.ok) {
      sendGateResult(res, result);
      return false;
    }
    stripAuthorization(req);
    return true;
  };

  const middleware: RequestHandler = (req, res, next) => {
    guard(req, res).then((accepted) => {
      if (!accepted) return;
      res.locals["privacyPass"] = VERIFIED;
      next();
    }, next);
  };

  return {
    middleware,
    check,
    guard,
    ready: () => options.store.ready() && (keyView(now()).byId.size > 0 || options.arc !== undefined),
  };
}

function verify(token: Token, publicKey: KeyObject): boolean {
  try {
    return verifyToken(token, publicKey);
  } catch (e) {
    if (e instanceof PrivacyPassError) return false;
    throw e;
  }
}

