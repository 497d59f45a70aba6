/**
 * The target allow-list (RFC 9458 §6.3: the gateway "SHOULD have some mechanism to ensure that
 * the Oblivious Gateway Resource is not misused as a relay for HTTP messages to an arbitrary
 * Target Resource, such as an allowlist").
 *
 * GATEWAY_TARGETS maps each public inner origin to an internal base URL:
 *   https://sticker-search.internal=http://127.0.0.1:8083,https://telemetry.internal=http://127.0.0.1:8084
 *
 * The inner origin is the request's scheme and authority; an empty authority means the `Host`
 * field names it (RFC 9292 §3.4, as for HTTP/1.1). Nothing else is reachable: the origin must be
 * listed exactly (after case and default-port normalisation), the method may not open a tunnel or
 * reflect the request (CONNECT, TRACE), and the path must be origin-form with no dot segment, no
 * encoded slash and no backslash, so it cannot leave the base path or name another host.
 */
import { fieldValues, type Request } from "@oblivious/bhttp";

export interface Target {
  /** The configured inner origin, `scheme://host[:port]`; also the metric and log label. */
  readonly name: string;
  /** Internal base URL: scheme, host, port and an optional path prefix. */
  readonly base: URL;
  /** The base path without its trailing slash ("" for "/"). */
  readonly basePath: string;
}

export interface Route {
  readonly target: Target;
  /** The path and query to request from the target, base path included. */
  readonly path: string;
}

const DEFAULT_PORT: Readonly<Record<string, string>> = { http: "80", https: "443" };

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const IPV6_LITERAL = /^\[[0-9a-f:.]+\]$/;
const PORT = /^[1-9]\d{0,4}$/;

/**
 * `scheme://authority` in canonical form: lower case, default port dropped. `undefined` for
 * anything that is not a plain host and port (userinfo, percent-encoding, a trailing dot, an
 * empty or zero-padded port...), so it can never equal an allowed origin by accident.
 */
export function canonicalOrigin(scheme: string, authority: string): string | undefined {
  const s = scheme.toLowerCase();
  const defaultPort = DEFAULT_PORT[s];
  if (defaultPort === undefined) return undefined;
  const a = authority.toLowerCase();
  let host = a;
  let port: string | undefined;
  const close = a.lastIndexOf("]");
  const colon = a.lastIndexOf(":");
  if (colon > close) {
    host = a.slice(0, colon);
    port = a.slice(colon + 1);
    if (!PORT.test(port) || Number(port) > 65535) return undefined;
  }
  if (!HOST_NAME.test(host) && !IPV6_LITERAL.test(host)) return undefined;
  return port === undefined || port === defaultPort ? `${s}://${host}` : `${s}://${host}:${port}`;
}

export const TARGETS_VARIABLE = "GATEWAY_TARGETS";

/** Parses GATEWAY_TARGETS; throws a TypeError with a reason that quotes no value. */
export function parseTargets(spec: string): Target[] {
  const targets: Target[] = [];
  const seen = new Set<string>();
  for (const [i, entry] of spec.split(",").entries()) {
    const eq = entry.indexOf("=");
    if (eq < 0) throw new TypeError(`entry ${i + 1} must be ORIGIN=BASE_URL`);
    let origin: URL;
    let base: URL;
    try {
      origin = new URL(entry.slice(0, eq).trim());
      base = new URL(entry.slice(eq + 1).trim());
    } catch {
      throw new TypeError(`entry ${i + 1} must hold two absolute URLs`);
    }
    const name = canonicalOrigin(origin.protocol.slice(0, -1), origin.host);
    const plainOrigin =
      origin.username === "" && origin.password === "" && origin.pathname === "/" && origin.search === "" && origin.hash === "";
    if (name === undefined || !plainOrigin) throw new TypeError(`entry ${i + 1}: the inner origin must be http(s)://host[:port] only`);
    if ((base.protocol !== "http:" && base.protocol !== "https:") || base.username !== "" || base.password !== "" || base.search !== "" || base.hash !== "") {
      throw new TypeError(`entry ${i + 1}: the base URL must be http(s) with no userinfo, query or fragment`);
    }
    if (seen.has(name)) throw new TypeError(`entry ${i + 1} repeats an origin`);
    seen.add(name);
    targets.push({ name, base, basePath: base.pathname.replace(/\/+$/, "") });
  }
  if (targets.length === 0) throw new TypeError("no target");
  return targets;
}

