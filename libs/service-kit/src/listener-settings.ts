/**
 * The settings every service reads the same way, under its prefix from the service registry
 * (services.ts): where it listens (`<PREFIX>_HOST`, `_PORT`, `_ADMIN_HOST`, `_ADMIN_PORT`, the
 * ports defaulting to the registry's), how it stops (`_DRAIN_TIMEOUT`, `_SHUTDOWN_GRACE`: see
 * lifecycle.ts) and how it sheds load (`_MAX_IN_FLIGHT`, `_SHED_TARGET`: see shed.ts).
 */
import type { EnvReader } from "./config.js";
import { SERVICES, type ServiceName } from "./services.js";

/** The listener settings every service's config holds. */
export interface ListenerSettings {
  readonly host: string;
  readonly port: number;
  readonly adminHost: string;
  readonly adminPort: number;
  readonly drainTimeoutMs: number;
  readonly shutdownGraceMs: number;
}

export interface ShedSettings {
  readonly maxInFlight: number;
  readonly shedTargetMs: number;
}

/** Both listeners on 127.0.0.1 unless told; no shutdown grace unless told. */
export function readListenerSettings(env: EnvReader, name: ServiceName, defaults: { readonly drainTimeoutMs: number }): ListenerSettings {
  const { variablePrefix: p, port, adminPort } = SERVICES[name];
  return {
    host: env.string(`${p}_HOST`, "127.0.0.1"),
    port: env.port(`${p}_PORT`, port),
    adminHost: env.string(`${p}_ADMIN_HOST`, "127.0.0.1"),
    adminPort: env.port(`${p}_ADMIN_PORT`, adminPort),
    drainTimeoutMs: env.duration(`${p}_DRAIN_TIMEOUT`, defaults.drainTimeoutMs, { maxMs: 600_000 }),
    shutdownGraceMs: env.duration(`${p}_SHUTDOWN_GRACE`, 0, { maxMs: 600_000 }),
  };
}

/** A shed target of 500 ms unless told. */
export function readShedSettings(env: EnvReader, name: ServiceName, defaults: { readonly maxInFlight: number }): ShedSettings {
  const p = SERVICES[name].variablePrefix;
  return {
    maxInFlight: env.int(`${p}_MAX_IN_FLIGHT`, defaults.maxInFlight, { min: 0, max: 1_000_000 }),
    shedTargetMs: env.duration(`${p}_SHED_TARGET`, 500, { maxMs: 600_000 }),
  };
}
