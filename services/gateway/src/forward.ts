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
 * One keep-alive undici Pool per target, created at start-up; a total deadline per exchange; a
 * cap on the response content.
 */
import { Pool, type Dispatcher } from "undici";
import type { Field, Request, Response } from "@oblivious/bhttp";
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

/** What HTTP/1.1 can carry in a field value: no control byte but HTAB (RFC 9110 §5.5). */
const SENDABLE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

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
 * The inner request's fields as undici's flat `[name, value, ...]` list (order and duplicates
 * kept), or `undefined` when a value cannot be sent on an HTTP/1.1 connection.
 */
export function requestFields(headers: readonly Field[]): string[] | undefined {
  const nominated = connectionTokens(headers);
  const out: string[] = [];
  for (const [name, value] of headers) {
    if (dropped(name.toLowerCase(), nominated)) continue;
    if (!SENDABLE_VALUE.test(value)) return undefined;
    out.push(name, value);
  }
  return out;
}

type HeaderObject = Readonly<Record<string, string | string[] | undefined>>;

/** Response field lines, less the connection-specific ones. */
function endToEnd(all: Field[]): Field[] {
  const nominated = connectionTokens(all);
  return all.filter(([name]) => {
    const n = name.toLowerCase();
    return !(HOP_BY_HOP.has(n) || n.startsWith("proxy-") || nominated.has(n));
  });
}

/** A target's response fields as field lines: from the raw list (order, case and duplicates kept) when there is one. */
export function responseFields(headers: HeaderObject | readonly (Buffer | string)[] | null | undefined): Field[] {
  const all: Field[] = [];
  if (Array.isArray(headers)) {
    const raw = headers as readonly (Buffer | string)[];
    for (let i = 0; i + 1 < raw.length; i += 2) all.push([latin1(raw[i]), latin1(raw[i + 1])]);
  } else if (headers) {
    for (const [name, value] of Object.entries(headers as HeaderObject)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) all.push([name, v]);
    }
  }
  return endToEnd(all);
}

function latin1(v: Buffer | string | undefined): string {
  return v === undefined ? "" : typeof v === "string" ? v : v.toString("latin1");
}

export const ForwardFailure = {
  /** Connection refused or reset, a malformed answer: 502. */
  Error: "error",
  /** No complete answer within the deadline: 504. */
  Timeout: "timeout",
  /** Content over GATEWAY_MAX_RESPONSE: 502. */
  TooLarge: "too_large",
  /** undici refused to send the request as given: a client error, 400. */
  Invalid: "invalid",
} as const;
export type ForwardFailure = (typeof ForwardFailure)[keyof typeof ForwardFailure];

export type ForwardResult = { readonly ok: true; readonly response: Response } | { readonly ok: false; readonly failure: ForwardFailure };

export interface ForwarderOptions {
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** Connections per target; default 128. */
  readonly connections?: number;
}

class Stop extends Error {
  override readonly name = "Stop";
}

function isInvalidArgument(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "UND_ERR_INVALID_ARG";
}

export class Forwarder {
  readonly #pools = new Map<Target, Pool>();
  readonly #options: ForwarderOptions;

  constructor(targets: readonly Target[], options: ForwarderOptions) {
    this.#options = options;
    for (const target of targets) {
      this.#pools.set(
        target,
        new Pool(target.base.origin, {
          connections: options.connections ?? 128,
          pipelining: 1,
          // Defence in depth: the deadline below is the real limit.
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        }),
      );
    }
  }

  /**
   * Sends the request to its target and reads the whole answer within the deadline.
   * `headers` comes from `requestFields`. Uses undici's dispatch handler API rather than
   * `request()`: no stream per answer, and the raw response field lines, in order.
   */
  forward(route: Route, request: Request, headers: string[]): Promise<ForwardResult> {
    const pool = this.#pools.get(route.target);
    if (pool === undefined) return Promise.resolve({ ok: false, failure: ForwardFailure.Error });
    const { timeoutMs, maxResponseBytes } = this.#options;
    const content = request.content;
    return new Promise<ForwardResult>((resolve) => {
      let controller: Dispatcher.DispatchController | undefined;
      let settled = false;
      let status = 0;
      let fields: Field[] = [];
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = (result: ForwardResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const fail = (failure: ForwardFailure): void => {
        finish({ ok: false, failure });
        // Drops the connection: an answer cut short cannot leave it reusable.
        if (controller !== undefined && !controller.aborted) controller.abort(new Stop(failure));
      };
      const timer = setTimeout(() => fail(ForwardFailure.Timeout), timeoutMs);
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(c) {
          controller = c;
          if (settled) c.abort(new Stop("settled"));
        },
        onResponseStart(c, statusCode, parsed) {
          if (statusCode < 200) return; // informational: HTTP/1.1 only, not forwarded
          status = statusCode;
          fields = responseFields(c.rawHeaders ?? parsed);
          if (Number(parsed["content-length"]) > maxResponseBytes) fail(ForwardFailure.TooLarge);
        },
        onResponseData(_c, chunk) {
          if (settled) return;
          size += chunk.length;
          if (size > maxResponseBytes) fail(ForwardFailure.TooLarge);
          else chunks.push(chunk);
        },
        onResponseEnd(c, trailers) {
          const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
          finish({
            ok: true,
            response: {
              informational: [],
              status,
              headers: fields,
              content: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
              trailers: responseFields(c.rawTrailers ?? trailers),
            },
          });
        },
        onResponseError(_c, error) {
          finish({ ok: false, failure: isInvalidArgument(error) ? ForwardFailure.Invalid : ForwardFailure.Error });
        },
      };
      try {
        pool.dispatch(
          {
            path: route.path,
            method: request.method,
            headers,
            body: content.length === 0 ? null : Buffer.from(content.buffer, content.byteOffset, content.byteLength),
          },
          handler,
        );
      } catch (e) {
        finish({ ok: false, failure: isInvalidArgument(e) ? ForwardFailure.Invalid : ForwardFailure.Error });
      }
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((p) => p.close().catch(() => p.destroy())));
  }
}
