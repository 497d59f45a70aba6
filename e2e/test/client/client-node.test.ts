/**
 * The client on the Node backend against the real relay, gateway, issuer and a token-gated
 * origin, all in process: discovery through the relay, batched top-up, single spend, the three
 * retries, and the errors an app must handle.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { encodeTokenChallenge, encodeTokenKey, formatWwwAuthenticate } from "@oblivious/privacypass";
import { ClientError, createClient } from "@oblivious/client";
import type { ClientOptions } from "@oblivious/client";
import { STICKERS, UNKNOWN_LOCALE, recordingFetch, startStack } from "./stack.js";
import type { Recorded, Stack } from "./stack.js";

const run = randomBytes(4).toString("hex");
const DEVICE = `canary-device-${run}`;
const QUERY = `canary-query-${run}`;
let stack: Stack;
let credential: string;

before(async () => {
  stack = await startStack({ quota: 40 });
  credential = await stack.mint(DEVICE);
});

after(async () => {
  await stack.stop();
});

function options(extra: Partial<ClientOptions> = {}): ClientOptions {
  return { relayUrl: stack.relayUrl, issuerUrl: stack.issuerUrl, credential: () => credential, lowWater: 0, batchSize: 4, ...extra };
}

async function rejection(promise: Promise<unknown>): Promise<ClientError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ClientError, `a ClientError, not ${String(error)}`);
    return error;
  }
  assert.fail("expected a ClientError");
}

test("discovery: keys and the issuer directory come through the relay, nothing goes to the issuer", async () => {
  const sent: Recorded[] = [];
  const client = createClient(options({ fetch: recordingFetch(sent) }));
  const directory = await client.directory();
  assert.equal(directory.tokenKeys[0]?.tokenType, 2);
  assert.deepEqual(
    sent.map((r) => r.url),
    [`${stack.relayUrl}/ohttp-keys`, `${stack.relayUrl}/relay`],
  );
  assert.equal((await client.directory()) === directory, true, "the directory is pinned");
  assert.deepEqual({ keys: client.stats().keyFetches, directories: client.stats().directoryFetches }, { keys: 1, directories: 1 });
});

test("a search learns the challenge from the 401, tops up in one batch, and spends each token once", async () => {
  const sent: Recorded[] = [];
  const client = createClient(options({ fetch: recordingFetch(sent) }));
  const tokensBefore = stack.origin.tokens.length;
  const result = await client.searchStickers({ q: "cat" });
  assert.deepEqual(result.hits, [STICKERS[0]]);
  let stats = client.stats();
  assert.equal(stats.challengeProbes, 1, "the challenge was asked for with an empty request");
  assert.equal(stats.challengeRetries, 0);
  // The query itself never reached the origin without a token.
  const bodiesWithoutToken = stack.origin.bodies.filter((_, i) => stack.origin.headers[i]?.authorization === undefined);
  assert.ok(bodiesWithoutToken.length > 0 && bodiesWithoutToken.every((b) => b === ""), JSON.stringify(bodiesWithoutToken));
  assert.equal(stats.issuanceRequests, 1, "one batched token request");
  assert.equal(stats.tokensIssued, 4);
  assert.equal(client.tokenCount("https://sticker-search.internal"), 3);
  const issuance = sent.filter((r) => r.url === `${stack.issuerUrl}/token-request`);
  assert.equal(issuance.length, 1);
  assert.equal(issuance[0]?.headers["content-type"], "application/private-token-generic-batch-request");

  for (let i = 0; i < 4; i++) assert.equal((await client.searchStickers({ q: "dog" })).total, 1);
  stats = client.stats();
  assert.equal(stats.issuanceRequests, 2, "the fifth token came from a second batch");
  assert.equal(stats.tokensSent, 5);
  const presented = stack.origin.tokens.slice(tokensBefore);
  assert.equal(presented.length, 5);
  assert.equal(new Set(presented).size, 5, "no token presented twice");
  const metrics = await stack.registries.sticker.metrics();
  assert.match(metrics, /outcome="spent"} 0\n/, "the origin saw no spent token");
  assert.match(metrics, /outcome="accepted"} 5\n/);
});

test("privacy: the relay gets ciphertext and two headers; the credential goes to the issuer only", async () => {
  const sent: Recorded[] = [];
  const client = createClient(options({ fetch: recordingFetch(sent) }));
  await client.searchStickers({ q: QUERY });
  await client.sendTelemetry([{ name: "app.start", durationMs: 12 }]);
  const toRelay = sent.filter((r) => r.url.startsWith(stack.relayUrl));
  const toIssuer = sent.filter((r) => r.url.startsWith(stack.issuerUrl));
  assert.ok(toRelay.length >= 4 && toIssuer.length === 2);
  const text = (b: Uint8Array): string => Buffer.from(b).toString("latin1");
  for (const r of toRelay) {
    assert.deepEqual(Object.keys(r.headers).sort(), r.url.endsWith("/relay") ? ["accept", "content-type"] : ["accept"]);
    for (const needle of [credential, DEVICE, QUERY, "PrivateToken"]) assert.ok(!text(r.body).includes(needle), "no plaintext in a relay body");
    if (r.url.endsWith("/relay")) {
      // hdr (7) + enc (32) + AEAD tag (16) around a padded request: a power of two, at least 256.
      const padded = r.body.length - 55;
      assert.ok(padded >= 256 && (padded & (padded - 1)) === 0, `padded to a bucket, not ${padded}`);
    }
  }
  for (const r of toIssuer) assert.equal(r.headers.authorization, `Bearer ${credential}`);
  assert.ok(stack.origin.bodies.some((b) => b.includes(QUERY)), "the query reached the origin");
  const seen = [JSON.stringify(stack.origin.headers), stack.logs.relay.text, stack.logs.gateway.text];
  for (const haystack of seen) {
    for (const needle of [credential, DEVICE]) assert.ok(!haystack.includes(needle), "no credential or device id past the issuer");
  }
  for (const haystack of [stack.logs.relay.text, stack.logs.gateway.text]) assert.ok(!haystack.includes(QUERY));
  for (const headers of stack.origin.headers) {
    for (const name of ["forwarded", "x-forwarded-for", "via", "cookie", "user-agent"]) assert.equal(headers[name], undefined, name);
  }
});

test("a device clock 10 minutes slow succeeds after exactly one date retry, and keeps the offset", async () => {
  const client = createClient(options({ now: () => Date.now() - 600_000 }));
  assert.equal((await client.searchStickers({ q: "cat" })).total, 1);
  assert.equal(client.stats().dateRetries, 1);
  assert.ok(Math.abs(client.clockOffsetMs - 600_000) < 5_000, "offset learnt from the gateway's Date");
  assert.equal((await client.searchStickers({ q: "dog" })).total, 1);
  assert.equal(client.stats().dateRetries, 1, "no further date retry");
});

test("telemetry goes to its own origin with its own challenge and wallet", async () => {
  const client = createClient(options());
  const result = await client.sendTelemetry([{ name: "app.start", durationMs: 3 }]);
  assert.deepEqual(result, { status: 202, body: { accepted: true } });
  assert.equal(client.tokenCount("https://telemetry.internal"), 3);
  assert.equal(client.tokenCount("https://sticker-search.internal"), 0);
});

test("a low-water mark tops the wallet up in the background", async () => {
  const client = createClient(options({ lowWater: 2, batchSize: 3 }));
  await client.searchStickers({ q: "cat" });
  await client.searchStickers({ q: "cat" });
  await client.idle();
  assert.equal(client.stats().issuanceRequests, 2);
  assert.equal(client.tokenCount("https://sticker-search.internal"), 4);
});

test("a 429 from the issuer surfaces as rate-limited with Retry-After", async () => {
  const client = createClient(options({ credential: await stack.mint(`${DEVICE}-quota`).then((c) => () => c), batchSize: 41 }));
  const error = await rejection(client.searchStickers({ q: "cat" }));
  assert.equal(error.code, "rate-limited");
  assert.equal(error.status, 429);
  assert.ok(error.retryAfterSeconds !== undefined && error.retryAfterSeconds > 0);
});

test("a credential the issuer refuses surfaces as credential-rejected", async () => {
  const client = createClient(options({ credential: () => "not-a-credential" }));
  assert.equal((await rejection(client.searchStickers({ q: "cat" }))).code, "credential-rejected");
});

test("a configured challenge whose key is not in the directory is refused before any issuance", async () => {
  const { publicKey } = generateKeyPairSync("rsa-pss", { modulusLength: 2048, hashAlgorithm: "sha384", mgf1HashAlgorithm: "sha384" });
  const challenge = encodeTokenChallenge({ tokenType: 2, issuerName: "issuer.internal", redemptionContext: new Uint8Array(0), originInfo: ["sticker-search.internal"] });
  const header = formatWwwAuthenticate([{ challenge, tokenKey: encodeTokenKey(publicKey) }]);
  const client = createClient(options({ challenges: { "https://sticker-search.internal": header } }));
  assert.equal((await rejection(client.searchStickers({ q: "cat" }))).code, "untrusted-challenge");
  assert.equal(client.stats().issuanceRequests, 0);
  assert.equal(client.stats().directoryFetches, 2, "the pin was refreshed once before refusing");
});

test("an origin's refusal carries its problem, so an app can name it (an unknown locale)", async () => {
  const client = createClient(options());
  const error = await rejection(client.searchStickers({ q: "cat", locale: "zz" }));
  assert.equal(error.code, "request-failed");
  assert.equal(error.status, 422);
  assert.deepEqual(error.problem, { type: UNKNOWN_LOCALE.type, title: UNKNOWN_LOCALE.title, detail: UNKNOWN_LOCALE.detail });
  assert.doesNotMatch(error.message, /zz|cat/, "the message carries no request data");
});

test("arguments are checked before anything is sent", async () => {
  const client = createClient(options());
  for (const [origin, path, headers] of [
    ["not a url", "/", {}],
    ["https://a.internal/path", "/", {}],
    ["https://a.internal", "no-slash", {}],
    ["https://a.internal", "/", { authorization: "x" }],
    ["https://a.internal", "/", { cookie: "x" }],
    ["https://a.internal", "/", { "x-ok": "bad\r\nvalue" }],
  ] as const) {
    assert.equal((await rejection(client.fetch(origin, { path, headers }))).code, "invalid-argument");
  }
  assert.equal(client.stats().relayRequests, 0);
});

test("a gateway key rotation leads to one key refresh and success", async () => {
  const client = createClient(options());
  assert.equal((await client.searchStickers({ q: "cat" })).total, 1);
  await stack.rotateGatewayKey();
  await new Promise((r) => setTimeout(r, 1_200)); // the relay's key cache (RELAY_KEYS_TTL=1s)
  assert.equal((await client.searchStickers({ q: "dog" })).total, 1);
  const stats = client.stats();
  assert.equal(stats.keyRetries, 1);
  assert.equal(stats.keyFetches, 2);
});
