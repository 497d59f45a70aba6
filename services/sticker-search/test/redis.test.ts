/**
 * Spent tokens in the REAL Redis at 127.0.0.1:6379 (required: the test fails without it). Only
 * hashes of spent token nonces are stored, under the service's prefix; never a query or a token.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { mintToken, redisConnected, SHARED_REDIS_URL } from "@oblivious/test-kit";
import { CHALLENGE, startTestService } from "./helpers.js";

test("Redis spent store: a token is accepted once across two replicas; Redis holds only nonce hashes", async () => {
  const prefix = `sticker-search-test-${randomBytes(6).toString("hex")}:`;
  const inspect = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
  const env = { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix };
  const a = await startTestService(env);
  const b = await startTestService(env, a.issuer);
  try {
    await redisConnected(inspect);
    const canary = `canary${randomBytes(6).toString("hex")}`;
    const { header, bytes } = await mintToken(a.issuer, CHALLENGE);
    await new Promise((r) => setTimeout(r, 200));
    const first = await a.search({ q: canary, locale: "en" }, { token: header });
    assert.equal(first.status, 200);
    const second = await b.search({ q: canary, locale: "en" }, { token: header });
    assert.equal(second.status, 401, "spent on the other replica");
    const keys = await inspect.keys(`${prefix}*`);
    assert.equal(keys.length, 1);
    const [key = ""] = keys;
    assert.match(key, new RegExp(`^${prefix}spent:[0-9a-f]{64}$`));
    assert.equal(await inspect.get(key), "1");
    assert.ok(!key.includes(canary));
    for (const form of [Buffer.from(bytes).toString("hex"), Buffer.from(bytes).toString("base64url")]) assert.ok(!key.includes(form.slice(0, 32)));
  } finally {
    await Promise.all([a.service.stop(), b.service.stop()]);
    const leftovers = await inspect.keys(`${prefix}*`);
    if (leftovers.length > 0) await inspect.del(...leftovers);
    inspect.disconnect();
  }
});
