/**
 * Privacy Pass across services, over real HTTP: the issuer (its quota in the real Redis), a
 * token-gated origin (token-gate, keys from the issuer's directory, spent nonces in the real
 * Redis), and clients: @cloudflare/privacypass-ts (nobody here wrote it) and our own.
 *
 * Unlinkability: after issuance and redemption, nothing the issuer logged, exported as metrics or
 * wrote to Redis equals or derives from a finalized token or its nonce.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { AuthorizationHeader, TOKEN_TYPES, Token as PpToken, TokenChallenge as PpTokenChallenge, WWWAuthenticateHeader, publicVerif } from "@cloudflare/privacypass-ts";
import { loadIssuerConfig, startIssuer } from "@oblivious/issuer";
import { createDevAttester, prepareDevIssuer } from "@oblivious/issuer/dev";
import {
  MediaType,
  beginTokenRequest,
  decodeIssuerDirectory,
  decodeTokenResponse,
  encodeToken,
  encodeTokenRequest,
  formatAuthorization,
  parseWwwAuthenticate,
} from "@oblivious/privacypass";
import { DirectoryKeySource, RedisSpentTokenStore, createTokenGate } from "@oblivious/token-gate";
import { createRedis } from "@oblivious/service-kit";
import { LineCapture } from "@oblivious/test-kit";

const { BlindRSAMode, Client, Origin, convertRSASSAPSSToEnc } = publicVerif;
const REDIS_URL = "redis://127.0.0.1:6379";
const run = randomBytes(4).toString("hex");
const ISSUER_PREFIX = `e2e-${run}-issuer:`;
const ORIGIN_PREFIX = `e2e-${run}-origin:`;
const DEVICE = `canary-device-${run}`;

/** privacypass-ts reads whole ArrayBuffers: hand it fresh copies at offset 0. */
const own = (b: Uint8Array): Uint8Array => Uint8Array.from(b);

let dir: string;
let issuer: Awaited<ReturnType<typeof startIssuer>>;
let issuerLogs: LineCapture;
let credential: string;
let origin: { url: string; server: Server; redis: Redis; keys: DirectoryKeySource };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "e2e-pp-"));
  const dev = await prepareDevIssuer(dir);
  issuerLogs = new LineCapture();
  issuer = await startIssuer(
    loadIssuerConfig({ ...dev.env, ISSUER_PORT: "0", ISSUER_ADMIN_PORT: "0", REDIS_URL, REDIS_PREFIX: ISSUER_PREFIX, ISSUER_QUOTA: "10", ISSUER_SIGNERS: "1" }),
    { logDestination: issuerLogs, registry: new Registry() },
  );
  credential = await (await createDevAttester(dir)).mint(DEVICE);

  // The origin: a token-gated route, keys from the issuer's directory, spends in the real Redis.
  const keys = new DirectoryKeySource({ url: `${issuer.url}/.well-known/private-token-issuer-directory` });
  assert.equal(await keys.start(), true, "the origin loaded the issuer's directory");
  const redis = createRedis({ url: REDIS_URL, keyPrefix: ORIGIN_PREFIX });
  const gate = createTokenGate({ issuerName: "issuer.internal", originInfo: ["origin.internal"], keys, store: new RedisSpentTokenStore(redis), spendTtlMs: 86_400_000, registry: new Registry() });
  const app = express();
  app.get("/feature", gate.middleware, (req, res) => res.json({ served: true, sawAuthorization: req.headers.authorization !== undefined }));
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server, redis, keys };
});