/** RFC 3986 §3.3: path-abempty = *( "/" segment ), segment = *pchar. */
const PATH = /^(?:\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)+$/;
/** Query: visible ASCII except "#" (RFC 3986 §3.4 plus what real clients send unencoded). */
const QUERY = /^[\x21-\x22\x24-\x7e]*$/;
/** A percent-encoded "/", "\" or NUL could become a separator or a terminator at the target. */
const ENCODED_SEPARATOR = /%(?:2f|5c|00)/i;
/**
 * A dot segment, also percent-encoded, also before a ";" parameter ("/..;/" is ".." to some
 * servers): resolving it could leave the base path. One pass over the path, rather than a split
 * into segments (and each segment at its ";") with a test per segment: the same segments match.
 */
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?=[/;]|$)/i;

/** Tunnelling or reflecting methods, compared case-insensitively though methods are not. */
const REFUSED_METHODS: ReadonlySet<string> = new Set(["CONNECT", "TRACE", "TRACK"]);

/** Whether an origin-form path (query included) can be appended to a base path without leaving it. */
function isSafePath(path: string): boolean {
  const q = path.indexOf("?");
  const p = q < 0 ? path : path.slice(0, q);
  // "//host/x" is a network-path reference: some URL joiners would take "host" as the authority.
  if (!PATH.test(p) || p.startsWith("//") || ENCODED_SEPARATOR.test(p) || DOT_SEGMENT.test(p)) return false;
  return q < 0 || QUERY.test(path.slice(q + 1));
}

export class TargetTable {
  readonly #byOrigin: ReadonlyMap<string, Target>;
  /**
   * canonicalOrigin's answers for the authorities that name a target exactly as configured
   * (`host`, `host:port`, and `host:<default port>`), by scheme. Each is checked against
   * canonicalOrigin here, so a hit gives what the function would; anything else goes through it.
   */
  readonly #exact: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly targets: readonly Target[];

  constructor(targets: readonly Target[]) {
    this.targets = targets;
    this.#byOrigin = new Map(targets.map((t) => [t.name, t]));
    const exact = new Map<string, Map<string, string>>();
    for (const t of targets) {
      const scheme = t.name.slice(0, t.name.indexOf(":"));
      const authority = t.name.slice(scheme.length + 3);
      for (const a of [authority, `${authority}:${DEFAULT_PORT[scheme] ?? ""}`]) {
        if (canonicalOrigin(scheme, a) !== t.name) continue;
        let byAuthority = exact.get(scheme);
        if (byAuthority === undefined) exact.set(scheme, (byAuthority = new Map()));
        byAuthority.set(a, t.name);
      }
    }
    this.#exact = exact;
  }

  #origin(scheme: string, authority: string): string | undefined {
    return this.#exact.get(scheme)?.get(authority) ?? canonicalOrigin(scheme, authority);
  }

  /** The target and upstream path of an inner request, or `undefined` when it is not allowed. */
  resolve(request: Request): Route | undefined {
    if (REFUSED_METHODS.has(request.method.toUpperCase())) return undefined;
    const hosts = fieldValues(request.headers, "host");
    let authority = request.authority;
    if (authority === "") {
      if (hosts.length !== 1) return undefined;
      authority = hosts[0] ?? "";
    }
    const origin = this.#origin(request.scheme, authority);
    if (origin === undefined) return undefined;
    // A Host that names another origin than :authority is ambiguous (RFC 9113 §8.3.1).
    for (const h of hosts) if (this.#origin(request.scheme, h) !== origin) return undefined;
    const target = this.#byOrigin.get(origin);
    if (target === undefined || !isSafePath(request.path)) return undefined;
    // The path with its query, as the request gave it: isSafePath checked both parts.
    return { target, path: `${target.basePath}${request.path}` };
  }
}
