/**
 * The express app: `POST /v1/search` behind the Privacy Pass token gate. No listen, no
 * environment, no module state: server.ts builds the dependencies, tests drive it with supertest.
 *
 * Order: the gate first (an unauthenticated request costs no parsing or search), then the media
 * type, the bounded body, JSON, the fields, and the engine. The handler never sees the token: the
 * gate removes the Authorization header before it runs.
 */
import express, { type RequestHandler } from "express";
import { BodyErrorCode, finalErrorHandler, mediaType, methodNotAllowed, notFoundHandler, readBodyWithin, sendProblem, type HttpObserver } from "@oblivious/service-kit";
import { EngineUnavailableError, type SearchEngine } from "./engine.js";
import { REJECTION_PROBLEMS, StickerSearchProblems } from "./errors.js";
import { hitBucket, type StickerSearchLogger, type StickerSearchRoute } from "./events.js";
import type { StickerSearchMetrics } from "./metrics.js";
import { padJson } from "./padding.js";
import { MAX_BODY_BYTES, parseSearchRequest, type SearchVocabulary } from "./request.js";
import { queryTerms } from "./text.js";

export interface StickerSearchAppDeps {
  readonly engine: SearchEngine;
  readonly vocabulary: SearchVocabulary;
  /** The token gate's express middleware (createTokenGate(...).middleware). */
  readonly gate: RequestHandler;
  readonly metrics: StickerSearchMetrics;
  readonly observer: HttpObserver<StickerSearchRoute>;
  readonly log: StickerSearchLogger;
}

export const SEARCH_PATH = "/v1/search";
export const JSON_MEDIA_TYPE = "application/json";

export function createStickerSearchApp(deps: StickerSearchAppDeps): express.Express {
  const { engine, metrics, log } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", false);

  app.use((req, res, next) => {
    const route = deps.observer.begin(req, res);
    route(req.path === SEARCH_PATH ? "search" : "unmatched");
    next();
  });

  const search: RequestHandler = async (req, res) => {
    const P = StickerSearchProblems;
    if (mediaType(req.headers["content-type"]) !== JSON_MEDIA_TYPE) {
      metrics.request("bad_media_type");
      log.event("search.rejected", { reason: "bad_media_type" });
      req.resume();
      sendProblem(res, P.unsupportedMediaType);
      return;
    }
    const raw = await readBodyWithin(req, MAX_BODY_BYTES);
    if (raw === BodyErrorCode.TooLarge) {
      metrics.request("too_large");
      log.event("search.rejected", { reason: "too_large" });
      sendProblem(res, P.tooLarge, { connection: "close" });
      return;
    }
    if (typeof raw === "string") {
      metrics.request("aborted");
      res.destroy();
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      metrics.request("malformed_json");
      log.event("search.rejected", { reason: "malformed_json" });
      sendProblem(res, P.malformedJson);
      return;
    }
    const parsed = parseSearchRequest(body, deps.vocabulary);
    if (!parsed.ok) {
      metrics.request(parsed.reason);
      log.event("search.rejected", { reason: parsed.reason });
      sendProblem(res, REJECTION_PROBLEMS[parsed.reason]);
      return;
    }
    const { query } = parsed;
    const started = performance.now();
    let result: Awaited<ReturnType<SearchEngine["search"]>>;
    try {
      // Only separators ("?!"): nothing to search for. Answered here, so both engines agree
      // (Meilisearch would treat it as a placeholder search and return everything).
      result = queryTerms(query.q).length === 0 ? { hits: [], total: 0 } : await engine.search(query);
    } catch (error) {
      if (!(error instanceof EngineUnavailableError)) throw error;
      metrics.request("unavailable");
      metrics.unavailable(engine.name, error.code);
      log.event("search.unavailable", { engine: engine.name, reason: error.code });
      sendProblem(res, P.searchUnavailable, { "retry-after": "1" });
      return;
    }
    const seconds = (performance.now() - started) / 1000;
    metrics.request("ok");
    metrics.search(engine.name, seconds, result.total);
    log.event("search.served", {
      engine: engine.name,
      hits: hitBucket(result.total),
      paged: query.offset > 0,
      filtered: query.pack !== undefined,
      durationMs: seconds * 1000,
    });
    const answer = padJson(JSON.stringify({ hits: result.hits, total: result.total, offset: query.offset, limit: query.limit }));
    res.status(200);
    res.setHeader("content-type", JSON_MEDIA_TYPE);
    res.setHeader("cache-control", "no-store");
    res.setHeader("content-length", answer.length);
    res.end(answer);
  };

  app.post(SEARCH_PATH, deps.gate, search);
  app.all(SEARCH_PATH, methodNotAllowed(["POST"]));
  app.use(notFoundHandler());
  app.use(finalErrorHandler(log));
  return app;
}
