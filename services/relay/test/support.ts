/** Test helpers: a real stub gateway, a raw client, and the relay on port 0 with its log lines captured. */
import assert from "node:assert/strict";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { Registry } from "prom-client";
import { LineCapture, closeServer, listen } from "@oblivious/test-kit";
import { loadRelayConfig, type RelayConfig } from "../src/config.js";
import { startRelay, type RunningRelay } from "../src/server.js";

export interface Received {
  readonly method: string;
  readonly url: string;
  /** Header names (lower-cased) and values, in the order received, duplicates kept. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  readonly remoteAddress: string;
}

export type StubHandler = (received: Received, res: ServerResponse, req: IncomingMessage) => void;

export interface StubGateway {
  readonly origin: string;
  readonly received: Received[];
  /** Distinct connections the stub accepted. */
  connections: number;
  handler: StubHandler;
  close(): Promise<void>;
}

/** The default gateway answer: 200 message/ohttp-res with the body reversed, and noisy headers. */
export const echoReversed: StubHandler = (received, res) => {
  const body = Buffer.from(received.body).reverse();
  res.writeHead(200, {
    "content-type": "message/ohttp-res",
    "content-length": body.length,
    "set-cookie": "gw-session=canary-gateway-cookie",
    server: "canary-gateway-server",
    "x-gateway-internal": "canary-gateway-internal",
    "cache-control": "max-age=3600",
  });
  res.end(body);
};

/** A node:http gateway stand-in on loopback: on `port` (a restart on the same address), or any free port. */
export async function startStubGateway(handler: StubHandler = echoReversed, port = 0): Promise<StubGateway> {
  const stub: StubGateway = {
    origin: "",
    received: [],
    connections: 0,
    handler,
    close: () => Promise.resolve(),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: [string, string][] = [];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.push([String(req.rawHeaders[i]).toLowerCase(), String(req.rawHeaders[i + 1])]);
      const received = { method: req.method ?? "", url: req.url ?? "", headers, body: Buffer.concat(chunks), remoteAddress: req.socket.remoteAddress ?? "" };
      stub.received.push(received);
      stub.handler(received, res, req);
    });
  });
  server.on("connection", () => {
    stub.connections += 1;
  });
  return Object.assign(stub, { origin: await listen(server, port), close: () => closeServer(server) });
}

export interface ClientAnswer {
  readonly status: number;
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
  readonly text: string;
}

export interface ClientRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string | number>>;
  readonly body?: Uint8Array | string;
  /** Source address of the client's socket (any 127.x.y.z works on loopback). */
  readonly localAddress?: string;
}

/** One request on a fresh connection, raw: no header added but what node:http itself adds. */
export function send(url: string, init: ClientRequest = {}): Promise<ClientAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: init.method ?? "GET",
        headers: { ...init.headers },
        agent: false,
        ...(init.localAddress === undefined ? {} : { localAddress: init.localAddress }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString("utf8") });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

/** An OHTTP-shaped POST to the relay. */
export function post(relayUrl: string, body: Uint8Array, init: Omit<ClientRequest, "body" | "method"> = {}): Promise<ClientAnswer> {
  return send(`${relayUrl}/relay`, {
    ...init,
    method: "POST",
    body,
    headers: { "content-type": "message/ohttp-req", ...init.headers },
  });
}

export function relayConfig(env: Readonly<Record<string, string>> = {}): RelayConfig {
  return loadRelayConfig({ RELAY_PORT: "0", RELAY_ADMIN_PORT: "0", ...env });
}

export interface RelayUnderTest {
  readonly relay: RunningRelay;
  readonly logs: LineCapture;
  readonly registry: Registry;
  metrics(): Promise<string>;
}

export async function startTestRelay(env: Readonly<Record<string, string>>): Promise<RelayUnderTest> {
  const logs = new LineCapture();
  const registry = new Registry();
  const relay = await startRelay(relayConfig(env), { logDestination: logs, registry });
  return {
    relay,
    logs,
    registry,
    metrics: async () => (await send(`${relay.adminUrl}/metrics`)).text,
  };
}

export function problemOf(answer: ClientAnswer): { type: string; title: string; status: number } {
  return JSON.parse(answer.text) as { type: string; title: string; status: number };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** No canary in what the gateway received, in any log line or in /metrics (the relay's privacy contract). */
export function assertNoCanary(secrets: readonly string[], seen: { readonly gateway: string; readonly logs: string; readonly metrics: string }): void {
  for (const secret of secrets) {
    assert.ok(!seen.gateway.includes(secret), `gateway saw ${secret}`);
    assert.ok(!seen.logs.includes(secret), `a log line contains ${secret}`);
    assert.ok(!seen.metrics.includes(secret), `/metrics contains ${secret}`);
  }
}
