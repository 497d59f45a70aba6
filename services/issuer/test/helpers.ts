/** Shared test fixtures: key files, the development attester, a started issuer, a Privacy Pass client. */
import { constants, publicEncrypt, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import {
  MediaType,
  beginBatchedTokenRequest,
  beginTokenRequest,
  decodeBatchedTokenResponse,
  decodeIssuerDirectory,
  decodeTokenResponse,
  encodeBatchedTokenRequest,
  encodeTokenRequest,
  type IssuerDirectory,
  type Token,
} from "@oblivious/privacypass";
import { LineCapture, tokenChallenge } from "@oblivious/test-kit";
import { loadIssuerConfig } from "../src/config.js";
import { createDevAttester, type DevAttester } from "../src/dev-attester.js";
import { createIssuerKey, writeKeyFile } from "../src/key-file.js";
import { importIssuerKey, type IssuerKey } from "../src/keys.js";
import { generatePseudonymKeyFile } from "../src/pseudonym.js";
import { startIssuer, type RunningIssuer } from "../src/server.js";

export const T0 = Date.parse("2026-03-01T12:00:00Z");
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "issuer-test-"));
}

/**
 * RSA key generation takes a while: tests share a few keys made once per process (with
 * truncated ids distinct from each other), each given the times a test asks for.
 */
const keyCache = new Map<string, IssuerKey>();
export function testKey(name: string, notBefore = T0 - DAY, retireAt?: number): IssuerKey {
  let key = keyCache.get(name);
  if (key === undefined) {
    key = createIssuerKey({ notBefore }, [...keyCache.values()]);
    keyCache.set(name, key);
  }
  return importIssuerKey(key.privateKey, { notBefore, retireAt });
}

export interface Fixture {
  readonly dir: string;
  readonly keysFile: string;
  readonly pseudonymKeyFile: string;
  readonly attester: DevAttester;
  readonly clock: { now: number };
  /** The environment of an issuer on port 0 with these files. */
  readonly env: Record<string, string>;
}

/** A directory with a key file (one key, current since a day before T0), a pseudonym key and a dev attester. */
export async function fixture(keys: readonly IssuerKey[] = [testKey("a")], clock = { now: T0 }): Promise<Fixture> {
  const dir = tempDir();
  const keysFile = join(dir, "issuer-keys.json");
  writeKeyFile(keysFile, keys);
  const pseudonymKeyFile = join(dir, "pseudonym.key");
  generatePseudonymKeyFile(pseudonymKeyFile);
  const attester = await createDevAttester(dir, { now: () => clock.now });
  return {
    dir,
    keysFile,
    pseudonymKeyFile,
    attester,
    clock,
    env: {
      ISSUER_PORT: "0",
      ISSUER_ADMIN_PORT: "0",
      ISSUER_REQUEST_URI: "https://issuer.example/token-request",
      ISSUER_KEYS_FILE: keysFile,
      ISSUER_PSEUDONYM_KEY_FILE: pseudonymKeyFile,
      ATTESTER_JWKS_FILE: attester.jwksFile,
      ATTESTER_ISSUER: attester.issuer,
      ATTESTER_AUDIENCE: attester.audience,
      ISSUER_SIGNERS: "2",
      ISSUER_DRAIN_TIMEOUT: "1s",
    },
  };
}

export interface TestIssuer {
  readonly issuer: RunningIssuer;
  readonly url: string;
  readonly logs: LineCapture;
  readonly registry: Registry;
  readonly fx: Fixture;
  credential(deviceId: string, ttlSeconds?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestIssuer(fx: Fixture, env: Record<string, string> = {}): Promise<TestIssuer> {
  const config = loadIssuerConfig({ ...fx.env, ...env });
  const logs = new LineCapture();
  const registry = new Registry();
  const issuer = await startIssuer(config, { logDestination: logs, registry, now: () => fx.clock.now });
  return {
    issuer,
    url: issuer.url,
    logs,
    registry,
    fx,
    credential: (deviceId, ttl) => fx.attester.mint(deviceId, ttl),
    stop: () => issuer.stop(),
  };
}

/** The challenge of the origin the tokens are for: the issuer signs blindly, so any origin does. */
const CHALLENGE = tokenChallenge({ originInfo: ["sticker-search.internal"] });

export async function fetchDirectory(url: string): Promise<IssuerDirectory> {
  const res = await fetch(`${url}/.well-known/private-token-issuer-directory`);
  if (res.status !== 200) throw new Error(`directory: ${res.status}`);
  return decodeIssuerDirectory(await res.text());
}

/** The key a client uses: the first one whose not-before has passed (RFC 9578 §4). */
export function clientKey(directory: IssuerDirectory, now: number): Uint8Array {
  const key = directory.tokenKeys.find((k) => k.notBefore === undefined || k.notBefore * 1000 <= now);
  if (key === undefined) throw new Error("no usable key in the directory");
  return key.tokenKey;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

export async function post(url: string, contentType: string | undefined, body: Uint8Array, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${url}/token-request`, {
    method: "POST",
    headers: { ...(contentType === undefined ? {} : { "content-type": contentType }), ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
}

export function bearer(credential: string): Record<string, string> {
  return { authorization: `Bearer ${credential}` };
}

export function problemOf(answer: Answer): Record<string, unknown> {
  if (answer.headers.get("content-type") !== "application/problem+json") throw new Error(`not a problem: ${answer.headers.get("content-type")}`);
  return JSON.parse(Buffer.from(answer.body).toString("utf8")) as Record<string, unknown>;
}

/** One token through the whole protocol: blind, POST, finalize (which verifies the signature). */
export async function issueOne(url: string, credential: string, tokenKey: Uint8Array): Promise<{ answer: Answer; token?: Token }> {
  const pending = await beginTokenRequest({ challenge: CHALLENGE, tokenKey });
  const answer = await post(url, MediaType.TokenRequest, encodeTokenRequest(pending.request), bearer(credential));
  if (answer.status !== 200) return { answer };
  return { answer, token: await pending.finalize(decodeTokenResponse(answer.body)) };
}

export async function issueBatch(url: string, credential: string, tokenKey: Uint8Array, n: number): Promise<{ answer: Answer; tokens?: (Token | undefined)[] }> {
  const pending = await beginBatchedTokenRequest(n, { challenge: CHALLENGE, tokenKey });
  const answer = await post(url, MediaType.BatchedTokenRequest, encodeBatchedTokenRequest(pending.request), bearer(credential));
  if (answer.status !== 200) return { answer };
  return { answer, tokens: await pending.finalize(decodeBatchedTokenResponse(answer.body)) };
}

export async function metricsText(issuer: RunningIssuer): Promise<string> {
  return (await fetch(`${issuer.adminUrl}/metrics`)).text();
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value));
}

/** `n` random blinded messages for a 2048-bit key, each below any such modulus (a zero top byte). */
export function blindedMessages(n: number): Uint8Array[] {
  return Array.from({ length: n }, () => {
    const m = randomBytes(256);
    m[0] = 0;
    return new Uint8Array(m);
  });
}

/** s^e mod n = m: `s` is RSASP1 of `m` under `key`. */
export function signs(key: IssuerKey, m: Uint8Array, s: Uint8Array): boolean {
  return Buffer.from(publicEncrypt({ key: key.publicKey, padding: constants.RSA_NO_PADDING }, s)).equals(Buffer.from(m));
}
