/**
 * The relay's public request handling: `POST /relay` and `GET /ohttp-keys`.
 *
 * `POST /relay` is the hot path of every oblivious call. Its decisions (rate limit, media type,
 * the forward, the answers for the gateway's failures (errors.ts), metrics and log events) are made once here,
 * as whole answers, and reach the client on one of two transports:
 * - `relay`, for libs/http1's node:net front (server.ts), which reads the strict request shape
 *   of the hot path itself: node:http's objects and streams cost more than the relay's own work
 *   (docs/decisions/0002-http1-stack.md);
 * - `listener`, a bare node:http handler for everything else: other paths and methods, the key
 *   configuration, and any `POST /relay` the front hands over (chunked, oversized, unusual).
 *   Not express: its per-request cost is not worth paying for two fixed paths and no body
 *   parsing (docs/decisions/0011-bare-node-http-over-express.md), and bare node:http has no
 *   default error handler that could print a request to stderr. Tests drive it directly (it is
 *   a valid supertest target).
 *
 * What reaches the gateway is decided in forward.ts: the body alone. What reaches the client is
 * decided here: the gateway's status and body with at most `content-type`, `content-length` and
 * `cache-control` chosen by the relay; no gateway header is copied.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { BodyErrorCode, CommonProblems, type HttpObserver, mediaType, pathOf, PROBLEM_MEDIA_TYPE, problemAnswer, readBodyWithin, sendProblem } from "@oblivious/service-kit";
import { type FrontAnswer, type FrontRequest, writeAnswer } from "@oblivious/http1";
import { clientAddress, type TrustedProxies } from "./client-address.js";
import type { RelayLogger, RelayRoute } from "./events.js";
import { GATEWAY_FAILURES, RelayProblems, gatewayErrorProblem } from "./errors.js";
import { GatewayError, type GatewayAnswer, type GatewayClient } from "./forward.js";
import { KEYS_MEDIA_TYPE, type KeyCache } from "./key-cache.js";
import type { ForwardOutcome, RelayMetrics } from "./metrics.js";
import type { RateLimiter } from "./rate-limit.js";

export const RELAY_PATH = "/relay";
export const KEYS_PATH = "/ohttp-keys";
export const OHTTP_REQUEST_MEDIA_TYPE = "message/ohttp-req";
export const OHTTP_RESPONSE_MEDIA_TYPE = "message/ohttp-res";
/** The one client field the relay reads besides `content-type`, and only behind trusted proxies. */
export const FORWARDED_FOR = "x-forwarded-for";

export interface RelayAppDeps {
  readonly gateway: Pick<GatewayClient, "forward">;
  readonly keyCache: Pick<KeyCache, "get">;
  readonly limiter: Pick<RateLimiter, "check">;
  readonly metrics: RelayMetrics;
  readonly observer: HttpObserver<RelayRoute>;
  readonly log: RelayLogger;
  readonly maxBodyBytes: number;
  /** Deadline for receiving a client's body. */
  readonly bodyTimeoutMs: number;
  /** Trusted reverse proxies in front of the relay: how many, and their addresses (see client-address.ts). */
  readonly proxies: TrustedProxies;
}

export interface Relay {
  /** Every route, on node:http. */
  readonly listener: RequestListener;
  /** `POST /relay` without node:http's objects, its body read whole within the limit. Never rejects. */
  readonly relay: (request: FrontRequest) => Promise<FrontAnswer>;
  /** The answer to a `POST /relay` whose body did not arrive within the deadline; the connection then closes. */
  readonly bodyTimedOut: () => FrontAnswer;
  /** A `POST /relay` whose client went away before its body was whole. */
  readonly bodyAborted: () => void;
  /** Records a `POST /relay` answered outside `listener` (its `http.request` line and histogram). */
  readonly record: (status: number, ms: number) => void;
}

/** The node:http listener alone (the form tests and embedders without the front use). */
export function createRelayApp(deps: RelayAppDeps): RequestListener {
  return createRelay(deps).listener;
}

