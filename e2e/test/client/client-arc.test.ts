/**
 * The Node SDK with ARC (token type 0xE5AC) against the real relay, gateway, issuer (ARC keys
 * from the development material) and an origin whose sticker search offers ARC beside type 2
 * (telemetry: type 2 only): one credential, then one presentation per call with a fresh nonce;
 * a used-up credential is replaced; when the issuer's quota says no, type 2 instead (or, with
 * `tokenType: "arc"`, the call fails cleanly);
 * `tokenType` "2" and "arc"; and the fallback to type 2 at an origin without ARC.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { ARC_TOKEN_TYPE, decodeArcToken, parseAuthorization } from "@oblivious/privacypass";
import { ClientError, createClient } from "@oblivious/client";
import type { ClientOptions } from "@oblivious/client";
import { recordingFetch, startStack } from "./stack.js";
import type { Recorded, Stack } from "./stack.js";

const LIMIT = 3;
let stack: Stack;

before(async () => {
  stack = await startStack({ quota: 40, arc: { limit: LIMIT, quota: 2 } });
});

after(async () => {
  await stack.stop();
});

async function options(device: string, extra: Partial<ClientOptions> = {}): Promise<ClientOptions> {
  const credential = await stack.mint(`${device}-${randomBytes(4).toString("hex")}`);
  return { relayUrl: stack.relayUrl, issuerUrl: stack.issuerUrl, credential: () => credential, lowWater: 0, batchSize: 2, ...extra };
}

function tokenBytes(authorization: string): Uint8Array {
  const bytes = parseAuthorization(authorization);
  assert.ok(bytes !== undefined);
  return bytes;
}

function typeOf(authorization: string): number {
  const b = tokenBytes(authorization);
  return ((b[0] as number) << 8) | (b[1] as number);
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

test("arc: by default the client fetches one credential and presents a fresh ARC token per search: new nonce, new tag, nothing repeated", async () => {
  const sent: Recorded[] = [];
  const client = createClient(await options("arc-default", { fetch: recordingFetch(sent) }));
  const before = stack.origin.tokens.length;
  for (const q of ["cat", "dog", "cat"]) assert.equal((await client.searchStickers({ q })).total, 1);
  const tokens = stack.origin.tokens.slice(before);
  assert.equal(tokens.length, 3);
  assert.ok(tokens.every((t) => typeOf(t) === ARC_TOKEN_TYPE), "ARC tokens");
  const decoded = tokens.map((t) => decodeArcToken(tokenBytes(t), LIMIT));
  assert.deepEqual(
    decoded.map((d) => d.presentationNonce),
    [0, 1, 2],
    "the nonce moves forward with each presentation",
  );
  const tags = new Set(decoded.map((d) => Buffer.from(d.presentation.tag.toBytes(true)).toString("hex")));
  assert.equal(tags.size, 3, "three different tags");
  assert.equal(new Set(tokens).size, 3, "no token sent twice");
  assert.deepEqual({ credentials: client.stats().credentialsIssued, issuance: client.stats().issuanceRequests, tokens: client.stats().tokensIssued }, { credentials: 1, issuance: 1, tokens: 0 });
  // One credential request went to the issuer, with the ARC media type.
  const toIssuer = sent.filter((r) => r.url.startsWith(stack.issuerUrl));
  assert.equal(toIssuer.length, 1);
  assert.equal(toIssuer[0]?.headers["content-type"], "application/private-credential-request");
  assert.equal(toIssuer[0]?.body.length, 229);
  assert.equal(client.tokenCount("https://sticker-search.internal"), 0, "the credential is used up");
});

test("arc: a used-up credential is replaced by a new one; when the issuer's ARC quota says no, the client falls back to type 2 (default) or fails with rate-limited and sends nothing (tokenType 'arc')", async () => {
  const auto = createClient(await options("arc-exhaust"));
  for (let i = 0; i < 2 * LIMIT; i++) assert.equal((await auto.searchStickers({ q: "cat" })).total, 1);
  assert.equal(auto.stats().credentialsIssued, 2, "a second credential after the first's presentations ran out");
  let before = stack.origin.tokens.length;
  assert.equal((await auto.searchStickers({ q: "cat" })).total, 1, "the third credential is refused: type 2 instead");
  assert.equal(typeOf(stack.origin.tokens[before] ?? ""), 2);
  assert.equal(auto.stats().credentialsIssued, 2);
  assert.ok(auto.stats().tokensIssued > 0);

  const arcOnly = createClient(await options("arc-exhaust-only", { tokenType: "arc" }));
  for (let i = 0; i < 2 * LIMIT; i++) assert.equal((await arcOnly.searchStickers({ q: "cat" })).total, 1);
  before = stack.origin.tokens.length;
  const error = await rejection(arcOnly.searchStickers({ q: "cat" }));
  assert.equal(error.code, "rate-limited");
  assert.ok((error.retryAfterSeconds ?? 0) >= 1);
  assert.equal(stack.origin.tokens.length, before, "no token presented");
});

test("arc: tokenType '2' uses type 2 at an ARC origin; an origin without ARC gets type 2 by default and is refused with tokenType 'arc'", async () => {
  const two = createClient(await options("arc-type2", { tokenType: "2" }));
  let before = stack.origin.tokens.length;
  assert.equal((await two.searchStickers({ q: "cat" })).total, 1);
  assert.equal(typeOf(stack.origin.tokens[before] ?? ""), 2);
  assert.equal(two.stats().credentialsIssued, 0);

  const auto = createClient(await options("arc-fallback"));
  before = stack.origin.tokens.length;
  assert.equal((await auto.sendTelemetry([{ name: "app_open" }])).status, 202);
  assert.equal(typeOf(stack.origin.tokens[before] ?? ""), 2, "type 2 where ARC is not offered");

  const arcOnly = createClient(await options("arc-only", { tokenType: "arc" }));
  const error = await rejection(arcOnly.sendTelemetry([{ name: "app_open" }]));
  assert.equal(error.code, "untrusted-challenge");
  assert.equal((await arcOnly.searchStickers({ q: "dog" })).total, 1);
  assert.equal(arcOnly.stats().credentialsIssued, 1);
});

test("arc: an invalid tokenType is refused before anything is sent", () => {
  assert.throws(
    () => createClient({ relayUrl: "http://127.0.0.1:1", issuerUrl: "http://127.0.0.1:1", credential: () => "x", tokenType: "3" as "2" }),
    (e: unknown) => e instanceof ClientError && e.code === "invalid-argument",
  );
});
