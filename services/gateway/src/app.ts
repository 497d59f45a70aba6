/**
 * The gateway's public HTTP handler.
 *
 * The encapsulated-request hot path (POST /gateway, POST /.well-known/ohttp-gateway) is
 * `encapsulated`, a function from a whole request to a whole answer: server.ts serves it on
 * libs/http1's node:net front (Http1Front), which reads the strict request shape itself, because
 * node:http's objects and express each cost as much as a large part of the HPKE open and seal,
 * and the goal is at least half the raw HPKE rate through HTTP (docs/decisions/0002-http1-stack.md
 * and 0011-bare-node-http-over-express.md). `listener` is the node:http form of the same path,
 * for every request the front hands over; it checks method and path first and hands everything
 * else (key configurations, 404, 405) to a small express app, where the rate does not matter.
 *
 * Order of the checks on the hot path, by RFC 9458 §5.2:
 *   before decryption (plain problem answers): media type, body size, structure, key/decryption;
 *   after decryption (encapsulated answers): Binary HTTP, Expect, Date, target, replay, forward.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import express from "express";
import type { Registry } from "prom-client";
import { BhttpError, BhttpErrorCode, decodeRequest, encodeResponse, fieldValues, type Field, type Request, type Response } from "@oblivious/bhttp";
import { MediaType, OhttpError, OhttpErrorCode, decapsulateRequest, type DecapsulatedRequest } from "@oblivious/ohttp";
import { BodyErrorCode, CommonProblems, StoreError, PROBLEM_MEDIA_TYPE, createHttpObserver, finalErrorHandler, mediaType, methodNotAllowed, notFoundHandler, pathOf, problemAnswer, problemJson, readBodyWithin, sendProblem } from "@oblivious/service-kit";
import { formatHttpDate, writeAnswer, type FrontAnswer } from "@oblivious/http1";
import { DateVerdict, checkDate, replayTtlMs, type DatePolicy } from "./date.js";
import { INNER_PROBLEMS, InnerError, OUTER_PROBLEMS, OuterError, type Outcome } from "./errors.js";
import { ROUTES, type GatewayLogger, type RouteName } from "./events.js";
import { requestFields, type ForwardFailure, type Forwarder } from "./forward.js";
import type { KeyStore } from "./keys.js";
import type { GatewayMetrics, TargetResult } from "./metrics.js";
import { pad, type PaddingPolicy } from "./padding.js";
import type { ReplayCache } from "./replay.js";
import type { Route, TargetTable } from "./targets.js";

export const GATEWAY_PATH = "/gateway";
export const WELL_KNOWN_PATH = "/.well-known/ohttp-gateway";
export const KEYS_PATH = "/ohttp-keys";

export interface GatewayDeps {
  readonly keys: KeyStore;
  readonly targets: TargetTable;
  readonly forwarder: Forwarder;
  readonly replay: ReplayCache;
  readonly now: () => number;
  readonly registry: Registry;
  readonly metrics: GatewayMetrics;
  readonly log: GatewayLogger;
  readonly maxRequestBytes: number;
  readonly date: DatePolicy;
  readonly padding: PaddingPolicy;
  /** Cap of the key listing's Cache-Control max-age. */
  readonly keysMaxAgeMs: number;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** A whole answer, before any transport writes it (service-kit's FrontAnswer). Header names are lower case. */
export type Answer = FrontAnswer;

export interface Gateway {
  /** Every route, on node:http. */
  readonly listener: RequestListener;
  /**
   * The hot path without node:http's objects: one POST to an encapsulated-request path whose
   * body has been read whole (within the size limit). Never rejects.
   */
  readonly encapsulated: (contentType: string | undefined, body: Uint8Array) => Promise<Answer>;
  /** Records a request answered outside `listener` (its metrics and its `http.request` line). */
  readonly record: (method: string, route: RouteName, status: number, ms: number) => void;
}

const ROUTE_BY_PATH: ReadonlyMap<string, RouteName> = new Map(ROUTES.map((r) => [r, r]));

const FAILURE_ERROR: Readonly<Record<ForwardFailure, InnerError>> = {
  error: InnerError.TargetFailed,
  timeout: InnerError.TargetTimeout,
  too_large: InnerError.TargetTooLarge,
  invalid: InnerError.BadRequest,
};

/** The inner answer to send, and how to count it. */
interface Outcomed {
  readonly response: Response;
  readonly outcome: Outcome;
}

/** A request that passed every check before the replay cache: where it goes, and what. */
interface Forwarding {
  readonly request: Request;
  readonly route: Route;
  readonly fields: string[];
  readonly enc: Uint8Array;
  /** The instant the `Date` check judged the request: the replay cache judges it at the same one. */
  readonly at: number;
}

/** The gateway's node:http listener (every route). */
export function createGatewayHandler(deps: GatewayDeps): RequestListener {
  return createGateway(deps).listener;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const { keys, targets, forwarder, replay, now, metrics, log } = deps;
  const observer = createHttpObserver({ routes: ROUTES, registry: deps.registry, log });
  const ttlMs = replayTtlMs(deps.date);
  const innerBodies = new Map(Object.values(InnerError).map((code) => [code, Buffer.from(problemJson(INNER_PROBLEMS[code]))]));

  const outer = (code: OuterError, headers: Readonly<Record<string, string>> = {}): Answer => {
    metrics.outcome(code);
    log.event("gateway.rejected", { outcome: code, encapsulated: false });
    return problemAnswer(OUTER_PROBLEMS[code], headers);
  };

  const inner = (code: InnerError): Outcomed => {
    const problem = INNER_PROBLEMS[code];
    const headers: Field[] = [
      ["date", formatHttpDate(now())],
      ["content-type", PROBLEM_MEDIA_TYPE],
      ["cache-control", "no-store"],
    ];
    return {
      response: { informational: [], status: problem.status, headers, content: innerBodies.get(code) ?? new Uint8Array(0), trailers: [] },
      outcome: code,
    };
  };

  /**
   * Everything after decryption that needs no I/O, in the order of RFC 9458 §5.2's inner checks:
   * an inner answer now, or the target to forward to. Synchronous, so that the hot path has one
   * async step per request (the forward) rather than a chain of them.
   */
  const decide = (decapsulated: DecapsulatedRequest): Outcomed | Forwarding => {
    let request: Request;
    try {
      request = decodeRequest(decapsulated.request, { maxContentBytes: deps.maxRequestBytes });
    } catch (e) {
      if (!(e instanceof BhttpError)) throw e;
      // Control data RFC 9292 §3.4 makes invalid (userinfo, a non-origin-form path) names no target we forward to.
      return inner(e.code === BhttpErrorCode.InvalidControlData ? InnerError.TargetForbidden : InnerError.BadRequest);
    }
    if (fieldValues(request.headers, "expect").length > 0) return inner(InnerError.ExpectationFailed);
    const at = now();
    if (checkDate(request.headers, at, deps.date) !== DateVerdict.Ok) return inner(InnerError.DateRejected);
    const route = targets.resolve(request);
    if (route === undefined) return inner(InnerError.TargetForbidden);
    const fields = requestFields(request.headers);
    if (fields === undefined) return inner(InnerError.BadRequest);
    return { request, route, fields, enc: decapsulated.enc, at };
  };

  const forward = async ({ request, route, fields, enc, at }: Forwarding): Promise<Outcomed> => {
    // Claimed only now, when everything else is known to be acceptable; refused or unknown → not forwarded.
    let fresh: boolean;
    try {
      const claimed = replay.claim(enc, at, ttlMs);
      // The memory cache answers at once; only Redis's answer is awaited.
      fresh = typeof claimed === "boolean" ? claimed : await claimed;
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      log.event("replay.unavailable");
      return inner(InnerError.ReplayUnavailable);
    }
    if (!fresh) return inner(InnerError.Replayed);
    const started = performance.now();
    const result = await forwarder.forward(route, request, fields);
    const ms = performance.now() - started;
    const targetResult: TargetResult = result.ok ? "ok" : result.failure;
    metrics.targetDuration(route.target.name, targetResult, ms / 1000);
    if (result.ok) return { response: result.response, outcome: "ok" };
    log.event("target.failed", { target: route.target.name, failure: result.failure, durationMs: ms });
    return inner(FAILURE_ERROR[result.failure]);
  };

  /** From decapsulation on: plain problem answers before it succeeds, encapsulated ones after. */
  const open = async (contentType: string | undefined, body: Uint8Array): Promise<Answer> => {
    if (mediaType(contentType) !== MediaType.OhttpRequest) return outer(OuterError.UnsupportedMediaType);
    let decapsulated: DecapsulatedRequest;
    try {
      decapsulated = decapsulateRequest(keys.lookup, body);
    } catch (e) {
      if (!(e instanceof OhttpError)) throw e;
      return outer(e.code === OhttpErrorCode.Malformed ? OuterError.Malformed : OuterError.KeyRejected);
    }
    let result: Outcomed;
    let plain: Uint8Array;
    try {
      const decided = decide(decapsulated);
      result = "response" in decided ? decided : await forward(decided);
      plain = encodeResponse(result.response);
    } catch (e) {
      // A target answer Binary HTTP cannot carry (a status above 599, a field value it forbids) is
      // the target's failure; anything else is ours. Neither message is echoed.
      result = inner(e instanceof BhttpError ? InnerError.TargetFailed : InnerError.Internal);
      if (!(e instanceof BhttpError)) log.event("error.unexpected", { where: "request" });
      plain = encodeResponse(result.response);
    }
    const sealed = decapsulated.context.encapsulateResponse(pad(deps.padding, plain));
    metrics.outcome(result.outcome);
    if (result.outcome !== "ok") log.event("gateway.rejected", { outcome: result.outcome, encapsulated: true });
    // RFC 9458 §5: only what carries the Encapsulated Response: status 200, its media type, its length.
    return { status: 200, headers: { "content-type": MediaType.OhttpResponse, "cache-control": "no-store" }, body: sealed };
  };

  const encapsulated = (contentType: string | undefined, body: Uint8Array): Promise<Answer> =>
    open(contentType, body).catch(() => {
      log.event("error.unexpected", { where: "request" });
      return outer(OuterError.Internal);
    });

  /** The same path on node:http: the media type is checked before the body is read. */
  const encapsulatedOnHttp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const contentType = req.headers["content-type"];
    if (mediaType(contentType) !== MediaType.OhttpRequest) {
      writeAnswer(res, outer(OuterError.UnsupportedMediaType));
      return;
    }
    const body = await readBodyWithin(req, deps.maxRequestBytes);
    if (body === BodyErrorCode.TooLarge) {
      writeAnswer(res, outer(OuterError.TooLarge, { connection: "close" }));
      return;
    }
    if (typeof body === "string") {
      metrics.outcome("aborted");
      res.destroy();
      return;
    }
    const answered = await encapsulated(contentType, body);
    if (!res.destroyed) writeAnswer(res, answered);
  };

  const keyConfigs: express.RequestHandler = (_req, res) => {
    const listing = keys.current().encoded;
    if (listing === undefined) {
      sendProblem(res, { ...CommonProblems.unavailable, detail: "No key is published." });
      return;
    }
    // Never cached past the next change of the listing (a key published, current or retired).
    const maxAge = keys.listingMaxAgeS(deps.keysMaxAgeMs);
    res.writeHead(200, { "content-type": MediaType.OhttpKeys, "content-length": listing.length, "cache-control": `public, max-age=${maxAge}` });
    res.end(listing);
  };

  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("case sensitive routing", true);
  app.set("strict routing", true);
  app.get([WELL_KNOWN_PATH, KEYS_PATH], keyConfigs);
  app.all(GATEWAY_PATH, methodNotAllowed(["POST"]));
  app.all(WELL_KNOWN_PATH, methodNotAllowed(["GET", "HEAD", "POST"]));
  app.all(KEYS_PATH, methodNotAllowed(["GET", "HEAD"]));
  app.use(notFoundHandler());
  app.use(finalErrorHandler(log));

  const listener: RequestListener = (req, res) => {
    const path = pathOf(req.url);
    observer.begin(req, res)(ROUTE_BY_PATH.get(path) ?? "unmatched");
    if (req.method === "POST" && (path === GATEWAY_PATH || path === WELL_KNOWN_PATH)) {
      encapsulatedOnHttp(req, res).catch(() => {
        log.event("error.unexpected", { where: "request" });
        if (res.headersSent) res.destroy();
        else writeAnswer(res, outer(OuterError.Internal));
      });
      return;
    }
    app(req, res);
  };
  return { listener, encapsulated, record: observer.record };
}
