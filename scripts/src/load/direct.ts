/**
 * The direct mode's transport: the same feature call sent as plain HTTP straight to the origin's
 * public URL, with no relay, no gateway and no HPKE, as the baseline the oblivious path is
 * compared with. The token still travels in `Authorization`, so the origin's token check (and
 * its single spend of each nonce) stays in the measured call.
 *
 * The answer comes back in the shape of a Binary HTTP response, so the scenarios verify it
 * exactly as they verify an opened oblivious answer.
 */
import { Pool } from "undici";
import type { Field } from "@oblivious/bhttp";
import type { Exchange } from "./oblivious.js";
import type { InnerRequest } from "./scenarios.js";

/** A call ready to send: the origin's base URL (with any path prefix) and the request. */
export interface DirectCall {
  readonly origin: string;
  readonly request: InnerRequest;
}

export interface DirectTransport {
  send(call: DirectCall): Promise<Exchange>;
  close(): Promise<void>;
}

function fieldsOf(headers: Readonly<Record<string, string | string[] | undefined>>): Field[] {
  const out: Field[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push([name, v]);
  }
  return out;
}

/** One pool per origin, created on first use, each with `connections` connections. */
export function createDirectTransport(connections: number, timeoutMs: number): DirectTransport {
  const pools = new Map<string, { readonly pool: Pool; readonly prefix: string }>();
  const poolFor = (base: string): { readonly pool: Pool; readonly prefix: string } => {
    let entry = pools.get(base);
    if (entry === undefined) {
      const url = new URL(base);
      entry = {
        pool: new Pool(url.origin, { connections, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 30_000 }),
        prefix: url.pathname.replace(/\/+$/, ""),
      };
      pools.set(base, entry);
    }
    return entry;
  };
  return {
    async send({ origin, request }): Promise<Exchange> {
      const { pool, prefix } = poolFor(origin);
      try {
        const res = await pool.request({
          method: request.method,
          path: `${prefix}${request.path}`,
          headers: request.headers.flat(),
          body: request.content.length === 0 ? null : request.content,
        });
        const content = new Uint8Array(await res.body.arrayBuffer());
        return { ok: true, response: { informational: [], status: res.statusCode, headers: fieldsOf(res.headers), content, trailers: [] } };
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        return { ok: false, outcome: code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" ? "timeout" : "transport" };
      }
    },
    async close(): Promise<void> {
      await Promise.all([...pools.values()].map((p) => p.pool.close()));
    },
  };
}
