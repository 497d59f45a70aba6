/**
 * Request logging and metrics for one service, keyed by route *template* from a closed set,
 * never by URL: a path can carry a query, an id or a token. Works on bare node:http responses
 * (the hot paths) and under express (through `expressObserver`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import { BoundHistogram, type Observe } from "./bound-histogram.js";
import { defineEvents, field, type EventSpec, type Logger } from "./log.js";

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "OTHER"] as const;
export type HttpMethodLabel = (typeof HTTP_METHODS)[number];

export function methodLabel(method: string | undefined): HttpMethodLabel {
  return (HTTP_METHODS as readonly string[]).includes(method ?? "") ? (method as HttpMethodLabel) : "OTHER";
}

/** The `http.request` event for a service whose routes are `routes` (plus `unmatched`). */
export function httpRequestEvent<const R extends readonly string[]>(routes: R) {
  return defineEvents({
    "http.request": {
      level: "info",
      fields: {
        method: field.enum(...HTTP_METHODS),
        route: field.enum(...routes, "unmatched"),
        status: field.int(100, 599),
        durationMs: field.duration(),
      },
    },
  });
}

type RequestCatalog<R extends readonly string[]> = ReturnType<typeof httpRequestEvent<R>> & Readonly<Record<string, EventSpec>>;

export interface HttpObserver<R extends string> {
  /** Call when a request arrives; the returned function records it when the answer is done. */
  begin(req: IncomingMessage, res: ServerResponse): (route: R | "unmatched") => void;
  /** Records a request answered without node:http's objects (a hot path on node:net). */
  record(method: string, route: R | "unmatched", status: number, ms: number): void;
}

export function createHttpObserver<const R extends readonly string[]>(options: {
  readonly routes: R;
  readonly registry: Registry;
  readonly log: Logger<RequestCatalog<R>>;
}): HttpObserver<R[number]> {
  const duration = new BoundHistogram({
    name: "http_request_duration_seconds",
    help: "Time from request arrival to the end of the answer, by route template and status class.",
    labelNames: ["route", "method", "status_class"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [options.registry],
  });
  // One bound observer per (route, method, status class), made on first use: every label comes
  // from a closed set, so the hot path only looks its observer up.
  const observers = new Map<string, Observe>();
  const observerOf = (route: string, method: HttpMethodLabel, status: number): Observe => {
    const statusClass = `${Math.floor(status / 100)}xx`;
    const key = `${route} ${method} ${statusClass}`;
    let observe = observers.get(key);
    if (observe === undefined) {
      observe = duration.bind({ route, method, status_class: statusClass });
      observers.set(key, observe);
    }
    return observe;
  };
  const record = (rawMethod: string | undefined, route: R[number] | "unmatched", status: number, ms: number): void => {
    const method = methodLabel(rawMethod);
    observerOf(route, method, status)(ms / 1000);
    // The generic signature cannot see that "http.request" is in every RequestCatalog<R>.
    (options.log as Logger<ReturnType<typeof httpRequestEvent<readonly string[]>>>).event("http.request", { method, route, status, durationMs: ms });
  };
  return {
    begin(req, res) {
      const start = performance.now();
      let route: R[number] | "unmatched" = "unmatched";
      res.once("finish", () => record(req.method, route, res.statusCode, performance.now() - start));
      return (r) => {
        route = r;
      };
    },
    record,
  };
}
