/**
 * The end of every service's start, the same everywhere: its listeners from the config's
 * settings (runService), and when they cannot start (a port in use), the public server and the
 * service's own dependencies closed before the error goes on, so a failed start leaves no
 * timer, socket or Redis connection behind.
 */
import { collectDefaultMetrics, Registry } from "prom-client";
import { runService, type RunningService, type Server } from "./lifecycle.js";
import type { ListenerSettings } from "./listener-settings.js";
import type { EventCatalog, Logger, lifecycleEvents } from "./log.js";

export interface ServiceParts {
  readonly server: Server;
  readonly registry: Registry;
  readonly log: Logger<typeof lifecycleEvents & EventCatalog>;
  /** Whether the service's dependencies are usable (always, when absent). */
  readonly isReady?: () => boolean | Promise<boolean>;
  /** Closes the service's own dependencies, after a drain or a failed start. */
  readonly closeDependencies: () => Promise<void>;
  readonly handleSignals?: boolean | undefined;
}

/** The caller's registry, or a new one with Node's process metrics. */
export function serviceRegistry(given: Registry | undefined): Registry {
  if (given !== undefined) return given;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** runService with the config's settings; on a failed start, closes what the service opened. */
export async function startListeners(settings: ListenerSettings, parts: ServiceParts): Promise<RunningService> {
  try {
    return await runService({
      public: { server: parts.server, host: settings.host, port: settings.port },
      admin: { host: settings.adminHost, port: settings.adminPort, registry: parts.registry, ...(parts.isReady === undefined ? {} : { isReady: parts.isReady }) },
      log: parts.log,
      drainTimeoutMs: settings.drainTimeoutMs,
      shutdownGraceMs: settings.shutdownGraceMs,
      onClosed: parts.closeDependencies,
      handleSignals: parts.handleSignals ?? false,
    });
  } catch (error) {
    parts.server.close();
    await parts.closeDependencies();
    throw error;
  }
}
