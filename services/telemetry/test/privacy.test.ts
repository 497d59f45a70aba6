/**
 * The privacy contract (docs/design.md): telemetry may see "schema-checked, bucketed events, token";
 * never "IP, account, device, free text". Unique canaries go in every place a client could put
 * them (identifier fields, free text in enum fields, unknown type names, undeclared keys, raw
 * numbers, the token itself) on the REAL Redis; then the log lines (debug level), /metrics, every
 * answer, and every Redis key and value under the run's prefix are searched for each of them.
 * Redis may hold only the spent-token hashes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { decodeToken } from "@oblivious/privacypass";
import { spentTokenKey } from "@oblivious/token-gate";
import { type MintedToken, SHARED_REDIS_URL, textForms } from "@oblivious/test-kit";
import { sharedRedis, startTestTelemetry } from "./helpers.js";

test("privacy: canary device id, account id, free text, raw numbers and tokens appear in no log, metric, answer or Redis entry", async () => {
  const run = randomBytes(4).toString("hex");
  const prefix = `telemetry-test-${run}:`;
  const canary = (what: string) => `canary${what}${run}`;
  const device = canary("device");
  const account = canary("account");
  const freeText = canary("freetext");
  const typeName = canary("type");
  const keyName = canary("key");
  const nested = canary("nested");
  const longText = `${canary("long")} ${"z".repeat(200)}`;
  // Raw measurements: only their bucket may be kept.
  const rawLatency = 1234.56789;
  const rawVersion = 97_531;

  const inspect = await sharedRedis();
  const t = await startTestTelemetry({ REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix });
  const tokens: MintedToken[] = [];
  const post = async (batch: unknown, contentType?: string) => {
    const token = await t.token();
    tokens.push(token);
    return t.post(JSON.stringify(batch), { authorization: token.header, ...(contentType === undefined ? {} : { contentType }) });
  };
  try {
    const good = await post({
      device_id: device,
      account_id: account,
      events: [
        { type: "app.start", platform: "ios", version_major: 7, device_id: device, account_id: account, [keyName]: freeText },
        { type: "ohttp.call", feature: "sticker_search", status_class: freeText, latency_ms: 5 },
        { type: "ohttp.call", feature: "telemetry", status_class: "2xx", latency_ms: rawLatency, retries: { device } },
        { type: typeName, device_id: device },
        { type: "app.start", platform: "android", version_major: rawVersion },
        { type: "sticker_search.result", outcome: "results", latency_ms: 10, query: freeText, user: { id: nested } },
      ],
    });
    assert.equal(good.status, 200);
    assert.equal(good.json()["accepted"], 3);
    assert.equal((await post({ events: [{ type: "app.start", note: longText }] })).status, 422);
    assert.equal((await post({ events: [{ type: "app.start", device_id: device }] }, "text/plain")).status, 415);
    assert.equal((await post([device, account])).status, 422);
    assert.equal((await post({ events: device })).status, 422);
    // A spent token, replayed: refused, and still nowhere but as a hash.
    const first = tokens[0];
    assert.ok(first);
    assert.equal((await t.post(JSON.stringify({ events: [{ type: "app.start", device_id: device }] }), { authorization: first.header })).status, 401);

    const secrets: { name: string; forms: string[] }[] = [
      ...[device, account, freeText, typeName, keyName, nested, canary("long")].map((c) => ({ name: c, forms: [c] })),
      { name: "raw latency", forms: [String(rawLatency), "1234.5"] },
      { name: "raw version", forms: [String(rawVersion)] },
    ];
    for (const [i, m] of tokens.entries()) {
      const token = decodeToken(m.bytes);
      secrets.push({ name: `token ${i}`, forms: [...textForms(m.bytes), m.header.replace(/^PrivateToken token=/, "").replace(/"/g, "")] });
      secrets.push({ name: `nonce ${i}`, forms: textForms(token.nonce) });
      secrets.push({ name: `authenticator ${i}`, forms: textForms(token.authenticator) });
    }

    // Redis: exactly one hash per spent token, under the prefix; values hold nothing.
    const stored = (await inspect.keys(`${prefix}*`)).sort();
    const hashes = tokens.map((m) => {
      const token = decodeToken(m.bytes);
      return Buffer.from(spentTokenKey(token.tokenKeyId, token.nonce)).toString("hex");
    });
    assert.deepEqual(stored, hashes.map((h) => `${prefix}spent:${h}`).sort());
    const redisText: string[] = [];
    for (const key of stored) {
      assert.equal(await inspect.get(key), "1");
      redisText.push(key, "1");
    }

    await t.stop();
    const logs = t.out.text;
    assert.ok(t.out.events("events.batch").length >= 5, "debug lines were written, and searched");
    assert.ok(t.out.events("token_gate.checked").length >= 6);
    const places: [string, string][] = [
      ["logs", logs],
      ["metrics", await t.service.registry.metrics()],
      ["answers", t.answers.join("\n")],
      ["redis", redisText.join("\n")],
    ];
    for (const [where, text] of places) {
      for (const s of secrets) for (const f of s.forms) assert.ok(!text.includes(f), `${s.name} found in ${where}`);
      assert.ok(!text.includes("PrivateToken"), `an Authorization header in ${where}`);
      assert.ok(!/canary/.test(text), `a canary in ${where}`);
    }
    // The hashes live as Redis keys only: not in logs, metrics or answers.
    for (const [where, text] of places.slice(0, 3)) for (const h of hashes) assert.ok(!text.includes(h), `a spent hash in ${where}`);
  } finally {
    await t.stop();
    const leftovers = await inspect.keys(`${prefix}*`);
    if (leftovers.length > 0) await inspect.del(...leftovers);
    inspect.disconnect();
  }
});
