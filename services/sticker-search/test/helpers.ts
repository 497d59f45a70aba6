/** Test helpers: a real issuer key, genuine tokens minted in-process, log capture, services on port 0. */
import { generateKeyPairSync } from "node:crypto";
import { Writable } from "node:stream";
import type { Redis } from "ioredis";
import { Registry } from "prom-client";
import { NativeBlindSigner, TokenType, beginTokenRequest, encodeToken, encodeTokenChallenge, encodeTokenKey, formatAuthorization } from "@oblivious/privacypass";
import { StaticKeySource } from "@oblivious/token-gate";
import { buildEmojiCatalogue, loadStickerSearchConfig, startStickerSearch, type Catalogue, type RunningStickerSearch } from "../src/index.js";

export const ISSUER_NAME = "issuer.internal";
export const ORIGIN_NAME = "sticker-search.internal";
export const SHARED_REDIS = "redis://127.0.0.1:6379";

/** Built once per test process: every test file searches the same real catalogue. */
let shared: Catalogue | undefined;
export function realCatalogue(): Catalogue {
  shared ??= buildEmojiCatalogue();
  return shared;
}

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

export function makeIssuer(): Issuer {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 0x10001 });
  return { spki: encodeTokenKey(publicKey), signer: new NativeBlindSigner(privateKey) };
}

const CHALLENGE = encodeTokenChallenge({ tokenType: TokenType.BlindRsa2048, issuerName: ISSUER_NAME, redemptionContext: new Uint8Array(0), originInfo: [ORIGIN_NAME] });

/** A genuine token for this origin: blinded by libs/privacypass's client, signed natively. */
export async function mintToken(issuer: Issuer): Promise<{ header: string; bytes: Uint8Array }> {
  const { request, finalize } = await beginTokenRequest({ challenge: CHALLENGE, tokenKey: issuer.spki });
  const token = await finalize({ blindSig: issuer.signer.sign(request.blindedMsg) });
  const bytes = encodeToken(token);
  return { header: formatAuthorization(bytes), bytes };
}

export interface TestService {
  readonly service: RunningStickerSearch;
  readonly out: LineCapture;
  readonly registry: Registry;
  readonly issuer: Issuer;
  /** POSTs a JSON body (or raw string) with a fresh token. */
  search(body: unknown, init?: { token?: string | null; contentType?: string; raw?: string }): Promise<Response>;
  metrics(): Promise<string>;
}

/** The service on loopback port 0 with `env` on top of the defaults, tokens from a static issuer key. */
export async function startTestService(env: Record<string, string> = {}, issuer: Issuer = makeIssuer()): Promise<TestService> {
  const out = new LineCapture();
  const registry = new Registry();
  const config = loadStickerSearchConfig({ STICKER_SEARCH_PORT: "0", STICKER_SEARCH_ADMIN_PORT: "0", STICKER_SEARCH_DRAIN_TIMEOUT: "1s", ...env });
  const service = await startStickerSearch(config, { logDestination: out, registry, keys: new StaticKeySource([issuer.spki]), catalogue: realCatalogue(), engineRetryMs: 200 });
  return {
    service,
    out,
    registry,
    issuer,
    async search(body, init = {}) {
      const token = init.token === undefined ? (await mintToken(issuer)).header : init.token;
      const headers: Record<string, string> = { "content-type": init.contentType ?? "application/json" };
      if (token !== null) headers["authorization"] = token;
      return fetch(`${service.url}/v1/search`, { method: "POST", headers, body: init.raw ?? JSON.stringify(body) });
    },
    async metrics() {
      return (await fetch(`${service.adminUrl}/metrics`)).text();
    },
  };
}

/** Waits for the connection; the shared Redis is required, so its absence fails the test. */
export async function redisConnected(redis: Redis): Promise<void> {
  if (redis.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("Redis not reachable: a real Redis on 127.0.0.1:6379 is required")), 3000);
    redis.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
