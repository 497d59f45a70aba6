/**
 * The whole path in one process over real sockets: a target stub, the gateway and the relay, each
 * on a loopback port of its own, each with its own captured log lines and metrics registry.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { LineCapture } from "@oblivious/test-kit";
import { encodeRequest, decodeResponse, type Request as BhttpRequest, type Response as BhttpResponse } from "@oblivious/bhttp";
import { decodeKeyConfigs, encapsulateRequest, type KemId } from "@oblivious/ohttp";
import { generateKeyFile, loadGatewayConfig, startGateway } from "@oblivious/gateway";
import { loadRelayConfig, startRelay } from "@oblivious/relay";

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly remoteAddress: string;
  readonly body: Buffer;
}

export interface Target {
  readonly url: string;
  readonly received: Received[];
  readonly close: () => Promise<void>;
}

/** A target that records everything it receives and echoes a JSON summary back. */
export async function startTarget(): Promise<Target> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r: Received = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        remoteAddress: req.socket.remoteAddress ?? "",
        body: Buffer.concat(chunks),
      };
      received.push(r);
      const body = JSON.stringify({ method: r.method, url: r.url, length: r.body.length });
      res.writeHead(200, { "content-type": "application/json", "x-target": "stub" }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(() => r())) };
}

export interface Path {
  readonly relayUrl: string;
  readonly gatewayUrl: string;
  readonly relayAdminUrl: string;
  readonly gatewayAdminUrl: string;
  readonly target: Target;
  readonly logs: { readonly relay: LineCapture; readonly gateway: LineCapture };
  readonly registries: { readonly relay: Registry; readonly gateway: Registry };
  readonly stop: () => Promise<void>;
}

export const TARGET_ORIGIN = "https://echo.internal";

/** `kems`: the gateway's keys, one current key of each (X25519 alone unless told). */
export async function startPath(options: { gatewayEnv?: Record<string, string>; relayEnv?: Record<string, string>; kems?: readonly KemId[] } = {}): Promise<Path> {
  const target = await startTarget();
  const dir = mkdtempSync(join(tmpdir(), "e2e-path-"));
  const keysFile = join(dir, "keys.json");
  generateKeyFile(keysFile, new Date(Date.now() - 60_000), options.kems);
  const logs = { relay: new LineCapture(), gateway: new LineCapture() };
  const registries = { relay: new Registry(), gateway: new Registry() };
  const gateway = await startGateway(
    loadGatewayConfig({
      GATEWAY_PORT: "0",
      GATEWAY_ADMIN_PORT: "0",
      GATEWAY_KEYS_FILE: keysFile,
      GATEWAY_TARGETS: `${TARGET_ORIGIN}=${target.url}`,
      ...options.gatewayEnv,
    }),
    { logDestination: logs.gateway, registry: registries.gateway },
  );
  const relay = await startRelay(
    loadRelayConfig({
      RELAY_PORT: "0",
      RELAY_ADMIN_PORT: "0",
      RELAY_GATEWAY_URL: `${gateway.url}/gateway`,
      ...options.relayEnv,
    }),
    { logDestination: logs.relay, registry: registries.relay },
  );
  return {
    relayUrl: relay.url,
    gatewayUrl: gateway.url,
    relayAdminUrl: relay.adminUrl,
    gatewayAdminUrl: gateway.adminUrl,
    target,
    logs,
    registries,
    stop: async () => {
      await relay.stop();
      await gateway.stop();
      await target.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * POSTs with node:http so the test controls every header and the client's own address (bound to
 * `localAddress`, any address of 127.0.0.0/8 works on Linux): the canaries need both.
 */
export function post(url: string, body: Uint8Array, headers: Record<string, string>, localAddress?: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "POST", headers: { ...headers, "content-length": String(body.length) }, ...(localAddress ? { localAddress } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

export interface Exchange {
  readonly encapsulatedRequest: Uint8Array;
  readonly open: (answer: Uint8Array) => BhttpResponse;
}

/** Our own client: Binary HTTP, then OHTTP to the first published key. */
export function seal(keys: Uint8Array, request: BhttpRequest, ephemeralPrivateKey?: Uint8Array): Exchange {
  const config = decodeKeyConfigs(keys)[0];
  if (config === undefined) throw new Error("no key configuration");
  const options = ephemeralPrivateKey === undefined ? {} : { ephemeralPrivateKey };
  const { encapsulatedRequest, context } = encapsulateRequest(config, encodeRequest(request), options);
  return { encapsulatedRequest, open: (answer) => decodeResponse(context.decapsulateResponse(answer)) };
}

export function innerRequest(path: string, headers: [string, string][] = [], method = "GET", content = new Uint8Array(0)): BhttpRequest {
  return {
    method,
    scheme: "https",
    authority: new URL(TARGET_ORIGIN).host,
    path,
    headers: [["date", new Date().toUTCString()], ...headers],
    content,
    trailers: [],
  };
}

export async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}
