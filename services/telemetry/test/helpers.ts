/**
 * Test helpers: the issuer directory of a test-kit issuer key served over HTTP, and the telemetry
 * service started on port 0 with its log lines captured.
 */
import { createServer } from "node:http";
import { Redis } from "ioredis";
import { ISSUER_DIRECTORY_PATH, MediaType, TokenType, encodeIssuerDirectory } from "@oblivious/privacypass";
import { LineCapture, SHARED_REDIS_URL, closeServer, listen, makeIssuer, mintToken, tokenChallenge, type MintedToken, type TestIssuer } from "@oblivious/test-kit";
import { loadTelemetryConfig } from "../src/config.js";
import { startTelemetry, type RunningTelemetry } from "../src/server.js";

export const ORIGIN_NAME = "telemetry.internal";
/** The challenge this service sends; tokens for it are the ones it accepts. */
export const CHALLENGE = tokenChallenge({ originInfo: [ORIGIN_NAME] });

/** The issuer's directory (RFC 9578 §4) served over HTTP, as the issuer would. */
export async function serveDirectory(issuer: TestIssuer): Promise<{ url: string; close: () => Promise<void> }> {
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
  return { url: `${base}${ISSUER_DIRECTORY_PATH}`, close: () => closeServer(server) };
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  json(): Record<string, unknown>;
}

export interface TestTelemetry {
  readonly service: RunningTelemetry;
  readonly issuer: TestIssuer;
  readonly out: LineCapture;
  /** Every answer body this service gave, for privacy checks. */
  readonly answers: string[];
  token(): Promise<MintedToken>;
  /** POSTs `body` to /v1/events with a fresh token (or the given Authorization; `null`: none). */
  post(body: string | Uint8Array, options?: { contentType?: string | null; authorization?: string | null }): Promise<Answer>;
  /** POSTs a JSON batch. */
  send(batch: unknown): Promise<Answer>;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

const sharedIssuer = makeIssuer();

export async function startTestTelemetry(env: Readonly<Record<string, string>> = {}, issuer: TestIssuer = sharedIssuer): Promise<TestTelemetry> {
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
    const authorization = options.authorization === undefined ? (await mintToken(issuer, CHALLENGE)).header : options.authorization;
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
    token: () => mintToken(issuer, CHALLENGE),
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

/** Connects to the shared Redis; its absence fails the test. */
export async function sharedRedis(): Promise<Redis> {
  const redis = new Redis(SHARED_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1000, retryStrategy: () => null });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
  } catch {
    redis.disconnect();
    throw new Error("a real Redis on 127.0.0.1:6379 is required");
  }
  return redis;
}
