/**
 * One call to an origin as the caller sees it (`client.fetch(origin, init)`): what the caller
 * gives, checked before anything is sent (origin, method, path, fields), and the answer it gets.
 */
import type { Field, InnerResponse } from "./backend.js";
import { ClientError, ClientErrorCode } from "./errors.js";
import { fieldValue } from "./http.js";

export interface FetchInit {
  /** Default GET. */
  readonly method?: string;
  /** Path and query, starting with "/". */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
}

export interface ClientResponse {
  readonly status: number;
  readonly headers: readonly Field[];
  readonly body: Uint8Array;
  header(name: string): string | undefined;
  text(): string;
}

/** RFC 9110 Section 5.6.2 token; field names are sent lower-case (RFC 9292 Section 3.6). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Fields the client owns: the caller cannot set or override them. */
const RESERVED_FIELDS: ReadonlySet<string> = new Set(["date", "authorization", "cookie", "host", "forwarded", "x-forwarded-for", "via"]);

/** An origin as the client addresses it through the gateway. */
export interface Target {
  readonly scheme: string;
  readonly authority: string;
  /** The origin name a TokenChallenge's origin_info names (RFC 9577 Section 2.1). */
  readonly originName: string;
  readonly key: string;
}

export function invalid(detail: string): ClientError {
  return new ClientError(ClientErrorCode.InvalidArgument, detail);
}

export function parseOrigin(origin: string): Target {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw invalid("origin");
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username !== "" || url.password !== "") throw invalid("origin");
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "") throw invalid("origin");
  return { scheme: url.protocol.slice(0, -1), authority: url.host, originName: url.hostname, key: url.origin };
}

/** The caller's method, path and fields, checked before anything is sent. */
export function checkInit(init: FetchInit): { readonly method: string; readonly fields: Field[] } {
  const method = init.method ?? "GET";
  if (!TOKEN.test(method)) throw invalid("method");
  if (!init.path.startsWith("/") || init.path.startsWith("//")) throw invalid("path");
  return { method, fields: callerFields(init.headers) };
}

function callerFields(headers: Readonly<Record<string, string>> | undefined): Field[] {
  const fields: Field[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(name) || RESERVED_FIELDS.has(lower)) throw invalid("header name");
    if (typeof value !== "string" || /[\0\r\n]/.test(value) || value !== value.trim()) throw invalid("header value");
    fields.push([lower, value]);
  }
  return fields;
}

export function response(inner: InnerResponse): ClientResponse {
  return Object.freeze({
    status: inner.status,
    headers: inner.headers,
    body: inner.content,
    header: (name: string) => fieldValue(inner.headers, name),
    text: () => new TextDecoder().decode(inner.content),
  });
}
