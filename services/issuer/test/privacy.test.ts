/**
 * The privacy contract (docs/design.md): the issuer sees the device credential and blinded messages,
 * and records neither; it stores only keyed pseudonyms of device ids, with expiry. A canary
 * device id goes through every path (issued, batched, over quota, refused) and must then appear
 * in no log line, no /metrics text, and no Redis key or value; nor may the credential, the
 * pseudonym, a blinded message or a signature.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { MediaType, TokenType, encodeTokenRequest } from "@oblivious/privacypass";
import { SHARED_REDIS_URL } from "@oblivious/test-kit";
import { issuerEvents } from "../src/events.js";
import { createPseudonyms, parsePseudonymKey } from "../src/pseudonym.js";
import { readFileSync } from "node:fs";
import { bearer, clientKey, fetchDirectory, fixture, issueBatch, metricsText, post, startTestIssuer, testKey } from "./helpers.js";

const CANARY = "canary-device-7f3a9c1e5b";

test("privacy: a canary device id reaches no log line, no metric and no Redis key or value", async () => {
  const fx = await fixture();
  const prefix = `issuer-privacy-${randomBytes(6).toString("hex")}:`;
  const t = await startTestIssuer(fx, { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix, ISSUER_QUOTA: "4" });
  const inspect = new Redis(SHARED_REDIS_URL);
  const secrets: string[] = [CANARY];
  try {
    const credential = await t.credential(CANARY);
    secrets.push(credential, credential.split(".")[2] ?? "");
    secrets.push(createPseudonyms(parsePseudonymKey(readFileSync(fx.pseudonymKeyFile, "utf8"))).of(CANARY));
    const auth = bearer(credential);
    const m = randomBytes(256);
    m[0] = 0;
    const blinded = new Uint8Array(m);
    secrets.push(Buffer.from(blinded).toString("hex").slice(0, 32), Buffer.from(blinded).toString("base64").slice(0, 32));
    const single = await post(t.url, MediaType.TokenRequest, encodeTokenRequest({ tokenType: TokenType.BlindRsa2048, truncatedTokenKeyId: testKey("a").truncatedTokenKeyId, blindedMsg: blinded }), auth);
    assert.equal(single.status, 200);
    secrets.push(Buffer.from(single.body).toString("hex").slice(0, 32), Buffer.from(single.body).toString("base64").slice(0, 32));

    const tokenKey = clientKey(await fetchDirectory(t.url), fx.clock.now);
    assert.equal((await issueBatch(t.url, credential, tokenKey, 3)).answer.status, 200);
    assert.equal((await issueBatch(t.url, credential, tokenKey, 2)).answer.status, 429);
    assert.equal((await post(t.url, "text/plain", new Uint8Array(1), auth)).status, 415);
    assert.equal((await post(t.url, MediaType.TokenRequest, new Uint8Array([0, 2]), auth)).status, 400);
    const expired = await t.credential(CANARY, -600);
    secrets.push(expired.split(".")[2] ?? "");
    assert.equal((await post(t.url, MediaType.TokenRequest, new Uint8Array(259), bearer(expired))).status, 401);
    await post(t.url, MediaType.TokenRequest, new Uint8Array(259), { authorization: `Bearer ${CANARY}` });
    await fetch(`${t.url}/${CANARY}`);
    await fetch(`${t.url}/token-request?device=${CANARY}`, { method: "GET", headers: { "x-device": CANARY } });

    const logs = t.logs.text;
    const metrics = await metricsText(t.issuer);
    const stored: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await inspect.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      for (const key of keys) stored.push(key, (await inspect.get(key)) ?? "");
    } while (cursor !== "0");
    assert.ok(stored.length >= 2, "the counter is there");
    for (const secret of secrets) {
      assert.ok(secret.length >= 16);
      assert.equal(logs.includes(secret), false, "log lines");
      assert.equal(metrics.includes(secret), false, "metrics");
      for (const s of stored.slice(1)) assert.equal(s.includes(secret), false, "redis values");
    }
    for (const key of stored.filter((_, i) => i % 2 === 0)) {
      assert.equal(key.includes(CANARY), false, "redis keys");
      assert.match(key, new RegExp(`^${prefix}quota:[A-Za-z0-9_-]{43}$`));
    }
    for (const value of stored.filter((_, i) => i % 2 === 1)) assert.match(value, /^\d+$/, "values are counts");

    // Every log line is a declared event with declared fields only; nothing was dropped.
    for (const record of t.logs.records) {
      const spec = (issuerEvents as Record<string, { fields: Record<string, unknown> }>)[String(record["event"])];
      assert.ok(spec, String(record["event"]));
      for (const name of Object.keys(record)) assert.ok(["level", "time", "service", "event"].includes(name) || name in spec.fields, name);
    }
    assert.match(metrics, /issuer_log_dropped_total\{reason="undeclared_field"\} 0/);
  } finally {
    await t.stop();
    const keys = await inspect.keys(`${prefix}*`);
    if (keys.length > 0) await inspect.del(...keys);
    inspect.disconnect();
  }
});
