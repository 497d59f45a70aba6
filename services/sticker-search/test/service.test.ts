/**
 * The service over HTTP on loopback, embedded engine, tokens from a real issuer key: the gate,
 * answers and their padding, every refusal as problem+json, fuzzed bodies, and privacy canaries.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { mintToken } from "@oblivious/test-kit";
import { StickerSearchProblems } from "../src/errors.js";
import { bucketSize, MIN_BUCKET } from "../src/padding.js";
import { CHALLENGE, startTestService, type TestService } from "./helpers.js";

const PROBLEM = "application/problem+json";

describe("sticker-search service (embedded engine)", () => {
  let t: TestService;
  before(async () => {
    t = await startTestService();
  });
  after(() => t.service.stop());

  test("no token → 401 with a PrivateToken challenge for this origin", async () => {
    const res = await t.search({ q: "cat", locale: "en" }, { token: null });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("content-type"), PROBLEM);
    assert.match(res.headers.get("www-authenticate") ?? "", /^PrivateToken challenge="[A-Za-z0-9_-]+=*", token-key="[A-Za-z0-9_-]+=*", max-age=3600$/);
    assert.equal(((await res.json()) as { status: number }).status, 401);
  });

  test("a valid token → ranked results; the same token again → refused as spent", async () => {
    const { header } = await mintToken(t.issuer, CHALLENGE);
    const first = await t.search({ q: "Katze", locale: "de", limit: 5 }, { token: header });
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("content-type"), "application/json");
    assert.equal(first.headers.get("cache-control"), "no-store");
    const body = (await first.json()) as { hits: { id: string; emoji: string; pack: string; keywords: string[] }[]; total: number; offset: number; limit: number };
    assert.equal(body.offset, 0);
    assert.equal(body.limit, 5);
    assert.ok(body.total >= 5);
    assert.equal(body.hits.length, 5);
    assert.ok(body.hits.slice(0, 3).some((h) => h.id === "1f408" || h.id === "1f431"));
    assert.ok(body.hits.every((h) => h.keywords.some((k) => k.includes("katze"))));
    const again = await t.search({ q: "Katze", locale: "de" }, { token: header });
    assert.equal(again.status, 401);
    assert.equal(((await again.json()) as { type: string }).type, "tag:oblivious-services,2026:problem/spent-token");
  });

  test("default locale and limit; pack filter and offset over HTTP", async () => {
    const res = await t.search({ q: "cat" });
    const body = (await res.json()) as { hits: { pack: string }[]; limit: number };
    assert.equal(res.status, 200);
    assert.equal(body.limit, 20);
    const packed = (await (await t.search({ q: "cat", locale: "en", pack: "smileys-emotion", offset: 2, limit: 3 })).json()) as { hits: { pack: string }[]; offset: number };
    assert.equal(packed.offset, 2);
    assert.equal(packed.hits.length, 3);
    assert.ok(packed.hits.every((h) => h.pack === "smileys-emotion"));
  });

  const refusals: { name: string; body?: unknown; raw?: string; contentType?: string; status: number; type: string }[] = [
    { name: "wrong content type", body: { q: "cat" }, contentType: "text/plain", status: 415, type: "about:blank" },
    { name: "form content type", raw: "q=cat", contentType: "application/x-www-form-urlencoded", status: 415, type: "about:blank" },
    { name: "bad JSON", raw: '{"q": "cat"', status: 400, type: StickerSearchProblems.malformedJson.type },
    { name: "not an object", body: ["cat"], status: 422, type: StickerSearchProblems.invalidRequest.type },
    { name: "unknown field", body: { q: "cat", device: "x" }, status: 422, type: StickerSearchProblems.invalidRequest.type },
    { name: "missing q", body: { locale: "en" }, status: 422, type: StickerSearchProblems.invalidQuery.type },
    { name: "empty q", body: { q: "   " }, status: 422, type: StickerSearchProblems.invalidQuery.type },
    { name: "q too long", body: { q: "a".repeat(129) }, status: 422, type: StickerSearchProblems.invalidQuery.type },
    { name: "q with a lone surrogate", raw: '{"q":"\\ud800cat"}', status: 422, type: StickerSearchProblems.invalidQuery.type },
    { name: "q not a string", body: { q: 7 }, status: 422, type: StickerSearchProblems.invalidQuery.type },
    { name: "limit 0", body: { q: "cat", limit: 0 }, status: 422, type: StickerSearchProblems.invalidPaging.type },
    { name: "limit 51", body: { q: "cat", limit: 51 }, status: 422, type: StickerSearchProblems.invalidPaging.type },
    { name: "limit fractional", body: { q: "cat", limit: 2.5 }, status: 422, type: StickerSearchProblems.invalidPaging.type },
    { name: "offset negative", body: { q: "cat", offset: -1 }, status: 422, type: StickerSearchProblems.invalidPaging.type },
    { name: "offset beyond the window", body: { q: "cat", offset: 990, limit: 20 }, status: 422, type: StickerSearchProblems.invalidPaging.type },
    { name: "unknown locale", body: { q: "cat", locale: "xx" }, status: 422, type: StickerSearchProblems.unknownLocale.type },
    { name: "unknown pack", body: { q: "cat", pack: "nope" }, status: 422, type: StickerSearchProblems.unknownPack.type },
    { name: "oversized body", raw: JSON.stringify({ q: "cat", pad: "x".repeat(5000) }), status: 413, type: "about:blank" },
  ];
  for (const r of refusals) {
    test(`refused: ${r.name} → ${r.status} problem+json`, async () => {
      const res = await t.search(r.body, { ...(r.raw === undefined ? {} : { raw: r.raw }), ...(r.contentType === undefined ? {} : { contentType: r.contentType }) });
      assert.equal(res.status, r.status);
      assert.equal(res.headers.get("content-type"), PROBLEM);
      const problem = (await res.json()) as { type: string; status: number; title: string };
      assert.equal(problem.type, r.type);
      assert.equal(problem.status, r.status);
    });
  }

  test("other methods → 405 with Allow; other paths → 404", async () => {
    const get = await fetch(`${t.service.url}/v1/search`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST");
    assert.equal((await fetch(`${t.service.url}/nope`)).status, 404);
  });

  test("answer sizes fall on the bucket sizes (powers of two from 1 KiB)", async () => {
    const sizes = new Set<number>();
    for (const [q, limit] of [["cat", 1], ["face", 50], ["xqzvwpt", 10], ["猫", 7], ["heart", 20]] as const) {
      const res = await t.search({ q, locale: q === "猫" ? "ja" : "en", limit });
      assert.equal(res.status, 200);
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.equal(bytes.length, bucketSize(bytes.length));
      assert.ok(bytes.length >= MIN_BUCKET && (bytes.length & (bytes.length - 1)) === 0);
      JSON.parse(bytes.toString("utf8"));
      sizes.add(bytes.length);
    }
    assert.ok(sizes.size < 5, "different queries share a size");
  });

  test("fuzzed bodies never give a 5xx", async () => {
    const value = fc.oneof(
      fc.record({ q: fc.oneof(fc.string({ maxLength: 140 }), fc.string({ unit: "grapheme", maxLength: 40 }), fc.integer()), locale: fc.constantFrom("en", "de", "ja", "xx", 3), limit: fc.oneof(fc.integer({ min: -5, max: 60 }), fc.double()), offset: fc.integer({ min: -2, max: 1200 }), pack: fc.constantFrom("flags", "nope", undefined) }, { requiredKeys: [] }),
      fc.jsonValue(),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(value.map((v) => JSON.stringify(v) ?? "null"), fc.string({ maxLength: 64 })), async (raw) => {
        const res = await t.search(undefined, { raw });
        await res.arrayBuffer();
        assert.ok(res.status < 500, `status ${res.status}`);
        assert.ok([200, 400, 413, 422].includes(res.status), `status ${res.status}`);
      }),
      { numRuns: 150 },
    );
  });

  test("privacy: a canary query and a canary token appear in no log line and no /metrics output", async () => {
    const canary = `canary${randomBytes(6).toString("hex")}`;
    assert.equal((await t.search({ q: `${canary} cat`, locale: "en" })).status, 200);
    assert.equal((await t.search({ q: canary, locale: "de", pack: "flags" })).status, 200);
    assert.equal((await t.search({ q: canary, locale: "zz" })).status, 422);
    const fakeToken = `PrivateToken token="${randomBytes(40).toString("base64url")}"`;
    await t.search({ q: canary }, { token: fakeToken });
    const { header, bytes } = await mintToken(t.issuer, CHALLENGE);
    await t.search({ q: canary }, { token: header });
    const metrics = await t.metrics();
    const logs = t.out.text;
    assert.ok(logs.includes('"event":"search.served"'), "searches were logged");
    for (const secret of [canary, fakeToken.slice(20, 60), header.slice(20, 60), Buffer.from(bytes).toString("base64url").slice(10, 50), Buffer.from(bytes).toString("hex").slice(0, 40)]) {
      assert.ok(!logs.includes(secret), "not in the logs");
      assert.ok(!metrics.includes(secret), "not in /metrics");
    }
    assert.match(metrics, /sticker_search_requests_total\{outcome="ok"\} [1-9]/);
    assert.match(metrics, /token_gate_requests_total\{outcome="accepted"\} [1-9]/);
  });

  test("readiness and health on the admin port", async () => {
    assert.equal((await fetch(`${t.service.adminUrl}/readyz`)).status, 200);
    assert.equal((await fetch(`${t.service.adminUrl}/healthz`)).status, 200);
  });
});
