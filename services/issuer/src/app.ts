/**
 * The issuer's public HTTP interface:
 *
 * - `GET /.well-known/private-token-issuer-directory` (RFC 9578 §4): the same bytes for everyone,
 *   with a strong ETag (304 on If-None-Match) and a max-age that never outlives the key state.
 * - `POST /token-request`: one TokenRequest (RFC 9578 §6.1, `application/private-token-request`
 *   → `application/private-token-response`), or a batch of them on the same URL with the media
 *   types of draft-ietf-privacypass-batched-tokens, or an ARC credential request
 *   (`application/private-credential-request` → `application/private-credential-response`,
 *   arc-issuance.ts) after the same attestation, with its own quota.
 *
 * A token request goes through, in order: media type (415), device credential (401), body size
 * (413), decoding (400), token type, key and blinded message checks (422), room on the signer
 * pool (503), the device's quota (429, or 503 when the store cannot answer: never a signature
 * without a quota check), and signing (on the worker pool, or on the event loop with
 * ISSUER_SIGNERS=0). A batch is issued whole or refused whole. Quota is counted only for requests
 * that will be signed, and given back if signing fails.
 *
 * `POST /token-request` and `GET`/`HEAD` of the directory run on bare node:http: express's
 * per-request cost is a sizeable part of an RSA signature, so a single token request would pay
 * for the router, and the directory is fetched during full signing load, on the same event loop
 * (docs/decisions/0011-bare-node-http-over-express.md).
 * The listener checks method and path first (as the gateway does) and hands everything else to a
 * small express app: 405s, 404 and the final error handler, where the rate does not matter. The
 * express app keeps routes of its own for both paths, with the same handlers, for the spellings
 * that express's router also matches (case, a trailing slash, an absolute-form target), so that
 * every request is answered as before. Handlers write bytes with exact content types (no
 * `charset`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import express, { type Request, type Response } from "express";
import {
  ArcMediaType,
  ISSUER_DIRECTORY_PATH,
  MediaType,
  encodeBatchedTokenResponse,
  encodeTokenResponse,
} from "@oblivious/privacypass";
import { BodyErrorCode, StoreError, finalErrorHandler, notFoundHandler, pathOf, readBodyWithin, sendProblem, type HttpObserver } from "@oblivious/service-kit";
import { ARC_BODY_LIMIT, arcQuotaName, respondArc, validateArcRequest } from "./arc-issuance.js";
import type { ArcKeys } from "./arc-keys.js";
import { CredentialFailure, type Attester } from "./attestation.js";
import { type DirectoryCache, noneMatch } from "./directory.js";
import { IssuerError, PROBLEMS, WWW_AUTHENTICATE_INVALID, WWW_AUTHENTICATE_MISSING } from "./errors.js";
import type { IssuerLogger, RouteName } from "./events.js";
import type { KeyStore } from "./keys.js";
import type { IssuerMetrics, RequestKind } from "./metrics.js";
import type { Pseudonyms } from "./pseudonym.js";
import type { QuotaStore } from "./quota.js";
import { SignerError, SignerErrorCode, type Signers } from "./signer.js";
import { bodyLimit, kindOf, validateBatch, validateSingle } from "./token-request.js";

export const TOKEN_REQUEST_PATH = "/token-request";
export { ISSUER_DIRECTORY_PATH };

export interface IssuerAppDeps {
  readonly keys: KeyStore;
  readonly directory: DirectoryCache;
  readonly directoryMaxAgeS: number;
  readonly attester: Pick<Attester, "verify">;
  readonly pseudonyms: Pseudonyms;
  readonly quota: QuotaStore;
  readonly signers: Pick<Signers, "hasCapacity" | "sign" | "pending">;
  readonly maxBatch: number;
  readonly metrics: IssuerMetrics;
  readonly observer: HttpObserver<RouteName>;
  readonly log: IssuerLogger;
  readonly now: () => number;
  /** ARC issuance (ISSUER_ARC_KEYS_FILES); without it every credential request names an unknown key. */
  readonly arc?: {
    readonly keys: ArcKeys;
    /** Credentials per device per key per period. */
    readonly quota: QuotaStore;
    readonly periodMs: number;
  };
}

/** The client went away before its body arrived: nothing to answer. */
const ABORTED = Symbol("aborted");

