/**
 * The admin listener: `/metrics` (Prometheus text from the injected registry), `/healthz`
 * (the process is alive) and `/readyz` (it should receive traffic). It is a separate port from
 * the public one, so it can stay inside the cluster. Bare node:http: it needs no router.
 */
import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";
import { pathOf } from "./path.js";
import { CommonProblems, sendProblem } from "./problem.js";

export interface AdminOptions {
  readonly registry: Registry;
  /** True when the service can serve: dependencies reachable, not draining. */
  readonly isReady: () => boolean | Promise<boolean>;
}

export function createAdminServer(options: AdminOptions): Server {
  return createServer((req, res) => {
    const path = pathOf(req.url);
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendProblem(res, CommonProblems.methodNotAllowed, { allow: "GET, HEAD" });
      return;
    }
    const json = (status: number, body: object): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
      res.end(req.method === "HEAD" ? undefined : text);
    };
    switch (path) {
      case "/healthz":
        json(200, { status: "ok" });
        return;
      case "/readyz":
        Promise.resolve()
          .then(options.isReady)
          .then(
            (ready) => json(ready ? 200 : 503, { status: ready ? "ready" : "not ready" }),
            () => json(503, { status: "not ready" }),
          );
        return;
      case "/metrics":
        options.registry.metrics().then(
          (text) => {
            res.writeHead(200, { "content-type": options.registry.contentType, "cache-control": "no-store" });
            res.end(req.method === "HEAD" ? undefined : text);
          },
          () => sendProblem(res, CommonProblems.internal),
        );
        return;
      default:
        sendProblem(res, CommonProblems.notFound);
    }
  });
}
