/**
 * The relay's public request handler: `POST /relay` and `GET /ohttp-keys`.
 *
 * This is a bare node:http handler, not an express app. `POST /relay` is the hot path of every
 * oblivious call, and express 5 adds about 110-125 µs per request (DESIGN.md, measured facts),
 * more than the relay's own work; the relay has two fixed paths and no body parsing, so a router
 * would buy nothing. Bare node:http also leaves no default error handler that could print a
 * request to stderr. Tests drive the handler directly (it is a valid supertest target).
 *
 * What reaches the gateway is decided in forward.ts: the body alone. What reaches the client is
 * decided here: the gateway's status and body with at most `content-type`, `content-length` and
 * `cache-control` chosen by the relay; no gateway header is copied.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import {
  BodyError,
  BodyErrorCode,
  CommonProblems,
  type HttpObserver,
  mediaType,
  PROBLEM_MEDIA_TYPE,
  problemType,
  readBody,
  sendProblem,
  type Problem,
} from "@oblivious/service-kit";
import { clientAddress } from "./client-address.js";
import type { RelayLogger, RelayRoute } from "./events.js";
import { GatewayError, GatewayErrorCode, type GatewayAnswer, type GatewayClient } from "./forward.js";
import { KEYS_MEDIA_TYPE, type KeyCache } from "./key-cache.js";
import type { ForwardOutcome, RelayMetrics } from "./metrics.js";
import type { RateLimiter } from "./rate-limit.js";

export const OHTTP_REQUEST_MEDIA_TYPE = "message/ohttp-req";
export const OHTTP_RESPONSE_MEDIA_TYPE = "message/ohttp-res";

/** The relay's own problems; see also CommonProblems. */
export const RelayProblems = {
  gatewayUnreachable: {
    type: problemType("gateway-unreachable"),
    title: "Bad Gateway",
    status: 502,
    detail: "The gateway could not be reached.",
  },
  gatewayInvalid: {
    type: problemType("gateway-invalid"),
    title: "Bad Gateway",
    status: 502,
    detail: "The gateway's answer could not be relayed.",
  },
  gatewayTimeout: {
    type: problemType("gateway-timeout"),
    title: "Gateway Timeout",
    status: 504,
    detail: "The gateway did not answer in time.",
  },
  keysUnavailable: {
    type: problemType("keys-unavailable"),
    title: "Service Unavailable",
    status: 503,
    detail: "The gateway's key configuration is not available.",
  },
  unsupportedMediaType: { ...CommonProblems.unsupportedMediaType, detail: "The body must be message/ohttp-req." },
  payloadTooLarge: { ...CommonProblems.payloadTooLarge, detail: "The body is larger than this relay accepts." },
} as const satisfies Record<string, Problem>;

/** A gateway error answer whose body is not problem+json: its status, with a body of ours. */
function gatewayErrorProblem(status: number): Problem {
  return { type: problemType("gateway-error"), title: "Gateway Error", status, detail: "The gateway answered with an error." };
}

/** One table from what went wrong with the gateway to the outcome and the client's answer. */
const GATEWAY_FAILURES: Readonly<Record<GatewayErrorCode, { outcome: Exclude<ForwardOutcome, "forwarded" | "gateway_error">; problem: Problem }>> = {
  [GatewayErrorCode.Timeout]: { outcome: "gateway_timeout", problem: RelayProblems.gatewayTimeout },
  [GatewayErrorCode.Unreachable]: { outcome: "gateway_unreachable", problem: RelayProblems.gatewayUnreachable },
  [GatewayErrorCode.TooLarge]: { outcome: "gateway_invalid", problem: RelayProblems.gatewayInvalid },
  [GatewayErrorCode.Protocol]: { outcome: "gateway_invalid", problem: RelayProblems.gatewayInvalid },
};

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
  /** Trusted reverse proxies in front of the relay (see client-address.ts). */
  readonly trustProxy: number;
}

type BodyResult = Buffer | "too-large" | "aborted" | "timeout";

function readBodyWithin(req: IncomingMessage, limit: number, timeoutMs: number): Promise<BodyResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const body = readBody(req, limit).catch((e: unknown) =>
    e instanceof BodyError && e.code === BodyErrorCode.TooLarge ? ("too-large" as const) : ("aborted" as const),
  );
  return Promise.race([body, timeout]).finally(() => clearTimeout(timer));
}

function pathOf(url: string | undefined): string {
  const u = url ?? "/";
  const q = u.indexOf("?");
  return q === -1 ? u : u.slice(0, q);
}

