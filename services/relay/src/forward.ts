/**
 * The relay's only outbound traffic: one exchange with the gateway, over kept-alive connections
 * (service-kit's Http1Client: node:http's client, with its Agent, request and response objects
 * and streams, was most of what the relay spent per request besides its listener).
 *
 * Invariants (RFC 9458, Section 7.2 and docs/design.md, privacy contract):
 * - What is sent is chosen here, never copied from the client: exactly the request line, `host`
 *   (the gateway's), `content-type: message/ohttp-req`, `content-length` and the body bytes.
 *   Nothing else goes out (no `connection`, `via`, `forwarded`, `x-forwarded-for`, no user agent).
 * - No retries, anywhere: an OHTTP request may not be idempotent and a second copy would also be
 *   a replay for the gateway to reject. The client does not retry; a request that fails on a
 *   reused connection fails once.
 * - One deadline covers waiting for a connection, connecting, sending and reading the whole
 *   answer; the answer's body is bounded and read fully before the relay answers, so a client
 *   never gets a truncated 200.
 */
import { ExchangeFailure, Http1Client, type Http1Answer, type Http1Request } from "@oblivious/http1";
import { EXCHANGE_TIMEOUT, exchangeWithin } from "@oblivious/service-kit";
import { CodedError } from "@oblivious/wire";

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
export class GatewayError extends CodedError<GatewayErrorCode> {
  override readonly name = "GatewayError";
  constructor(code: GatewayErrorCode) {
    super(code, code);
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
  /** Closes the kept-alive connections (those in use, once their exchange ends). */
  close(): void;
}

/** Most connections to the gateway at once; further forwards wait for one, within their deadline. */
const MAX_CONNECTIONS = 512;
/** Key fetches are rare and shared by concurrent misses (key-cache.ts). */
const MAX_KEY_CONNECTIONS = 2;

const FAILURE_CODE: Readonly<Record<ExchangeFailure, GatewayErrorCode>> = {
  [ExchangeFailure.Error]: GatewayErrorCode.Unreachable,
  [ExchangeFailure.Malformed]: GatewayErrorCode.Protocol,
  [ExchangeFailure.TooLarge]: GatewayErrorCode.TooLarge,
  // Cannot happen: the path comes from a parsed URL and the fields are constants.
  [ExchangeFailure.Invalid]: GatewayErrorCode.Protocol,
};

const FORWARD_FIELDS = ["content-type", "message/ohttp-req"] as const;
const KEYS_FIELDS = ["accept", "application/ohttp-keys"] as const;

/**
 * What the relay reads of an answer, as node:http would give it: the first `content-type` (a
 * field with one value), every `cache-control` line joined with ", ".
 */
function gatewayAnswer(answer: Http1Answer): GatewayAnswer {
  let contentType: string | undefined;
  let cacheControl: string | undefined;
  for (const [name, value] of answer.headers) {
    const lower = name.toLowerCase();
    if (lower === "content-type") contentType ??= value;
    else if (lower === "cache-control") cacheControl = cacheControl === undefined ? value : `${cacheControl}, ${value}`;
  }
  return { status: answer.status, contentType, cacheControl, body: answer.body };
}

export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const gatewayUrl = new URL(options.gatewayUrl);
  const keysUrl = new URL(options.keysUrl);
  const gatewayPath = gatewayUrl.pathname + gatewayUrl.search;
  const keysPath = keysUrl.pathname + keysUrl.search;
  const gateway = new Http1Client(new URL(gatewayUrl.origin), { connections: MAX_CONNECTIONS, maxResponseBytes: options.maxResponseBytes });
  // The key configuration usually comes from the gateway's own origin, over the same connections.
  const keys =
    keysUrl.origin === gatewayUrl.origin
      ? gateway
      : new Http1Client(new URL(keysUrl.origin), { connections: MAX_KEY_CONNECTIONS, maxResponseBytes: options.maxResponseBytes });

  const exchange = async (client: Http1Client, request: Http1Request): Promise<GatewayAnswer> => {
    const result = await exchangeWithin(client, request, options.timeoutMs);
    if (result.ok) return gatewayAnswer(result.answer);
    throw new GatewayError(result.failure === EXCHANGE_TIMEOUT ? GatewayErrorCode.Timeout : FAILURE_CODE[result.failure]);
  };

  return {
    forward: (body) => exchange(gateway, { method: "POST", path: gatewayPath, headers: FORWARD_FIELDS, body }),
    fetchKeys: () => exchange(keys, { method: "GET", path: keysPath, headers: KEYS_FIELDS, body: new Uint8Array(0) }),
    close: () => {
      gateway.close();
      keys.close();
    },
  };
}
