/**
 * Test helpers: a real RSA-2048 issuer key and genuine tokens made in-process (blinded by
 * libs/privacypass's client, signed by the native blind signer), an issuer directory served over
 * HTTP, and the telemetry service started on port 0 with its log lines captured.
 */
import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { spawn, type ChildProcess } from "node:child_process";
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import {
  ISSUER_DIRECTORY_PATH,
  MediaType,
  NativeBlindSigner,
  TokenType,
  beginTokenRequest,
  encodeIssuerDirectory,
  encodeToken,
  encodeTokenChallenge,
  encodeTokenKey,
  formatAuthorization,
} from "@oblivious/privacypass";
import { loadTelemetryConfig, startTelemetry, type RunningTelemetry } from "../src/index.js";

export const ISSUER_NAME = "issuer.internal";
export const ORIGIN_NAME = "telemetry.internal";
export const SHARED_REDIS = "redis://127.0.0.1:6379";

/** A log destination that keeps every line. */
export class LineCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    for (const line of chunk.toString().split("\n")) if (line !== "") this.lines.push(line);
    done();
  }
  get text(): string {
    return this.lines.join("\n");
  }
  events(name: string): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r["event"] === name);
  }
}

export interface Issuer {
  readonly spki: Uint8Array;
  readonly signer: NativeBlindSigner;
}

/** A fresh RSA-2048 issuer key (RFC 9578 §6). */
export function makeIssuer(): Issuer {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 0x10001 });
  return { spki: encodeTokenKey(publicKey), signer: new NativeBlindSigner(privateKey) };
}

export interface Minted {
  readonly bytes: Uint8Array;
  /** The `Authorization` header value. */
  readonly header: string;
}

/** A genuine token for `originInfo` (this service's origin by default). */
export async function mintToken(issuer: Issuer, originInfo: readonly string[] = [ORIGIN_NAME]): Promise<Minted> {
  const challenge = encodeTokenChallenge({ tokenType: TokenType.BlindRsa2048, issuerName: ISSUER_NAME, redemptionContext: new Uint8Array(0), originInfo });
  const { request, finalize } = await beginTokenRequest({ challenge, tokenKey: issuer.spki });
  const token = await finalize({ blindSig: issuer.signer.sign(request.blindedMsg) });
  const bytes = encodeToken(token);
  return { bytes, header: formatAuthorization(bytes) };
}

function listen(server: Server, port = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${bound}`);
    });
  });
}

/** The issuer's directory (RFC 9578 §4) served over HTTP, as the issuer would. */
export async function serveDirectory(issuer: Issuer): Promise<{ url: string; close: () => Promise<void> }> {
  const body = encodeIssuerDirectory({ issuerRequestUri: "https://issuer.internal/token-request", tokenKeys: [{ tokenType: TokenType.BlindRsa2048, tokenKey: issuer.spki }] });
  const server = createServer((req, res) => {
    if (req.url !== ISSUER_DIRECTORY_PATH) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": MediaType.IssuerDirectory, "cache-control": "max-age=300" });
    res.end(body);
  });
  const base = await listen(server);
  return {
    url: `${base}${ISSUER_DIRECTORY_PATH}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  json(): Record<string, unknown>;
}

export interface TestTelemetry {
  readonly service: RunningTelemetry;
  readonly issuer: Issuer;
  readonly out: LineCapture;
  /** Every answer body this service gave, for privacy checks. */
  readonly answers: string[];
  token(): Promise<Minted>;
  /** POSTs `body` to /v1/events with a fresh token (or the given Authorization; `null`: none). */
  post(body: string | Uint8Array, options?: { contentType?: string | null; authorization?: string | null }): Promise<Answer>;
  /** POSTs a JSON batch. */
  send(batch: unknown): Promise<Answer>;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

const sharedIssuer = makeIssuer();

export async function startTestTelemetry(env: Readonly<Record<string, string>> = {}, issuer: Issuer = sharedIssuer): Promise<TestTelemetry> {
  const directory = await serveDirectory(issuer);
  const out = new LineCapture();
  const config = loadTelemetryConfig({
    TELEMETRY_PORT: "0",
    TELEMETRY_ADMIN_PORT: "0",
    TELEMETRY_DRAIN_TIMEOUT: "1s",
    ISSUER_DIRECTORY_URL: directory.url,
    ...env,
  });
  let service: RunningTelemetry;
  try {
    service = await startTelemetry(config, { logDestination: out, logLevel: "debug" });
  } catch (e) {
    await directory.close();
    throw e;
  }
  const answers: string[] = [];
  const post: TestTelemetry["post"] = async (body, options = {}) => {
    const headers: Record<string, string> = {};
    const contentType = options.contentType === undefined ? "application/json" : options.contentType;
    if (contentType !== null) headers["content-type"] = contentType;
    const authorization = options.authorization === undefined ? (await mintToken(issuer)).header : options.authorization;
    if (authorization !== null) headers["authorization"] = authorization;
    const res = await fetch(`${service.url}/v1/events`, { method: "POST", headers, body });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };
  return {
    service,
    issuer,
    out,
    answers,
    token: () => mintToken(issuer),
    post,
    send: (batch) => post(JSON.stringify(batch)),
    metrics: async () => (await fetch(`${service.adminUrl}/metrics`)).text(),
    stop: async () => {
      await service.stop();
      await directory.close();
    },
  };
}

/** The value of one series in Prometheus text output, or undefined. */
export function metricValue(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

export async function status(url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A throwaway redis-server on `port`, no persistence; resolves once it answers PING. */
export async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", () => undefined);
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return child;
    } catch {
      probe.disconnect();
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error("redis-server did not start");
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export function stopRedisServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** Connects to the shared Redis; its absence fails the test. */
export async function sharedRedis(): Promise<Redis> {
  const redis = new Redis(SHARED_REDIS, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1000, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
  } catch {
    redis.disconnect();
    throw new Error("a real Redis on 127.0.0.1:6379 is required");
  }
  return redis;
}

/** All forms in which secret bytes could leak into text. */
export function textForms(bytes: Uint8Array): string[] {
  const b = Buffer.from(bytes);
  return [b.toString("hex"), b.toString("hex").toUpperCase(), b.toString("base64url"), b.toString("base64").replace(/=+$/, "")];
}
