/** Shared test fixtures: a recording target, key files, a started gateway, an OHTTP client. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeResponse, encodeRequest, type Field, type Request, type Response } from "@oblivious/bhttp";
import { MediaType, decodeKeyConfigs, encapsulateRequest, type KeyConfig } from "@oblivious/ohttp";
import { Registry } from "prom-client";
import { LineCapture } from "@oblivious/test-kit";
import { loadGatewayConfig } from "../src/config.js";
import { createKeyEntry, writeKeyFile } from "../src/key-file.js";
import { type KeyEntry } from "../src/keys.js";
import { startGateway, type RunningGateway } from "../src/server.js";
import { formatHttpDate } from "@oblivious/http1";

export const T0 = Date.parse("2026-03-01T12:00:00Z");
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface Received {
  readonly method: string;
  readonly url: string;
  /** Raw header lines, in order, names as sent. */
  readonly rawHeaders: readonly string[];
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
}

export type TargetHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export interface TargetStub {
  readonly url: string;
  readonly port: number;
  readonly received: Received[];
  handler: TargetHandler;
  close(): Promise<void>;
}

const echo: TargetHandler = (_req, res) => {
  res.writeHead(200, { "content-type": "text/plain", "x-target": "stub" });
  res.end("hello from the target");
};

/** A real node:http target that records everything it receives. */
export async function startTarget(handler: TargetHandler = echo): Promise<TargetStub> {
  const received: Received[] = [];
  const stub: TargetStub = {
    url: "",
    port: 0,
    received,
    handler,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      received.push({ method: req.method ?? "", url: req.url ?? "", rawHeaders: req.rawHeaders, headers: req.headers, body });
      stub.handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  const closeAll = stub.close;
  return Object.assign(stub, {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      server.closeAllConnections();
      await closeAll();
    },
  });
}

const tempDirs: string[] = [];
process.once("exit", () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory, removed when the test process exits. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "gateway-test-"));
  tempDirs.push(dir);
  return dir;
}

/** A key file with one key, current since a day before T0. */
export function oneKeyFile(dir: string, keyId = 1): { path: string; entries: KeyEntry[] } {
  const entries = [createKeyEntry(keyId, { publishFrom: T0 - 2 * DAY, activeFrom: T0 - DAY })];
  const path = join(dir, "keys.json");
  writeKeyFile(path, entries);
  return { path, entries };
}

export interface TestGateway {
  readonly gw: RunningGateway;
  readonly logs: LineCapture;
  readonly registry: Registry;
  readonly clock: { now: number };
  stop(): Promise<void>;
}

export async function startTestGateway(env: Record<string, string>, clock = { now: T0 }): Promise<TestGateway> {
  const config = loadGatewayConfig({ GATEWAY_PORT: "0", GATEWAY_ADMIN_PORT: "0", GATEWAY_DRAIN_TIMEOUT: "1s", ...env });
  const logs = new LineCapture();
  const registry = new Registry();
  const gw = await startGateway(config, { logDestination: logs, registry, now: () => clock.now });
  return { gw, logs, registry, clock, stop: () => gw.stop() };
}

export async function fetchKeyConfigs(gwUrl: string, path = "/ohttp-keys"): Promise<KeyConfig[]> {
  const res = await fetch(`${gwUrl}${path}`);
  if (res.status !== 200) throw new Error(`key configs: ${res.status}`);
  return decodeKeyConfigs(new Uint8Array(await res.arrayBuffer()));
}

/** An inner request to the sticker-search origin, dated by `now`. */
export function innerRequest(now: number, overrides: Partial<Request> = {}): Request {
  return {
    method: "GET",
    scheme: "https",
    authority: "sticker-search.internal",
    path: "/v1/search?q=cat",
    headers: [["date", formatHttpDate(now)]],
    content: new Uint8Array(0),
    trailers: [],
    ...overrides,
  };
}

export interface Exchange {
  readonly status: number;
  readonly contentType: string | null;
  /** The outer body when it is not an encapsulated response. */
  readonly outerBody: Buffer;
  /** The decapsulated Binary HTTP bytes (padding included). */
  readonly plain?: Uint8Array;
  readonly inner?: Response;
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

/** One plain HTTP request to the gateway, answer read whole. */
export async function send(url: string, init: RequestInit = {}): Promise<RawAnswer> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** Encapsulates `bhttp` for `config`, sends it, and decapsulates the answer. */
export async function exchangeBytes(gwUrl: string, config: KeyConfig, bhttp: Uint8Array, path = "/gateway"): Promise<Exchange & { readonly encapsulated: Uint8Array }> {
  const { encapsulatedRequest, context } = encapsulateRequest(config, bhttp);
  const res = await fetch(`${gwUrl}${path}`, { method: "POST", headers: { "content-type": MediaType.OhttpRequest }, body: encapsulatedRequest });
  const outerBody = Buffer.from(await res.arrayBuffer());
  const contentType = res.headers.get("content-type");
  if (res.status !== 200 || contentType !== MediaType.OhttpResponse) {
    return { status: res.status, contentType, outerBody, encapsulated: encapsulatedRequest };
  }
  const plain = context.decapsulateResponse(outerBody);
  return { status: res.status, contentType, outerBody, plain, inner: decodeResponse(plain), encapsulated: encapsulatedRequest };
}

export function exchange(gwUrl: string, config: KeyConfig, request: Request, path = "/gateway"): ReturnType<typeof exchangeBytes> {
  return exchangeBytes(gwUrl, config, encodeRequest(request), path);
}

export function header(fields: readonly Field[], name: string): string | undefined {
  return fields.find(([n]) => n.toLowerCase() === name)?.[1];
}

export function problemOf(response: Response | undefined): Record<string, unknown> {
  if (response === undefined) throw new Error("no inner response");
  return JSON.parse(Buffer.from(response.content).toString("utf8")) as Record<string, unknown>;
}

/**
 * A known-length Binary HTTP request built byte by byte (RFC 9292 §3.1), for control data that
 * the library's encoder rightly refuses to produce (userinfo, absolute-form paths).
 */
export function rawRequest(method: string, scheme: string, authority: string, path: string, headers: readonly Field[] = []): Uint8Array {
  const out: number[] = [0];
  const varint = (n: number): void => {
    if (n < 64) out.push(n);
    else out.push(0x40 | (n >> 8), n & 0xff);
  };
  const str = (s: string): void => {
    const b = Buffer.from(s, "latin1");
    varint(b.length);
    out.push(...b);
  };
  for (const part of [method, scheme, authority, path]) str(part);
  const fieldBytes: number[] = [];
  for (const [n, v] of headers) {
    for (const s of [n, v]) {
      const b = Buffer.from(s, "latin1");
      if (b.length < 64) fieldBytes.push(b.length);
      else fieldBytes.push(0x40 | (b.length >> 8), b.length & 0xff);
      fieldBytes.push(...b);
    }
  }
  varint(fieldBytes.length);
  out.push(...fieldBytes);
  out.push(0, 0); // empty content, empty trailers
  return Uint8Array.from(out);
}

export async function metricsText(gw: RunningGateway): Promise<string> {
  return (await fetch(`${gw.adminUrl}/metrics`)).text();
}
