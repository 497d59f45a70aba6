/**
 * The telemetry service's public interface: `POST /v1/events`, behind the Privacy Pass gate.
 *
 * A request goes through, in order: the token gate (401 with challenges, 400 for a malformed
 * credential, 503 while tokens cannot be checked), the media type (415), the body size (413),
 * the JSON text (400; 422 for an overlong string), the batch envelope (422), then each event
 * against its schema, where what does not match is dropped and counted rather than refused.
 * The gate comes first so that nothing of a body is read for a client without a token: every
 * answer beyond a 401 has cost one token, which bounds what a client can make this service do.
 *
 * The handler never sees the token (the gate strips Authorization) and reads no header but
 * Content-Type. The answer says how many events were kept and, by reason, how many things were
 * dropped: never which, never a value.
 */
import type { ServerResponse } from "node:http";
import express, { type Express, type Request, type Response } from "express";
import { BodyErrorCode, CommonProblems, finalErrorHandler, mediaType, notFoundHandler, readBodyWithin, sendProblem, type HttpObserver } from "@oblivious/service-kit";
import type { TokenGate } from "@oblivious/token-gate";
import { EVENTS_MEDIA_TYPE, TELEMETRY_PROBLEMS, TelemetryError } from "./errors.js";
import type { TelemetryLogger, TelemetryRoute } from "./events.js";
import type { TelemetryMetrics } from "./metrics.js";
import { decodeBatchBody, EVENT_DROP_REASONS, validateBatch, type DropCounts } from "./validate.js";

export const EVENTS_PATH = "/v1/events";

/** The answer to an accepted batch. */
export interface BatchAnswer {
  readonly accepted: number;
  readonly dropped: DropCounts;
}

export interface TelemetryAppDeps {
  readonly gate: Pick<TokenGate, "middleware">;
  readonly metrics: TelemetryMetrics;
  readonly observer: HttpObserver<TelemetryRoute>;
  readonly log: TelemetryLogger;
  readonly maxBatch: number;
  readonly maxBodyBytes: number;
}

function totalDropped(counts: DropCounts): number {
  return EVENT_DROP_REASONS.reduce((sum, reason) => sum + counts[reason], 0);
}

export function createTelemetryApp(deps: TelemetryAppDeps): Express {
  const { metrics, log } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", false);

  app.use((req: Request, res: Response, next) => {
    res.locals["route"] = deps.observer.begin(req, res);
    next();
  });
  const route = (res: Response, name: TelemetryRoute): void => (res.locals["route"] as (r: TelemetryRoute) => void)(name);

  const refuse = (res: ServerResponse, error: TelemetryError): void => {
    metrics.batch(error);
    log.event("events.batch", { outcome: error, accepted: 0, dropped: 0 });
    sendProblem(res, TELEMETRY_PROBLEMS[error]);
  };

  const receive = async (req: Request, res: Response): Promise<void> => {
    if (mediaType(req.headers["content-type"]) !== EVENTS_MEDIA_TYPE) return refuse(res, TelemetryError.UnsupportedMediaType);
    const body = await readBodyWithin(req, deps.maxBodyBytes);
    if (body === BodyErrorCode.TooLarge) return refuse(res, TelemetryError.TooLarge);
    if (typeof body === "string") {
      metrics.batch("aborted");
      res.destroy();
      return;
    }
    const decoded = decodeBatchBody(body);
    if (!decoded.ok) return refuse(res, decoded.error);
    const result = validateBatch(decoded.value, { maxEvents: deps.maxBatch });
    if (!result.ok) return refuse(res, result.error);
    metrics.accepted(result.events);
    metrics.dropped(result.dropped);
    metrics.batch("accepted");
    log.event("events.batch", {
      outcome: "accepted",
      received: result.received,
      accepted: result.events.length,
      dropped: totalDropped(result.dropped),
    });
    const answer: BatchAnswer = { accepted: result.events.length, dropped: result.dropped };
    const text = JSON.stringify(answer);
    res.writeHead(200, { "content-type": EVENTS_MEDIA_TYPE, "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
    res.end(text);
  };

  app.all(EVENTS_PATH, (_req, res, next) => {
    route(res, "events");
    next();
  });
  app.post(EVENTS_PATH, deps.gate.middleware, receive);
  app.all(EVENTS_PATH, (_req, res) => sendProblem(res, CommonProblems.methodNotAllowed, { allow: "POST" }));

  app.use(notFoundHandler());
  app.use(finalErrorHandler(log));
  return app;
}