class Refusal {
  constructor(
    readonly error: IssuerError,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The public listener: `POST /token-request` straight on node:http, everything else through
 * express (see the module comment).
 */
export function createIssuerApp(deps: IssuerAppDeps): RequestListener {
  const { metrics, log } = deps;

  const refuse = (res: ServerResponse, refusal: Refusal, batch: boolean): void => {
    metrics.outcome(refusal.error);
    log.event("issuance.rejected", { outcome: refusal.error, batch });
    sendProblem(res, PROBLEMS[refusal.error], refusal.headers);
  };

  /** GET or HEAD of the directory, once the route is recorded (node:http leaves out a HEAD's body). */
  const directory = (req: IncomingMessage, res: ServerResponse): void => {
    const doc = deps.directory.current();
    const untilChange = Math.floor((doc.nextChange - deps.now()) / 1000);
    const maxAge = Math.max(0, Math.min(deps.directoryMaxAgeS, untilChange));
    const headers = { etag: doc.etag, "cache-control": `public, max-age=${maxAge}` };
    if (noneMatch(req.headers["if-none-match"], doc.etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, "content-type": MediaType.IssuerDirectory, "content-length": doc.body.length });
    res.end(doc.body);
  };

  /** POST /token-request, once the route is recorded: every refusal and failure is answered here. */
  const tokenRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const kind = kindOf(req.headers["content-type"]);
    try {
      const answer = await issue(req, kind);
      res.writeHead(200, { "content-type": answer.contentType, "content-length": answer.body.length, "cache-control": "no-store" });
      res.end(answer.body);
      metrics.outcome("ok");
    } catch (e) {
      if (e instanceof Refusal) refuse(res, e, kind === "batch");
      else if (e === ABORTED) {
        metrics.outcome("aborted");
        res.destroy();
      } else {
        refuse(res, new Refusal(IssuerError.Internal), kind === "batch");
      }
    }
  };

  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", false);

  app.use((req: Request, res: Response, next) => {
    res.locals["route"] = deps.observer.begin(req, res);
    next();
  });
  const route = (res: Response, name: RouteName): void => (res.locals["route"] as (r: RouteName) => void)(name);

  app.get(ISSUER_DIRECTORY_PATH, (req, res) => {
    route(res, ISSUER_DIRECTORY_PATH);
    directory(req, res);
  });
  app.all(ISSUER_DIRECTORY_PATH, (_req, res) => {
    route(res, ISSUER_DIRECTORY_PATH);
    sendProblem(res, PROBLEMS.method_not_allowed, { allow: "GET, HEAD" });
  });

  // The path spellings the fast path below leaves to express (see the module comment).
  app.post(TOKEN_REQUEST_PATH, (req, res) => {
    route(res, TOKEN_REQUEST_PATH);
    return tokenRequest(req, res);
  });
  app.all(TOKEN_REQUEST_PATH, (_req, res) => {
    route(res, TOKEN_REQUEST_PATH);
    refuse(res, new Refusal(IssuerError.MethodNotAllowed, { allow: "POST" }), false);
  });

  app.use(notFoundHandler());
  app.use(finalErrorHandler(log));

  async function readLimited(req: IncomingMessage, limit: number): Promise<Uint8Array> {
    const body = await readBodyWithin(req, limit);
    if (body === BodyErrorCode.TooLarge) throw new Refusal(IssuerError.TooLarge);
    if (typeof body === "string") throw ABORTED;
    return body;
  }

  /** Counts `n` against `name` in `store`: 503 when the store cannot answer (never issue unchecked), 429 over the limit. */
  async function consume(store: QuotaStore, name: string, n: number): Promise<void> {
    let decision;
    try {
      decision = await store.consume(name, n);
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      log.event("quota.unavailable");
      throw new Refusal(IssuerError.QuotaUnavailable, { "retry-after": "1" });
    }
    if (!decision.allowed) {
      throw new Refusal(IssuerError.QuotaExceeded, { "retry-after": String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))) });
    }
  }

  /** An ARC credential request of an attested device (arc-issuance.ts). */
  async function issueArc(req: IncomingMessage, pseudonym: string): Promise<{ contentType: string; body: Uint8Array }> {
    const validated = validateArcRequest(deps.arc?.keys, await readLimited(req, ARC_BODY_LIMIT));
    if (!validated.ok || deps.arc === undefined) throw new Refusal(validated.ok ? IssuerError.UnknownKey : validated.error);
    const { key, request } = validated;
    const quotaName = arcQuotaName(pseudonym, key, deps.arc.periodMs, deps.now());
    await consume(deps.arc.quota, quotaName, 1);
    const started = performance.now();
    const body = respondArc(key, request);
    if (body === undefined) {
      await deps.arc.quota.refund(quotaName, 1);
      throw new Refusal(IssuerError.CredentialRequestInvalid);
    }
    metrics.signingDuration("arc", (performance.now() - started) / 1000);
    metrics.arcIssued();
    return { contentType: ArcMediaType.CredentialResponse, body };
  }

  async function issue(req: IncomingMessage, kind: RequestKind | undefined): Promise<{ contentType: string; body: Uint8Array }> {
    if (kind === undefined) throw new Refusal(IssuerError.UnsupportedMediaType);

    const credential = await deps.attester.verify(req.headers.authorization);
    if (!credential.ok) {
      metrics.credentialRejected(credential.failure);
      log.event("credential.rejected", { reason: credential.failure });
      if (credential.failure === CredentialFailure.Unavailable) throw new Refusal(IssuerError.AttestationUnavailable, { "retry-after": "5" });
      if (credential.failure === CredentialFailure.Missing) throw new Refusal(IssuerError.CredentialMissing, { "www-authenticate": WWW_AUTHENTICATE_MISSING });
      throw new Refusal(IssuerError.CredentialInvalid, { "www-authenticate": WWW_AUTHENTICATE_INVALID });
    }
    // The device id is used for this one derivation and goes no further.
    const pseudonym = deps.pseudonyms.of(credential.deviceId);
    if (kind === "arc") return issueArc(req, pseudonym);

    const body = await readLimited(req, bodyLimit(kind, deps.maxBatch));
    const validated = kind === "single" ? validateSingle(deps.keys, body) : validateBatch(deps.keys, body, deps.maxBatch);
    if (!validated.ok) throw new Refusal(validated.error);
    const { key, msgs } = validated;

    if (!deps.signers.hasCapacity(msgs.length)) {
      log.event("signer.overloaded", { pending: deps.signers.pending });
      throw new Refusal(IssuerError.Overloaded, { "retry-after": "1" });
    }
    await consume(deps.quota, pseudonym, msgs.length);

    const started = performance.now();
    let sigs: Uint8Array[];
    try {
      sigs = await deps.signers.sign(key.id, msgs);
    } catch (e) {
      await deps.quota.refund(pseudonym, msgs.length);
      if (e instanceof SignerError && e.code === SignerErrorCode.Overloaded) throw new Refusal(IssuerError.Overloaded, { "retry-after": "1" });
      if (e instanceof SignerError && e.code === SignerErrorCode.UnknownKey) throw new Refusal(IssuerError.UnknownKey);
      if (e instanceof SignerError && e.code === SignerErrorCode.InvalidInput) throw new Refusal(IssuerError.InvalidBlindedMessage);
      throw e;
    }
    metrics.signingDuration(kind, (performance.now() - started) / 1000);
    metrics.issued(sigs.length);
    if (kind === "single") {
      return { contentType: MediaType.TokenResponse, body: encodeTokenResponse({ blindSig: sigs[0] ?? new Uint8Array(0) }) };
    }
    return { contentType: MediaType.BatchedTokenResponse, body: encodeBatchedTokenResponse({ blindSigs: sigs }) };
  }

  /** What express's final error handler does for the same routes, should answering itself throw. */
  const unexpected = (res: ServerResponse): void => {
    log.event("error.unexpected", { where: "request" });
    if (res.headersSent) res.destroy();
    else sendProblem(res, PROBLEMS.internal);
  };

  return (req, res) => {
    const path = pathOf(req.url);
    if ((req.method === "GET" || req.method === "HEAD") && path === ISSUER_DIRECTORY_PATH) {
      deps.observer.begin(req, res)(ISSUER_DIRECTORY_PATH);
      try {
        directory(req, res);
      } catch {
        unexpected(res);
      }
      return;
    }
    if (req.method === "POST" && path === TOKEN_REQUEST_PATH) {
      deps.observer.begin(req, res)(TOKEN_REQUEST_PATH);
      tokenRequest(req, res).catch(() => unexpected(res));
      return;
    }
    app(req, res);
  };
}
