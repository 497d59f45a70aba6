/**
 * Property tests: whatever bytes arrive, the gateway answers a 4xx (or, for bytes that decrypt,
 * an encapsulated answer that is not a 5xx of its own), never a 5xx and never a crash.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { MediaType, encapsulateRequest } from "@oblivious/ohttp";
import { OHTTP_KEY_PROBLEM_TYPE } from "../src/errors.js";
import { exchangeBytes, fetchKeyConfigs, oneKeyFile, send, startTarget, startTestGateway, tempDir } from "./helpers.js";

test("property: random bytes POSTed give 400 (malformed or the uniform key answer), never 5xx", async () => {
  const target = await startTarget();
  const keys = oneKeyFile(tempDir(), 1);
  const t = await startTestGateway({ GATEWAY_KEYS_FILE: keys.path, GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}` });
  try {
    const [config] = await fetchKeyConfigs(t.gw.url);
    assert.ok(config);
    const header = Uint8Array.of(1, 0, 0x20, 0, 1, 0, 1);
    const inputs = fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      // A real header (key 1, X25519, HKDF-SHA256, AES-128-GCM) with random enc and ciphertext.
      fc.uint8Array({ minLength: 0, maxLength: 120 }).map((tail) => Uint8Array.from([...header, ...tail])),
      // A real encapsulated request with one byte changed.
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, flip]) => {
        const good = encapsulateRequest(config, Uint8Array.of(0, 3, 71, 69, 84, 5, 104, 116, 116, 112, 115, 0, 1, 47, 0, 0, 0));
        const bytes = Uint8Array.from(good.encapsulatedRequest);
        const i = at % bytes.length;
        bytes[i] = (bytes[i] ?? 0) ^ flip;
        return bytes;
      }),
    );
    await fc.assert(
      fc.asyncProperty(inputs, async (bytes) => {
        const a = await send(`${t.gw.url}/gateway`, { method: "POST", headers: { "content-type": MediaType.OhttpRequest }, body: bytes });
        assert.equal(a.status, 400);
        const type = (JSON.parse(a.body.toString()) as { type: string }).type;
        assert.ok(type === OHTTP_KEY_PROBLEM_TYPE || type === "tag:oblivious-services,2026:problem/ohttp-malformed", type);
      }),
      { numRuns: 300 },
    );
    assert.equal(target.received.length, 0);
    assert.equal((await send(`${t.gw.adminUrl}/healthz`)).status, 200);
  } finally {
    await t.stop();
    await target.close();
  }
});

test("property: random bytes that decrypt give an encapsulated 4xx, never a gateway 5xx", async () => {
  const target = await startTarget();
  const keys = oneKeyFile(tempDir(), 1);
  const t = await startTestGateway({ GATEWAY_KEYS_FILE: keys.path, GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}` });
  try {
    const [config] = await fetchKeyConfigs(t.gw.url);
    assert.ok(config);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const ex = await exchangeBytes(t.gw.url, config, bytes);
        assert.equal(ex.status, 200);
        const status = ex.inner?.status ?? 0;
        assert.ok(status >= 400 && status < 500, `inner ${status}`);
      }),
      { numRuns: 300 },
    );
    assert.equal(target.received.length, 0);
  } finally {
    await t.stop();
    await target.close();
  }
});
