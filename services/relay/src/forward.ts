/**
 * The relay's only outbound traffic: one exchange with the gateway, over kept-alive connections.
 *
 * Invariants (RFC 9458, Section 7.2 and DESIGN.md, privacy contract):
 * - What is sent is chosen here, never copied from the client: the body bytes, `content-type`
 *   and `content-length`. node:http adds `host` and `connection`; nothing else goes out (no
 *   `via`, `forwarded`, `x-forwarded-for`, no user agent).
 * - No retries, anywhere: an OHTTP request may not be idempotent and a second copy would also be
 *   a replay for the gateway to reject. node:http does not retry; a request that fails on a
 *   reused connection fails once.
 * - One deadline covers connecting, sending and reading the whole answer; the answer's body is
 *   bounded and read fully before the relay answers, so a client never gets a truncated 200.
 */
import http from "node:http";
import https from "node:https";

export const GatewayErrorCode = {
  /** The deadline passed. */
  Timeout: "timeout",
  /** Connection refused, reset or closed early; DNS or TLS failure. */
  Unreachable: "unreachable",
  /** The answer was larger than allowed. */
  TooLarge: "too-large",
  /** The answer was not parseable HTTP. */
  Protocol: "protocol",
} as const;
export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

/** Vague on purpose: it carries a code from a closed set, never the underlying message. */
export class GatewayError extends Error {
  override readonly name = "GatewayError";
  readonly code: GatewayErrorCode;
  constructor(code: GatewayErrorCode) {
    super(code);
    this.code = code;
  }
}

/** The parts of a gateway answer the relay looks at; every other header is dropped here. */
export interface GatewayAnswer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly cacheControl: string | undefined;
  readonly body: Buffer;
}

export interface GatewayClientOptions {
  readonly gatewayUrl: string;
  readonly keysUrl: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

export interface GatewayClient {
  /** POSTs `body` as `message/ohttp-req` to the gateway resource. Rejects with GatewayError. */
  forward(body: Buffer): Promise<GatewayAnswer>;
  /** GETs the key configuration. Rejects with GatewayError. */
  fetchKeys(): Promise<GatewayAnswer>;
  /** Closes the kept-alive connections. */
  close(): void;
}

const AGENT_OPTIONS = {
  keepAlive: true,
  // The most recently used connection is the least likely to have been closed by the gateway.
  scheduling: "lifo",
  maxSockets: 512,
  maxFreeSockets: 64,
  // Idle connections are closed after this, or 1 s before the gateway's `Keep-Alive: timeout`
  // hint if that is sooner (node:http honours the hint), so the relay rarely writes a request
  // on a connection the gateway is closing: such a request fails once and is not re-sent.
  timeout: 4000,
} as const;

function classify(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return new GatewayError(typeof code === "string" && code.startsWith("HPE_") ? GatewayErrorCode.Protocol : GatewayErrorCode.Unreachable);
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const agents = { "http:": new http.Agent(AGENT_OPTIONS), "https:": new https.Agent(AGENT_OPTIONS) };
  const gatewayUrl = new URL(options.gatewayUrl);
  const keysUrl = new URL(options.keysUrl);

  const exchange = (url: URL, method: "GET" | "POST", headers: Readonly<Record<string, string>>, body?: Buffer): Promise<GatewayAnswer> =>
    new Promise((resolve, reject) => {
      const secure = url.protocol === "https:";
      const req = (secure ? https : http).request(url, { method, headers, agent: secure ? agents["https:"] : agents["http:"] });
      let settled = false;
      const fail = (error: GatewayError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        // Discards the connection: it may still carry part of an answer.
        req.destroy();
        reject(error);
      };
      const deadline = setTimeout(() => fail(new GatewayError(GatewayErrorCode.Timeout)), options.timeoutMs);
      req.on("error", (error) => fail(classify(error)));
      req.on("response", (res) => {
        const declared = Number(res.headers["content-length"]);
        if (declared > options.maxResponseBytes) {
          fail(new GatewayError(GatewayErrorCode.TooLarge));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxResponseBytes) fail(new GatewayError(GatewayErrorCode.TooLarge));
          else chunks.push(chunk);
        });
        res.on("error", (error) => fail(classify(error)));
        res.on("close", () => {
          if (!res.complete) fail(new GatewayError(GatewayErrorCode.Unreachable));
        });
        res.on("end", () => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          resolve({
            status: res.statusCode ?? 0,
            contentType: header(res.headers["content-type"]),
            cacheControl: header(res.headers["cache-control"]),
            body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size),
          });
        });
      });
      req.end(body);
    });

  return {
    forward: (body) =>
      exchange(gatewayUrl, "POST", { "content-type": "message/ohttp-req", "content-length": String(body.length) }, body),
    fetchKeys: () => exchange(keysUrl, "GET", { accept: "application/ohttp-keys" }),
    close: () => {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  };
}
