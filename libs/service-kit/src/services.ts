/**
 * The registry of the stack's services: their names, default ports (public and admin), the
 * prefix of their variables, and the inner origin under which the gateway reaches a backend.
 * The services' config defaults, `npm start` (scripts/src/stack.ts), the tests and the
 * manifests' checks (deploy/test) all read it, so a port or an origin is written once.
 */

export const SERVICE_NAMES = ["relay", "gateway", "issuer", "sticker-search", "telemetry"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceEntry {
  readonly name: ServiceName;
  /** The public listener's default port. */
  readonly port: number;
  /** The admin listener's default port (/metrics, /healthz, /readyz). */
  readonly adminPort: number;
  /** The prefix of its variables: `${prefix}_PORT`, `${prefix}_ADMIN_PORT`. */
  readonly variablePrefix: string;
  /** The origin clients name to reach it through relay and gateway; none for relay and gateway. */
  readonly origin: string | undefined;
}

export const SERVICES: Readonly<Record<ServiceName, ServiceEntry>> = Object.freeze({
  relay: { name: "relay", port: 8080, adminPort: 9080, variablePrefix: "RELAY", origin: undefined },
  gateway: { name: "gateway", port: 8081, adminPort: 9081, variablePrefix: "GATEWAY", origin: undefined },
  issuer: { name: "issuer", port: 8082, adminPort: 9082, variablePrefix: "ISSUER", origin: "https://issuer.internal" },
  "sticker-search": { name: "sticker-search", port: 8083, adminPort: 9083, variablePrefix: "STICKER_SEARCH", origin: "https://sticker-search.internal" },
  telemetry: { name: "telemetry", port: 8084, adminPort: 9084, variablePrefix: "TELEMETRY", origin: "https://telemetry.internal" },
});

/** A service's default local URL, `http://127.0.0.1:<port><path>`. */
export function localUrl(name: ServiceName, path = ""): string {
  return `http://127.0.0.1:${SERVICES[name].port}${path}`;
}

/** The host of a backend's inner origin (`issuer.internal`): the token gate's origin info and issuer name. */
export function originHost(name: "issuer" | "sticker-search" | "telemetry"): string {
  return new URL(SERVICES[name].origin ?? "").host;
}
