/**
 * Forwarding a decapsulated request to its target, as a gateway (RFC 9110 §7.6, RFC 9458 §5).
 *
 * What goes to the target is the inner request's method, path (query kept), fields and content,
 * less the connection-specific fields (RFC 9110 §7.6.1), which belong to a hop the gateway does
 * not have. `Host` is set to the target's internal host. The gateway adds nothing about the
 * client: no `Forwarded`, `X-Forwarded-*` or `Via` (it has no client address to give), and it
 * drops such fields if the client sent them, so no target is misled into trusting one.
 * Request trailers are not forwarded: HTTP/1.1 can carry them only in chunked content, and RFC
 * 9110 §6.5.1 lets a recipient discard them.
 *
 * One keep-alive connection pool per target (service-kit's Http1Client), created at start-up; a
 * total deadline per exchange; a cap on the response content.
 */
import type { Field, Request, Response } from "@oblivious/bhttp";
import { ExchangeFailure, FIELD_VALUE, Http1Client } from "@oblivious/http1";
import { EXCHANGE_TIMEOUT, exchangeWithin } from "@oblivious/service-kit";
import type { Route, Target } from "./targets.js";

/** RFC 9110 §7.6.1, plus fields the gateway recomputes (content-length) or refuses (expect). */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  "expect",
]);

/** Fields that claim to describe the client or the path it took; an anonymous client has none. */
const CLIENT_DESCRIBING: ReadonlySet<string> = new Set(["forwarded", "via", "x-real-ip", "true-client-ip", "client-ip"]);


function connectionTokens(fields: readonly Field[]): Set<string> {
  const tokens = new Set<string>();
  for (const [name, value] of fields) {
    if (name.toLowerCase() !== "connection") continue;
    for (const t of value.split(",")) tokens.add(t.trim().toLowerCase());
  }
  return tokens;
}

function dropped(name: string, nominated: ReadonlySet<string>): boolean {
  return (
    HOP_BY_HOP.has(name) ||
    name.startsWith("proxy-") ||
    name.startsWith("x-forwarded-") ||
    CLIENT_DESCRIBING.has(name) ||
    name.startsWith(":") ||
    nominated.has(name)
  );
}

/**
 * The inner request's fields as a flat `[name, value, ...]` list (order and duplicates
 * kept), or `undefined` when a value cannot be sent on an HTTP/1.1 connection.
 */
export function requestFields(headers: readonly Field[]): string[] | undefined {
  const nominated = connectionTokens(headers);
  const out: string[] = [];
  for (const [name, value] of headers) {
    if (dropped(name.toLowerCase(), nominated)) continue;
    if (!FIELD_VALUE.test(value)) return undefined;
    out.push(name, value);
  }
  return out;
}

/** A target's response fields, less the connection-specific ones (RFC 9110 §7.6.1). */
function endToEnd(all: readonly Field[]): Field[] {
  const nominated = connectionTokens(all);
  return all.filter(([name]) => {
    const n = name.toLowerCase();
    return !(HOP_BY_HOP.has(n) || n.startsWith("proxy-") || nominated.has(n));
  });
}

/** The target client's failures (connection, malformed or oversized answer, unsendable request) and the deadline's. */
export const ForwardFailure = {
  /** Connection refused or reset, a malformed answer: 502. */
  Error: ExchangeFailure.Error,
  /** The answer's content is over the cap (GATEWAY_MAX_RESPONSE): 502. */
  TooLarge: ExchangeFailure.TooLarge,
  /** The request cannot be written as HTTP/1.1 (a method, name or value it cannot carry): 400. */
  Invalid: ExchangeFailure.Invalid,
  /** No complete answer within the deadline: 504. */
  Timeout: EXCHANGE_TIMEOUT,
} as const;
export type ForwardFailure = (typeof ForwardFailure)[keyof typeof ForwardFailure];

export type ForwardResult = { readonly ok: true; readonly response: Response } | { readonly ok: false; readonly failure: ForwardFailure };

export interface ForwarderOptions {
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** Connections per target; default 128. */
  readonly connections?: number;
}

export class Forwarder {
  readonly #clients = new Map<Target, Http1Client>();
  readonly #options: ForwarderOptions;

  constructor(targets: readonly Target[], options: ForwarderOptions) {
    this.#options = options;
    for (const target of targets) {
      this.#clients.set(target, new Http1Client(target.base, { connections: options.connections ?? 128, maxResponseBytes: options.maxResponseBytes }));
    }
  }

  /**
   * Sends the request to its target and reads the whole answer within the deadline.
   * `headers` comes from `requestFields`.
   */
  forward(route: Route, request: Request, headers: string[]): Promise<ForwardResult> {
    const client = this.#clients.get(route.target);
    if (client === undefined) return Promise.resolve({ ok: false, failure: ForwardFailure.Error });
    return exchangeWithin(client, { method: request.method, path: route.path, headers, body: request.content }, this.#options.timeoutMs).then((result) => {
      if (!result.ok) {
        // A malformed answer is a target failure like a broken connection: the same 502.
        return { ok: false, failure: result.failure === ExchangeFailure.Malformed ? ForwardFailure.Error : result.failure };
      }
      const { status, headers: fields, body, trailers } = result.answer;
      return {
        ok: true,
        response: {
          informational: [],
          status,
          headers: endToEnd(fields),
          content: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
          trailers: endToEnd(trailers),
        },
      };
    });
  }

  close(): Promise<void> {
    for (const client of this.#clients.values()) client.close();
    return Promise.resolve();
  }
}
