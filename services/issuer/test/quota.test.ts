/**
 * Quotas in memory (the embedded default): the limit per device per period, batches counted by
 * size and refused whole, Retry-After to the end of the window, counters under keyed pseudonyms.
 * The Redis store has its own tests in redis.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { MediaType, TokenType, encodeGenericBatchTokenRequest, encodeTokenRequest } from "@oblivious/privacypass";
import { createPseudonyms, parsePseudonymKey } from "../src/pseudonym.js";
import { MemoryQuotaStore } from "../src/quota.js";
import { HOUR, T0, bearer, fixture, post, startTestIssuer, testKey } from "./helpers.js";

function msg(): Uint8Array {
  const m = randomBytes(256);
  m[0] = 0;
  return new Uint8Array(m);
}

function single(): Uint8Array {
  return encodeTokenRequest({ tokenType: TokenType.BlindRsa2048, truncatedTokenKeyId: testKey("a").truncatedTokenKeyId, blindedMsg: msg() });
}

function batch(n: number): Uint8Array {
  const truncatedTokenKeyId = testKey("a").truncatedTokenKeyId;
  return encodeGenericBatchTokenRequest({ tokenRequests: Array.from({ length: n }, () => ({ tokenType: TokenType.BlindRsa2048, truncatedTokenKeyId, blindedMsg: msg() })) });
}

test("quota (store): counts n per request, refuses a request that would exceed whole, and reopens after the period", async () => {
  const clock = { now: T0 };
  const store = new MemoryQuotaStore({ limit: 5, periodMs: HOUR, now: () => clock.now, maxEntries: 10 });
  assert.deepEqual(await store.consume("p", 3), { allowed: true, used: 3 });
  assert.deepEqual(await store.consume("p", 3), { allowed: false, retryAfterMs: HOUR }, "3 + 3 > 5: refused whole");
  assert.deepEqual(await store.consume("p", 2), { allowed: true, used: 5 }, "nothing was counted for the refusal");
  clock.now += 20 * 60_000;
  assert.deepEqual(await store.consume("p", 1), { allowed: false, retryAfterMs: 40 * 60_000 });
  assert.deepEqual(await store.consume("q", 6), { allowed: false, retryAfterMs: HOUR }, "more than the whole quota");
  clock.now = T0 + HOUR;
  assert.deepEqual(await store.consume("p", 5), { allowed: true, used: 5 }, "a new window");
  await store.refund("p", 2);
  assert.deepEqual(await store.consume("p", 2), { allowed: true, used: 5 });
});

test("quota (store): bounded; when full of live windows it fails closed; ended windows are swept", async () => {
  const clock = { now: T0 };
  const store = new MemoryQuotaStore({ limit: 5, periodMs: HOUR, now: () => clock.now, maxEntries: 2 });
  await store.consume("a", 1);
  await store.consume("b", 1);
  await assert.rejects(store.consume("c", 1), { name: "StoreError", code: "full" });
  assert.deepEqual(await store.consume("a", 1), { allowed: true, used: 2 }, "an existing window still counts");
  clock.now += HOUR;
  assert.deepEqual(await store.consume("c", 1), { allowed: true, used: 1 });
  assert.equal(store.size, 1);
});

test("quota (HTTP): ISSUER_QUOTA tokens per device per period → 429 with Retry-After to the window's end; other devices unaffected", async () => {
  const fx = await fixture();
  const t = await startTestIssuer(fx, { ISSUER_QUOTA: "3", ISSUER_QUOTA_PERIOD: "1h" });
  try {
    const a = bearer(await t.credential("device-quota-a"));
    for (let i = 0; i < 3; i++) assert.equal((await post(t.url, MediaType.TokenRequest, single(), a)).status, 200);
    fx.clock.now = T0 + 15 * 60_000;
    const over = await post(t.url, MediaType.TokenRequest, single(), a);
    assert.equal(over.status, 429);
    assert.equal(over.headers.get("retry-after"), String(45 * 60));
    assert.equal((await post(t.url, MediaType.TokenRequest, single(), bearer(await t.credential("device-quota-b")))).status, 200);
    fx.clock.now = T0 + HOUR;
    assert.equal((await post(t.url, MediaType.TokenRequest, single(), bearer(await t.credential("device-quota-a")))).status, 200, "next period");
  } finally {
    await t.stop();
  }
});

test("quota (HTTP): a batch counts its size and one that would exceed is refused whole", async () => {
  const t = await startTestIssuer(await fixture(), { ISSUER_QUOTA: "5" });
  try {
    const auth = bearer(await t.credential("device-quota-batch"));
    assert.equal((await post(t.url, MediaType.BatchedTokenRequest, batch(3), auth)).status, 200);
    assert.equal((await post(t.url, MediaType.BatchedTokenRequest, batch(3), auth)).status, 429, "3 + 3 > 5");
    assert.equal((await post(t.url, MediaType.BatchedTokenRequest, batch(2), auth)).status, 200, "the refused batch counted nothing");
    assert.equal((await post(t.url, MediaType.TokenRequest, single(), auth)).status, 429);
  } finally {
    await t.stop();
  }
});

test("quota (HTTP): requests refused before signing (401, 422) count nothing", async () => {
  const t = await startTestIssuer(await fixture(), { ISSUER_QUOTA: "1" });
  try {
    const auth = bearer(await t.credential("device-quota-free"));
    const wrongKey = encodeTokenRequest({ tokenType: TokenType.BlindRsa2048, truncatedTokenKeyId: (testKey("a").truncatedTokenKeyId + 1) % 256, blindedMsg: msg() });
    assert.equal((await post(t.url, MediaType.TokenRequest, wrongKey, auth)).status, 422);
    assert.equal((await post(t.url, MediaType.TokenRequest, single())).status, 401);
    assert.equal((await post(t.url, MediaType.TokenRequest, single(), auth)).status, 200);
  } finally {
    await t.stop();
  }
});

test("quota (HTTP): the memory store holds HMAC-SHA256(pseudonym key, device id), never the id", async () => {
  const fx = await fixture();
  const t = await startTestIssuer(fx);
  try {
    const device = "device-quota-pseudonym";
    assert.equal((await post(t.url, MediaType.TokenRequest, single(), bearer(await t.credential(device)))).status, 200);
    const store = t.issuer.quota as MemoryQuotaStore;
    const stored = store.keys();
    assert.equal(stored.length, 1);
    const key = parsePseudonymKey(readFileSync(fx.pseudonymKeyFile, "utf8"));
    const expected = createHmac("sha256", key).update(device).digest("base64url");
    assert.deepEqual(stored, [expected]);
    assert.equal(createPseudonyms(key).of(device), expected);
    assert.ok(!stored[0]?.includes(device));
  } finally {
    await t.stop();
  }
});
