/**
 * One worker's connections to the relay: an undici Pool, bounded timeouts, and the relay's answer
 * turned into the inner response or the name of what went wrong.
 */
import { Pool } from "undici";
import type { KeyConfig } from "@oblivious/ohttp";
import { OHTTP_REQUEST, openAnswer, relayEndpoints, seal, type Exchange, type Sealed } from "./oblivious.js";

export interface Transport {
  /** Posts sealed bytes to the relay; resolves with the opened answer (never rejects). */
  send(sealed: Sealed): Promise<Exchange>;
  /** Seals and sends in one step, for calls made before the clock starts. */
  call(config: KeyConfig, inner: Uint8Array): Promise<Exchange>;
  close(): Promise<void>;
}

export function createTransport(relayUrl: string, connections: number, timeoutMs: number): Transport {
  const { origin, relayPath } = relayEndpoints(relayUrl);
  const pool = new Pool(origin, { connections, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 30_000 });
  const send = async (sealed: Sealed): Promise<Exchange> => {
    try {
      const res = await pool.request({ method: "POST", path: relayPath, headers: { "content-type": OHTTP_REQUEST }, body: sealed.bytes });
      const body = new Uint8Array(await res.body.arrayBuffer());
      const type = res.headers["content-type"];
      return openAnswer(sealed.context, res.statusCode, Array.isArray(type) ? type.join(", ") : type, body);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      return { ok: false, outcome: code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" ? "timeout" : "transport" };
    }
  };
  return {
    send,
    call: (config, inner) => send(seal(config, inner)),
    close: () => pool.close(),
  };
}