export function createRelayApp(deps: RelayAppDeps): RequestListener {
  const { metrics, log } = deps;

  const limited = (req: IncomingMessage, res: ServerResponse): boolean => {
    const xff = deps.trustProxy > 0 ? req.headers["x-forwarded-for"] : undefined;
    const forwardedFor = Array.isArray(xff) ? xff.join(", ") : xff;
    const decision = deps.limiter.check(clientAddress(req.socket.remoteAddress, forwardedFor, deps.trustProxy));
    if (decision.allowed) return false;
    sendProblem(res, CommonProblems.tooManyRequests, { "retry-after": String(decision.retryAfterS) });
    return true;
  };

  const relayAnswer = (res: ServerResponse, answer: GatewayAnswer, started: number): ForwardOutcome => {
    const type = mediaType(answer.contentType);
    if (answer.status === 200 && type === OHTTP_RESPONSE_MEDIA_TYPE) {
      res.writeHead(200, {
        "content-type": OHTTP_RESPONSE_MEDIA_TYPE,
        "content-length": answer.body.length,
        "cache-control": "no-store",
      });
      res.end(answer.body);
      return "forwarded";
    }
    if (answer.status >= 400 && answer.status <= 599) {
      // The gateway's own problem (for example RFC 9458's `ohttp-key` problem, which tells the
      // client to fetch keys again) is passed on as it is; anything else gets a body of ours.
      if (type === PROBLEM_MEDIA_TYPE) {
        res.writeHead(answer.status, {
          "content-type": PROBLEM_MEDIA_TYPE,
          "content-length": answer.body.length,
          "cache-control": "no-store",
        });
        res.end(answer.body);
      } else {
        sendProblem(res, gatewayErrorProblem(answer.status));
      }
      return "gateway_error";
    }
    const reason = answer.status === 200 ? "bad-media-type" : "bad-status";
    log.event("forward.failed", { outcome: "gateway_invalid", reason, durationMs: performance.now() - started });
    sendProblem(res, RelayProblems.gatewayInvalid);
    return "gateway_invalid";
  };

  const relay = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "POST") {
      metrics.request("bad_method");
      sendProblem(res, CommonProblems.methodNotAllowed, { allow: "POST" });
      return;
    }
    if (limited(req, res)) {
      metrics.request("rate_limited");
      return;
    }
    if (mediaType(req.headers["content-type"]) !== OHTTP_REQUEST_MEDIA_TYPE) {
      metrics.request("bad_media_type");
      sendProblem(res, RelayProblems.unsupportedMediaType);
      return;
    }
    const body = await readBodyWithin(req, deps.maxBodyBytes, deps.bodyTimeoutMs);
    if (body === "too-large") {
      metrics.request("too_large");
      sendProblem(res, RelayProblems.payloadTooLarge);
      return;
    }
    if (body === "timeout") {
      metrics.request("client_timeout");
      // The client is still sending: answer, then close rather than keep reading.
      sendProblem(res, CommonProblems.requestTimeout, { connection: "close" });
      return;
    }
    if (body === "aborted") {
      metrics.request("client_aborted");
      res.destroy();
      return;
    }
    const started = performance.now();
    let outcome: ForwardOutcome;
    try {
      outcome = relayAnswer(res, await deps.gateway.forward(body), started);
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      const failure = GATEWAY_FAILURES[error.code];
      outcome = failure.outcome;
      log.event("forward.failed", { outcome, reason: error.code, durationMs: performance.now() - started });
      sendProblem(res, failure.problem);
    }
    metrics.request(outcome);
    metrics.forward(outcome, (performance.now() - started) / 1000);
  };

  const keys = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      metrics.keyRequest("bad_method");
      sendProblem(res, CommonProblems.methodNotAllowed, { allow: "GET, HEAD" });
      return;
    }
    if (limited(req, res)) {
      metrics.keyRequest("rate_limited");
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
    log.event("error.unexpected", { where: "request" });
    if (res.headersSent) res.destroy();
    else sendProblem(res, CommonProblems.internal);
  };

  return (req, res) => {
    const route = deps.observer.begin(req, res);
    switch (pathOf(req.url)) {
      case "/relay":
        route("relay");
        relay(req, res).catch(() => unexpected(res));
        return;
      case "/ohttp-keys":
        route("ohttp-keys");
        keys(req, res).catch(() => unexpected(res));
        return;
      default:
        sendProblem(res, CommonProblems.notFound);
    }
  };
}
