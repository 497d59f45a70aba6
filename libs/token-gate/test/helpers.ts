/** Test helpers: a real RSA-2048 issuer key, genuine tokens made in-process, a gate on express. */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer as createNetServer } from "node:net";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { spawn, type ChildProcess } from "node:child_process";
import { Writable } from "node:stream";
import express from "express";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import {
  NativeBlindSigner,
  TokenType,
  beginTokenRequest,
  encodeToken,
  encodeTokenChallenge,
  encodeTokenKey,
  formatAuthorization,
  type Token,
} from "@oblivious/privacypass";
import { createLogger, defineEvents, finalErrorHandler, lifecycleEvents, type Logger } from "@oblivious/service-kit";
import { createTokenGate, tokenGateEvents, type SpentTokenStore, type TokenGate, type TokenGateOptions, type TokenKeySource } from "../src/index.js";

export const ISSUER_NAME = "issuer.internal";
export const ORIGIN = "sticker-search.internal";

/** A log destination that keeps every line. */
export class LineCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    for (const line of chunk.toString().split("\n")) if (line !== "") this.lines.push(line);
    done();
  }
  get records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  get text(): string {
    return this.lines.join("\n");
  }
  events(name: string): Record<string, unknown>[] {
    return this.records.filter((r) => r["event"] === name);
  }
}

/** The catalogue a service would build: its own events plus the gate's. */
export const serviceEvents = defineEvents({ ...lifecycleEvents, ...tokenGateEvents });
export type ServiceLogger = Logger<typeof serviceEvents>;

export function captureLogger(): { log: ServiceLogger; out: LineCapture } {
  const out = new LineCapture();
  return { out, log: createLogger({ service: "token-gate-test", events: serviceEvents, destination: out, level: "debug" }) };
}

export interface Issuer {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo with the RSASSA-PSS OID, as an issuer directory publishes it. */
  readonly spki: Uint8Array;
  readonly signer: NativeBlindSigner;
}

/** A fresh RSA-2048 issuer key (RFC 9578 §6: RSABSSA-SHA384-PSS-Deterministic). */
export function makeIssuer(): Issuer {
  // A plain RSA key: the PSS parameters live in the published SPKI (encodeTokenKey), not the key.
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 0x10001 });
  return { privateKey, publicKey, spki: encodeTokenKey(publicKey), signer: new NativeBlindSigner(privateKey) };
}

export function originChallenge(options: { issuerName?: string; originInfo?: readonly string[]; tokenType?: number } = {}): Uint8Array {
  return encodeTokenChallenge({
    tokenType: options.tokenType ?? TokenType.BlindRsa2048,
    issuerName: options.issuerName ?? ISSUER_NAME,
    redemptionContext: new Uint8Array(0),
    originInfo: options.originInfo ?? [ORIGIN],
  });
}

/** A genuine token: blinded by libs/privacypass's client, signed by the native blind signer. */
export async function mintToken(issuer: Issuer, challenge: Uint8Array = originChallenge()): Promise<{ token: Token; bytes: Uint8Array; header: string }> {
  const { request, finalize } = await beginTokenRequest({ challenge, tokenKey: issuer.spki });
  const token = await finalize({ blindSig: issuer.signer.sign(request.blindedMsg) });
  const bytes = encodeToken(token);
  return { token, bytes, header: formatAuthorization(bytes) };
}

export interface TestApp {
  readonly app: express.Express;
  readonly gate: TokenGate;
  readonly registry: Registry;
  readonly out: LineCapture;
  /** What each handler call saw: its Authorization header and res.locals.privacyPass. */
  readonly seen: { authorization: unknown; rawHeaders: string[]; locals: unknown }[];
}

/** An express app as a backend would mount the gate: `POST /v1/search` behind it. */
export function gatedApp(options: { keys: TokenKeySource; store: SpentTokenStore } & Partial<TokenGateOptions>): TestApp {
  const registry = new Registry();
  const { log, out } = captureLogger();
  const gate = createTokenGate({ issuerName: ISSUER_NAME, originInfo: [ORIGIN], spendTtlMs: 3_600_000, registry, log, ...options });
  const seen: TestApp["seen"] = [];
  const app = express();
  app.post("/v1/search", gate.middleware, (req, res) => {
    seen.push({ authorization: req.headers.authorization, rawHeaders: [...req.rawHeaders], locals: res.locals["privacyPass"] });
    res.json({ results: [] });
  });
  app.use(finalErrorHandler(log));
  return { app, gate, registry, out, seen };
}

export function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

export const SHARED_REDIS = "redis://127.0.0.1:6379";

/** Waits for the connection; the shared Redis is required, so its absence fails the test. */
export async function redisConnected(redis: Redis, what = "a real Redis on 127.0.0.1:6379 is required"): Promise<void> {
  if (redis.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis not reachable: ${what}`)), 3000);
    redis.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });
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
      if (child.exitCode !== null || Date.now() > deadline) throw new Error("redis-server did not start");
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

/** All forms in which a secret byte string could leak into text. */
export function textForms(bytes: Uint8Array): string[] {
  const b = Buffer.from(bytes);
  const forms = [b.toString("hex"), b.toString("base64url"), b.toString("base64")].map((s) => s.replace(/=+$/, ""));
  return [...forms, b.toString("hex").toUpperCase()];
}
