/**
 * Running a service: the public and admin listeners, readiness, and a graceful stop. On SIGTERM
 * (or SIGINT) the service:
 * 1. turns not-ready (`/readyz` answers 503) and keeps serving for `shutdownGraceMs`, the time a
 *    load balancer needs to see it and stop sending new requests (its health checks' interval
 *    times the failures it waits for, or an endpoint list's propagation);
 * 2. drains: stops accepting connections, lets in-flight requests finish, answers them with
 *    `Connection: close` (RFC 9112 §9.6) so that no client sends another request on a connection
 *    about to close, and closes idle keep-alive connections as they go idle;
 * 3. closes its own dependencies. After `drainTimeoutMs` of draining the remaining connections are cut.
 * Values and method: docs/decisions/0029-graceful-restart.md.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Server as NetServer } from "node:net";
import type { Registry } from "prom-client";
import { createAdminServer } from "./admin.js";
import type { Logger, EventCatalog, lifecycleEvents } from "./log.js";

/**
 * What a public listener must offer to be drained: a node:http Server, or a node:net Server that
 * speaks HTTP itself (Http1Front, the gateway's and the relay's hot paths) and can tell idle connections from busy ones.
 */
export interface Server extends NetServer {
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

export interface Listener {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
}

export interface AdminListener {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  /** Whether the service's dependencies are usable; readiness is also false while draining. */
  readonly isReady?: () => boolean | Promise<boolean>;
}

export interface RunOptions {
  readonly public: Listener;
  readonly admin: AdminListener;
  readonly log: Logger<typeof lifecycleEvents & EventCatalog>;
  readonly drainTimeoutMs: number;
  /** How long the service stays up, not ready, before it drains (default 0: drain at once). */
  readonly shutdownGraceMs?: number;
  /** Closes the service's own dependencies (Redis, agents) after the listeners drained. */
  readonly onClosed?: () => Promise<void>;
  /** Install SIGTERM/SIGINT handlers (the server entry does; tests do not). */
  readonly handleSignals?: boolean;
}

export interface RunningService {
  /** `http://host:port` of the public listener. */
  readonly url: string;
  readonly adminUrl: string;
  /** False once draining has begun. */
  readonly accepting: () => boolean;
  readonly stop: () => Promise<void>;
}

function listen(l: Listener): Promise<string> {
  return new Promise((resolve, reject) => {
    l.server.once("error", reject);
    l.server.listen(l.port, l.host, () => {
      l.server.off("error", reject);
      const address = l.server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      resolve(`http://${host}:${address.port}`);
    });
  });
}

function inFlight(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((_err, count) => resolve(count ?? 0)));
}

/**
 * The responses of a node:http listener not yet answered, so that the ones still in flight when
 * draining begins can be told to close their connection. Http1Front emits no `request` events:
 * it answers `Connection: close` itself once closed (libs/http1/src/front.ts).
 */
function trackResponses(server: Server): { readonly closeAll: () => void } {
  const open = new Set<ServerResponse>();
  let closing = false;
  server.prependListener("request", (_req: IncomingMessage, res: ServerResponse) => {
    if (closing) {
      res.setHeader("connection", "close");
      return;
    }
    open.add(res);
    res.once("close", () => open.delete(res));
  });
  return {
    closeAll: () => {
      closing = true;
      for (const res of open) if (!res.headersSent) res.setHeader("connection", "close");
      open.clear();
    },
  };
}

async function drain(server: Server, timeoutMs: number): Promise<boolean> {
  let forced = false;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const sweeper = setInterval(() => server.closeIdleConnections(), 50);
  const timer = setTimeout(() => {
    forced = true;
    server.closeAllConnections();
  }, timeoutMs);
  server.closeIdleConnections();
  await closed;
  clearInterval(sweeper);
  clearTimeout(timer);
  return forced;
}

/**
 * Ends the process once pending writes are done. The logger's destination writes asynchronously;
 * `process.exit()` right after the last event can drop it or put it before the one written just
 * earlier (pino flushes synchronously on exit, around a write still in flight). Setting the exit
 * code lets the event loop finish those writes; a process still holding a handle after the
 * grace period exits anyway.
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1000).unref();
}

export async function runService(options: RunOptions): Promise<RunningService> {
  let accepting = true;
  const responses = trackResponses(options.public.server);
  const adminServer = createAdminServer({
    registry: options.admin.registry,
    isReady: async () => accepting && (options.admin.isReady === undefined || (await options.admin.isReady())),
  });
  const url = await listen(options.public);
  const adminUrl = await listen({ server: adminServer, host: options.admin.host, port: options.admin.port });
  options.log.event("service.listening", { port: Number(new URL(url).port), admin: false });
  options.log.event("service.listening", { port: Number(new URL(adminUrl).port), admin: true });
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const started = performance.now();
      accepting = false;
      const graceMs = options.shutdownGraceMs ?? 0;
      if (graceMs > 0) {
        options.log.event("service.not_ready", { graceMs });
        await new Promise((resolve) => setTimeout(resolve, graceMs));
      }
      responses.closeAll();
      options.log.event("service.draining", { inFlight: await inFlight(options.public.server) });
      const forced = await drain(options.public.server, options.drainTimeoutMs);
      try {
        await options.onClosed?.();
      } catch {
        options.log.event("error.unexpected", { where: "shutdown" });
      }
      await drain(adminServer, 1000);
      options.log.event("service.stopped", { forced, durationMs: performance.now() - started });
      await options.log.flush();
    })();
    return stopping;
  };

  if (options.handleSignals === true) {
    const onSignal = (): void => {
      stop().then(
        () => exitWhenFlushed(0),
        () => exitWhenFlushed(1),
      );
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  }
  return { url, adminUrl, accepting: () => accepting, stop };
}
