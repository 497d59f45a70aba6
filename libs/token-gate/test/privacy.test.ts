/**
 * The privacy contract (docs/design.md): Redis holds spent-token hashes only, never a raw token; no log
 * line and no metric carries a token, a nonce, a spent hash or the Authorization header; the
 * handler never sees Authorization. Genuine tokens go through every kind of answer on the REAL
 * Redis, then everything the gate left behind is searched for each secret in every spelling.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import request from "supertest";
import { encodeToken, formatAuthorization } from "@oblivious/privacypass";
import { createRedis } from "@oblivious/service-kit";
import { makeIssuer, mintToken, redisConnected, SHARED_REDIS_URL, textForms } from "@oblivious/test-kit";
import { RedisSpentTokenStore, StaticKeySource, spentTokenKey } from "../src/index.js";
import { gatedApp, originChallenge } from "./helpers.js";

test("privacy: no token, nonce, spent hash or Authorization in Redis values, logs or /metrics; hashes only as Redis keys", async () => {
  const issuer = makeIssuer();
  const prefix = `token-gate-test-${randomBytes(6).toString("hex")}:`;
  const redis = createRedis({ url: SHARED_REDIS_URL, keyPrefix: prefix });
  const inspect = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
  const t = gatedApp({ keys: new StaticKeySource([issuer.spki]), store: new RedisSpentTokenStore(redis) });
  try {
    await Promise.all([redisConnected(redis), redisConnected(inspect)]);
    const minted = await Promise.all([1, 2, 3].map(() => mintToken(issuer, originChallenge())));
    const wrongChallenge = await mintToken(issuer, originChallenge({ originInfo: ["elsewhere.internal"] }));
    const [first, second, third] = minted;
    assert.ok(first && second && third);
    const forged = { ...third.token, authenticator: new Uint8Array(randomBytes(256)) };
    const headers = [
      ...minted.map((m) => m.header),
      first.header, // spent
      wrongChallenge.header,
      formatAuthorization(encodeToken(forged)),
      formatAuthorization(second.bytes.subarray(0, 200)),
    ];
    for (const header of headers) await request(t.app).post("/v1/search").set("authorization", header).send({ q: "x" });
    assert.equal(t.seen.length, 3);
    for (const seen of t.seen) {
      assert.equal(seen.authorization, undefined);
      assert.ok(!seen.rawHeaders.some((h) => h.includes("PrivateToken")));
    }

    const secrets: { name: string; forms: string[]; raw: Uint8Array }[] = [];
    for (const [i, m] of [...minted, wrongChallenge].entries()) {
      secrets.push({ name: `token ${i}`, forms: textForms(m.bytes), raw: m.bytes });
      secrets.push({ name: `nonce ${i}`, forms: textForms(m.token.nonce), raw: m.token.nonce });
      secrets.push({ name: `authenticator ${i}`, forms: textForms(m.token.authenticator), raw: m.token.authenticator });
      secrets.push({ name: `authorization ${i}`, forms: [m.header, m.header.replace(/^PrivateToken token=/, "")], raw: new Uint8Array(Buffer.from(m.header)) });
    }
    const hashes = minted.map((m) => spentTokenKey(m.token.tokenKeyId, m.token.nonce));

    // Redis: keys are hashes under the prefix; values hold nothing.
    const stored = await inspect.keys(`${prefix}*`);
    assert.equal(stored.length, 3, "three tokens spent, three hashes");
    assert.deepEqual(stored.sort(), hashes.map((h) => `${prefix}spent:${Buffer.from(h).toString("hex")}`).sort());
    for (const name of stored) {
      const value = (await inspect.getBuffer(name)) ?? Buffer.alloc(0);
      assert.deepEqual(value, Buffer.from("1"));
      for (const s of secrets) {
        assert.ok(!s.forms.some((f) => name.includes(f)), `${s.name} in a Redis key`);
        assert.equal(Buffer.from(name).indexOf(Buffer.from(s.raw)), -1, `${s.name} bytes in a Redis key`);
      }
    }

    // Logs and metrics: not a token, nonce, hash or header, in any spelling.
    const logs = t.out.text;
    const metrics = await t.registry.metrics();
    assert.ok(t.out.lines.length >= headers.length, "every check was logged");
    for (const [where, text] of [["log", logs], ["metrics", metrics]] as const) {
      for (const s of secrets) for (const f of s.forms) assert.ok(!text.includes(f), `${s.name} in ${where}`);
      for (const h of hashes) for (const f of textForms(h)) assert.ok(!text.includes(f), `a spent hash in ${where}`);
      assert.ok(!text.includes("PrivateToken"), `a header in ${where}`);
    }
  } finally {
    const leftovers = await inspect.keys(`${prefix}*`);
    if (leftovers.length > 0) await inspect.del(...leftovers);
    inspect.disconnect();
    redis.disconnect();
  }
});