after(async () => {
  await new Promise((r) => origin.server.close(r));
  origin.keys.stop();
  const cleanup = new Redis(REDIS_URL);
  for (const prefix of [ISSUER_PREFIX, ORIGIN_PREFIX]) {
    const keys = await cleanup.keys(`${prefix}*`);
    if (keys.length > 0) await cleanup.del(...keys);
  }
  await cleanup.quit();
  origin.redis.disconnect();
  await issuer.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Posts a token request to the issuer with the device credential. */
async function issue(body: Uint8Array): Promise<Response> {
  return fetch(`${issuer.url}/token-request`, {
    method: "POST",
    headers: { "content-type": MediaType.TokenRequest, accept: MediaType.TokenResponse, authorization: `Bearer ${credential}` },
    body,
  });
}

const finalized: Uint8Array[] = [];

test("privacypass-ts fetches a token from the running issuer and redeems it at the token-gated origin, once", async () => {
  const challengeAnswer = await fetch(`${origin.url}/feature`);
  assert.equal(challengeAnswer.status, 401);
  const header = challengeAnswer.headers.get("www-authenticate") ?? "";
  const [challenge] = WWWAuthenticateHeader.parse(header);
  assert.ok(challenge, "privacypass-ts parses our challenge");

  const client = new Client(BlindRSAMode.PSS);
  const request = await client.createTokenRequest(challenge.challenge, challenge.tokenKey);
  const answer = await issue(request.serialize());
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get("content-type"), MediaType.TokenResponse, "exact media type, no charset");
  const token = await client.finalize(client.deserializeTokenResponse(new Uint8Array(await answer.arrayBuffer())));
  finalized.push(token.serialize());

  const authorization = new AuthorizationHeader(token).toString();
  const served = await fetch(`${origin.url}/feature`, { headers: { authorization } });
  assert.equal(served.status, 200);
  assert.deepEqual(await served.json(), { served: true, sawAuthorization: false });
  const again = await fetch(`${origin.url}/feature`, { headers: { authorization } });
  assert.equal(again.status, 401, "a spent token is refused");
});

test("a token made by our client through the running issuer verifies with privacypass-ts's origin", async () => {
  const directory = decodeIssuerDirectory(await (await fetch(`${issuer.url}/.well-known/private-token-issuer-directory`)).text());
  const tokenKey = directory.tokenKeys[0]?.tokenKey;
  assert.ok(tokenKey);
  const challengeHeader = (await fetch(`${origin.url}/feature`)).headers.get("www-authenticate") ?? "";
  const [challenge] = parseWwwAuthenticate(challengeHeader);
  assert.ok(challenge);
  const pending = await beginTokenRequest({ challenge: challenge.challenge, tokenKey });
  const answer = await issue(encodeTokenRequest(pending.request));
  assert.equal(answer.status, 200);
  const token = await pending.finalize(decodeTokenResponse(new Uint8Array(await answer.arrayBuffer())));
  finalized.push(encodeToken(token));

  const theirs = PpToken.deserialize(TOKEN_TYPES.BLIND_RSA, own(encodeToken(token)));
  // WebCrypto imports only rsaEncryption SPKIs; privacypass-ts converts the RFC 9578 encoding.
  const publicKey = await crypto.subtle.importKey("spki", convertRSASSAPSSToEnc(own(tokenKey)), { name: "RSA-PSS", hash: "SHA-384" }, true, ["verify"]);
  assert.equal(await new Origin(BlindRSAMode.PSS).verify(theirs, publicKey), true);
  assert.equal(PpTokenChallenge.deserialize(own(challenge.challenge)).issuerName, "issuer.internal");
  const served = await fetch(`${origin.url}/feature`, { headers: { authorization: formatAuthorization(encodeToken(token)) } });
  assert.equal(served.status, 200);
});

test("unlinkability: nothing the issuer logged, exported or stored equals or derives from a token or its nonce", async () => {
  assert.equal(finalized.length, 2);
  const forbidden: string[] = [DEVICE];
  for (const token of finalized) {
    const nonce = token.subarray(2, 34);
    for (const bytes of [token, nonce, createHash("sha256").update(nonce).digest(), createHash("sha256").update(token).digest()]) {
      const b = Buffer.from(bytes);
      forbidden.push(b.toString("hex"), b.toString("base64url"), b.toString("base64"), b.toString("latin1"));
    }
    // The origin's own spend key is SHA-256(token_key_id || nonce): the issuer must not hold it either.
    forbidden.push(createHash("sha256").update(token.subarray(66, 98)).update(nonce).digest("hex"));
  }
  const metrics = await (await fetch(`${issuer.adminUrl}/metrics`)).text();
  const redis = new Redis(REDIS_URL);
  const stored: string[] = [];
  try {
    for (const key of await redis.keys(`${ISSUER_PREFIX}*`)) {
      stored.push(key);
      const type = await redis.type(key);
      if (type === "string") stored.push((await redis.getBuffer(key))?.toString("latin1") ?? "");
      else if (type === "hash") stored.push(JSON.stringify(await redis.hgetall(key)));
    }
  } finally {
    await redis.quit();
  }
  assert.ok(stored.length > 0, "the issuer kept its quota counters in Redis");
  assert.ok(issuerLogs.lines.length > 0);
  const haystacks = { logs: issuerLogs.text, metrics, redis: stored.join("\n") };
  for (const [where, text] of Object.entries(haystacks)) {
    for (const needle of forbidden) assert.ok(!text.includes(needle), `issuer ${where} carry a forbidden value`);
  }
});
