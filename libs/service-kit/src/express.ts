/**
 * The last two handlers of every express app: 404 for what no route matched, and a final error
 * handler of our own. Express's default handler prints the error, and for a malformed JSON body
 * that includes the raw body, to stderr; this one answers problem+json and logs only a declared
 * event. A client error (an `expose`d 4xx from a body parser) keeps its status; anything else is
 * a 500 that never echoes an internal message.
 */
import type { ErrorRequestHandler, RequestHandler } from "express";
import { CommonProblems, sendProblem, type Problem } from "./problem.js";
import type { Logger, lifecycleEvents } from "./log.js";

export function notFoundHandler(): RequestHandler {
  return (_req, res) => sendProblem(res, CommonProblems.notFound);
}

/** Answers 405 with `Allow` for a path that exists with other methods. */
export function methodNotAllowed(allow: readonly string[]): RequestHandler {
  return (_req, res) => sendProblem(res, CommonProblems.methodNotAllowed, { allow: allow.join(", ") });
}

const CLIENT_STATUS: Readonly<Record<number, Problem>> = {
  400: CommonProblems.badRequest,
  408: CommonProblems.requestTimeout,
  413: CommonProblems.payloadTooLarge,
  415: CommonProblems.unsupportedMediaType,
};

function clientStatus(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown };
  const status = typeof e.status === "number" ? e.status : e.statusCode;
  return typeof status === "number" && status >= 400 && status < 500 && e.expose === true ? status : undefined;
}

export function finalErrorHandler(log: Logger<typeof lifecycleEvents>): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const status = clientStatus(err);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (status !== undefined) {
      sendProblem(res, CLIENT_STATUS[status] ?? { type: "about:blank", title: "Bad Request", status });
      return;
    }
    log.event("error.unexpected", { where: "request" });
    sendProblem(res, CommonProblems.internal);
  };
}