export function createRelay(deps: RelayAppDeps): Relay {
  const { metrics, log } = deps;

  /** The 429 for a client over its budget, or undefined. `forwardedFor` counts only from a trusted proxy. */
  const limited = (remoteAddress: string | undefined, forwardedFor: string | undefined): FrontAnswer | undefined => {
    const decision = deps.limiter.check(clientAddress(remoteAddress, forwardedFor, deps.proxies));
    return decision.allowed ? undefined : problemAnswer(CommonProblems.tooManyRequests, { "retry-after": String(decision.retryAfterS) });
  };

  /** The checks before the body counts: the rate limit, then the media type. Undefined: go on. */
  const refused = (remoteAddress: string | undefined, forwardedFor: string | undefined, contentType: string | undefined): FrontAnswer | undefined => {
    const tooMany = limited(remoteAddress, forwardedFor);
    if (tooMany !== undefined) {
      metrics.request("rate_limited");
      return tooMany;
    }
    if (mediaType(contentType) !== OHTTP_REQUEST_MEDIA_TYPE) {
      metrics.request("bad_media_type");
      return problemAnswer(RelayProblems.unsupportedMediaType);
    }
    return undefined;
  };

  const relayAnswer = (answer: GatewayAnswer, started: number): { answer: FrontAnswer; outcome: ForwardOutcome } => {
    const type = mediaType(answer.contentType);
    if (answer.status === 200 && type === OHTTP_RESPONSE_MEDIA_TYPE) {
      const headers = { "content-type": OHTTP_RESPONSE_MEDIA_TYPE, "cache-control": "no-store" };
      return { answer: { status: 200, headers, body: answer.body }, outcome: "forwarded" };
    }
    if (answer.status >= 400 && answer.status <= 599) {
      // The gateway's own problem (for example RFC 9458's `ohttp-key` problem, which tells the
      // client to fetch keys again) is passed on as it is; anything else gets a body of ours.
      const passed: FrontAnswer =
        type === PROBLEM_MEDIA_TYPE
          ? { status: answer.status, headers: { "content-type": PROBLEM_MEDIA_TYPE, "cache-control": "no-store" }, body: answer.body }
          : problemAnswer(gatewayErrorProblem(answer.status));
      return { answer: passed, outcome: "gateway_error" };
    }
    const reason = answer.status === 200 ? "bad-media-type" : "bad-status";
    log.event("forward.failed", { outcome: "gateway_invalid", reason, durationMs: performance.now() - started });
    return { answer: problemAnswer(RelayProblems.gatewayInvalid), outcome: "gateway_invalid" };
  };

  /** One exchange with the gateway and the client's answer. Rejects only on a bug. */
  const forward = async (body: Buffer): Promise<FrontAnswer> => {
    const started = performance.now();
    let outcome: ForwardOutcome;
    let answer: FrontAnswer;
    try {
      ({ answer, outcome } = relayAnswer(await deps.gateway.forward(body), started));
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      const failure = GATEWAY_FAILURES[error.code];
      outcome = failure.outcome;
      log.event("forward.failed", { outcome, reason: error.code, durationMs: performance.now() - started });
      answer = problemAnswer(failure.problem);
    }
    metrics.request(outcome);
    metrics.forward(outcome, (performance.now() - started) / 1000);
    return answer;
  };

  const internal = (): FrontAnswer => {
    log.event("error.unexpected", { where: "request" });
    return problemAnswer(CommonProblems.internal);
  };

  /** X-Forwarded-For on node:http (which joins repeated lines with ", "), read only behind trusted proxies. */
  const forwardedForOf = (req: IncomingMessage): string | undefined => {
    const value = deps.proxies.none ? undefined : req.headers[FORWARDED_FOR];
    return Array.isArray(value) ? value.join(", ") : value;
  };

  const bodyTimedOut = (): FrontAnswer => {
    metrics.request("client_timeout");
    return problemAnswer(CommonProblems.requestTimeout);
  };

  const bodyAborted = (): void => metrics.request("client_aborted");

  const relayOnHttp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "POST") {
      metrics.request("bad_method");
      sendProblem(res, CommonProblems.methodNotAllowed, { allow: "POST" });
      return;
    }
    const early = refused(req.socket.remoteAddress, forwardedForOf(req), req.headers["content-type"]);
    if (early !== undefined) {
      writeAnswer(res, early);
      return;
    }
    const body = await readBodyWithin(req, deps.maxBodyBytes, deps.bodyTimeoutMs);
    if (body === BodyErrorCode.TooLarge) {
      metrics.request("too_large");
      sendProblem(res, RelayProblems.payloadTooLarge);
      return;
    }
    if (body === BodyErrorCode.Timeout) {
      // The client is still sending: answer, then close rather than keep reading.
      writeAnswer(res, bodyTimedOut(), { connection: "close" });
      return;
    }
    if (body === BodyErrorCode.Aborted) {
      bodyAborted();
      res.destroy();
      return;
    }
    writeAnswer(res, await forward(body));
  };

  const keys = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      metrics.keyRequest("bad_method");
      sendProblem(res, CommonProblems.methodNotAllowed, { allow: "GET, HEAD" });
      return;
    }
    const tooMany = limited(req.socket.remoteAddress, forwardedForOf(req));
    if (tooMany !== undefined) {
      metrics.keyRequest("rate_limited");
      writeAnswer(res, tooMany);
      return;
    }
    let config;
    try {
      config = await deps.keyCache.get();
    } catch {
      metrics.keyRequest("unavailable");
      sendProblem(res, RelayProblems.keysUnavailable);
      return;
    }
    metrics.keyRequest(config.result);
    // The same bytes and headers for every client; only max-age moves, with the clock.
    res.writeHead(200, {
      "content-type": KEYS_MEDIA_TYPE,
      "content-length": config.body.length,
      "cache-control": `public, max-age=${config.maxAgeS}`,
    });
    res.end(req.method === "HEAD" ? undefined : config.body);
  };

  const unexpected = (res: ServerResponse): void => {
    if (res.headersSent) {
      log.event("error.unexpected", { where: "request" });
      res.destroy();
    } else {
      writeAnswer(res, internal());
    }
  };

  const listener: RequestListener = (req, res) => {
    const route = deps.observer.begin(req, res);
    switch (pathOf(req.url)) {
      case RELAY_PATH:
        route("relay");
        relayOnHttp(req, res).catch(() => unexpected(res));
        return;
      case KEYS_PATH:
        route("ohttp-keys");
        keys(req, res).catch(() => unexpected(res));
        return;
      default:
        sendProblem(res, CommonProblems.notFound);
    }
  };

  const relay = (request: FrontRequest): Promise<FrontAnswer> => {
    const early = refused(request.remoteAddress, request.fields.get(FORWARDED_FOR), request.contentType);
    return early !== undefined ? Promise.resolve(early) : forward(request.body).catch(internal);
  };

  return { listener, relay, bodyTimedOut, bodyAborted, record: (status, ms) => deps.observer.record("POST", "relay", status, ms) };
}
