/**
 * The gate's answers, one outcome at a time, on an express app driven by supertest, with genuine
 * tokens from a real RSA-2048 key made here. Every 401 carries challenges that both our parser and
 * @cloudflare/privacypass-ts's parse.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, request as httpRequest } from "node:http";
import { randomBytes } from "node:crypto";
import request from "supertest";
import { WWWAuthenticateHeader } from "@cloudflare/privacypass-ts";
import {
  PrivacyPassError,
  TokenType,
  challengeDigest,
  decodeTokenChallenge,
  encodeToken,
  formatAuthorization,
  parseWwwAuthenticate,
} from "@oblivious/privacypass";
import { closeServer, listen, makeIssuer, mintToken } from "@oblivious/test-kit";
import { MemorySpentTokenStore, StaticKeySource, TokenGateProblems, createTokenGate, type SpentTokenStore } from "../src/index.js";
import { StoreError, StoreErrorCode } from "@oblivious/service-kit";
import { tokenKeyFromSpki } from "../src/token-key.js";
import { ISSUER_NAME, ORIGIN, gatedApp, originChallenge } from "./helpers.js";
import { Registry } from "prom-client";

const issuer = makeIssuer();
const nextIssuer = makeIssuer();
const stranger = makeIssuer();

/** A store that counts spends, to show which outcomes never reach it. */
class CountingStore implements SpentTokenStore {
  readonly inner = new MemorySpentTokenStore();
  spends: { key: Uint8Array; ttlMs: number }[] = [];
  async spend(key: Uint8Array, ttlMs: number): Promise<boolean> {
    this.spends.push({ key, ttlMs });
    return this.inner.spend(key, ttlMs);
  }
  ready(): boolean {
    return true;
  }
}

function setup(options: { keys?: StaticKeySource; store?: SpentTokenStore; now?: () => number } = {}) {
  const store = options.store ?? new CountingStore();
  const keys = options.keys ?? new StaticKeySource([issuer.spki, nextIssuer.spki]);
  return { store, ...gatedApp({ keys, store, ...(options.now === undefined ? {} : { now: options.now }) }) };
}

function problemOf(res: request.Response): Record<string, unknown> {
  assert.equal(res.headers["content-type"], "application/problem+json");
  return JSON.parse(res.text) as Record<string, unknown>;
}

/** Checks a 401's challenges with both parsers: one per live key, all for this origin. */
function assertChallenges(header: string | undefined, spkis: readonly Uint8Array[], maxAge = 3600): void {
  assert.ok(header !== undefined, "a 401 carries WWW-Authenticate");
  const ours = parseWwwAuthenticate(header);
  assert.equal(ours.length, spkis.length, "one challenge per live key");
  const expected = originChallenge();
  for (const [i, entry] of ours.entries()) {
    assert.deepEqual(Buffer.from(entry.challenge), Buffer.from(expected));
    assert.deepEqual(Buffer.from(entry.tokenKey), Buffer.from(spkis[i] ?? []));
    assert.equal(entry.maxAge, maxAge);
  }
  const challenge = decodeTokenChallenge(expected);
  assert.equal(challenge.issuerName, ISSUER_NAME);
  assert.equal(challenge.redemptionContext.length, 0);
  assert.deepEqual(challenge.originInfo, [ORIGIN]);
  // RFC 9577 §2.1: padded base64url.
  for (const m of header.matchAll(/(?:challenge|token-key)="([^"]*)"/g)) assert.equal((m[1] ?? "").length % 4, 0, "padded base64url");

  const theirs = WWWAuthenticateHeader.parse(header);
  assert.equal(theirs.length, spkis.length, "privacypass-ts sees every challenge");
  for (const [i, entry] of theirs.entries()) {
    assert.equal(entry.challenge.tokenType, TokenType.BlindRsa2048);
    assert.equal(entry.challenge.issuerName, ISSUER_NAME);
    assert.deepEqual(entry.challenge.originInfo, [ORIGIN]);
    assert.deepEqual(Buffer.from(entry.challenge.serialize()), Buffer.from(expected));
    assert.deepEqual(Buffer.from(entry.tokenKey), Buffer.from(spkis[i] ?? []));
    assert.equal(entry.maxAge, maxAge);
  }
}

const invalid = { ...TokenGateProblems.invalidToken };

test("accepted: a genuine token reaches the handler, which sees no Authorization and learns nothing about it", async () => {
  const t = setup();
  const { header } = await mintToken(issuer, originChallenge());
  const res = await request(t.app).post("/v1/search").set("authorization", header).send({ q: "cat" });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { results: [] });
  assert.equal(t.seen.length, 1);
  assert.equal(t.seen[0]?.authorization, undefined);
  assert.ok(!(t.seen[0]?.rawHeaders ?? []).some((h) => h.toLowerCase() === "authorization" || h.includes("PrivateToken")));
  assert.deepEqual(t.seen[0]?.locals, { verified: true }, "no key id, nonce or hash reaches the backend");
  assert.equal(t.store instanceof CountingStore && t.store.spends.length, 1);
  assert.equal(t.gate.ready(), true);
});

test("accepted: a token for the next key (the second challenge) is accepted too", async () => {
  const t = setup();
  const { header } = await mintToken(nextIssuer, originChallenge());
  assert.equal((await request(t.app).post("/v1/search").set("authorization", header)).status, 200);
});

test("missing: no Authorization → 401 token-required with one PrivateToken challenge per live key", async () => {
  const t = setup();
  const res = await request(t.app).post("/v1/search").send({ q: "cat" });
  assert.equal(res.status, 401);
  assert.deepEqual(problemOf(res), { ...TokenGateProblems.tokenRequired });
  assert.equal(res.headers["cache-control"], "no-store");
  assertChallenges(res.headers["www-authenticate"], [issuer.spki, nextIssuer.spki]);
  assert.equal(t.seen.length, 0);
});

test("missing: another scheme (Bearer) counts as no token → 401 with challenges", async () => {
  const t = setup();
  const res = await request(t.app).post("/v1/search").set("authorization", "Bearer abc");
  assert.equal(res.status, 401);
  assert.deepEqual(problemOf(res), { ...TokenGateProblems.tokenRequired });
  assertChallenges(res.headers["www-authenticate"], [issuer.spki, nextIssuer.spki]);
});

test("malformed: bad base64url, a truncated token, trailing bytes, duplicate headers → 400 problem, no challenge", async () => {
  const t = setup();
  const { bytes } = await mintToken(issuer, originChallenge());
  const cases = [
    'PrivateToken token="!!!not-base64!!!"',
    "PrivateToken nothing=here",
    formatAuthorization(bytes.subarray(0, bytes.length - 1)),
    formatAuthorization(Uint8Array.from([...bytes, 0])),
    formatAuthorization(bytes.subarray(0, 1)),
  ];
  for (const header of cases) {
    const res = await request(t.app).post("/v1/search").set("authorization", header);
    assert.equal(res.status, 400, header.slice(0, 40));
    assert.deepEqual(problemOf(res), { ...TokenGateProblems.malformedAuthorization });
    assert.equal(res.headers["www-authenticate"], undefined);
  }
  // Two Authorization headers (RFC 9110 §11.6.2 allows one): node keeps the first, the gate refuses both.
  const server = createServer(t.app);
  const url = await listen(server);
  const good = await mintToken(issuer, originChallenge());
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${url}/v1/search`, { method: "POST", headers: ["authorization", good.header, "authorization", "Bearer x"] }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(status, 400);
  } finally {
    await closeServer(server);
  }
  assert.equal(t.seen.length, 0);
  assert.equal(t.store instanceof CountingStore && t.store.spends.length, 0, "nothing malformed reaches the store");
});

test("bad_type: an unknown or greased token type → 401 invalid-token with fresh challenges (RFC 9577 §2.2)", async () => {
  const t = setup();
  const { bytes } = await mintToken(issuer, originChallenge());
  for (const type of [0x0001, 0x02aa, 0xda7a]) {
    const other = Uint8Array.from(bytes);
    other[0] = type >> 8;
    other[1] = type & 0xff;
    const res = await request(t.app).post("/v1/search").set("authorization", formatAuthorization(other));
    assert.equal(res.status, 401);
    assert.deepEqual(problemOf(res), invalid);
    assertChallenges(res.headers["www-authenticate"], [issuer.spki, nextIssuer.spki]);
  }
  // A greased token "filled with random bytes" of any length is the same answer, not a 400.
  const greased = Uint8Array.from([0x2e, 0x96, ...randomBytes(40)]);
  assert.equal((await request(t.app).post("/v1/search").set("authorization", formatAuthorization(greased))).status, 401);
});

test("unknown_key: a token under a key the issuer directory does not list → 401 invalid-token", async () => {
  const t = setup();
  const { header } = await mintToken(stranger, originChallenge());
  const res = await request(t.app).post("/v1/search").set("authorization", header);
  assert.equal(res.status, 401);
  assert.deepEqual(problemOf(res), invalid);
  assertChallenges(res.headers["www-authenticate"], [issuer.spki, nextIssuer.spki]);
  assert.equal(t.store instanceof CountingStore && t.store.spends.length, 0);
});

test("unknown_key: a key past its notAfterMs is no longer live or challenged", async () => {
  let now = 1_000_000;
  const keys = new StaticKeySource([tokenKeyFromSpki(issuer.spki, 2_000_000), nextIssuer.spki]);
  const t = setup({ keys, now: () => now });
  const first = await mintToken(issuer, originChallenge());
  const second = await mintToken(issuer, originChallenge());
  assert.equal((await request(t.app).post("/v1/search").set("authorization", first.header)).status, 200);
  now = 2_000_000;
  const res = await request(t.app).post("/v1/search").set("authorization", second.header);
  assert.equal(res.status, 401);
  assertChallenges(res.headers["www-authenticate"], [nextIssuer.spki]);
});

test("bad_challenge: a token for another origin's challenge → 401 invalid-token", async () => {
  const t = setup();
  for (const challenge of [originChallenge({ originInfo: ["telemetry.internal"] }), originChallenge({ issuerName: "other.example" }), originChallenge({ originInfo: [] })]) {
    const { header } = await mintToken(issuer, challenge);
    const res = await request(t.app).post("/v1/search").set("authorization", header);
    assert.equal(res.status, 401);
    assert.deepEqual(problemOf(res), invalid);
    assertChallenges(res.headers["www-authenticate"], [issuer.spki, nextIssuer.spki]);
  }
  assert.equal(t.store instanceof CountingStore && t.store.spends.length, 0);
});

test("bad_signature: a flipped authenticator bit, or a forged nonce → 401 invalid-token, and the store is never touched", async () => {
  const t = setup();
  const { token } = await mintToken(issuer, originChallenge());
  const flipped = Uint8Array.from(token.authenticator);
  flipped[100] = (flipped[100] ?? 0) ^ 1;
  const forgedNonce = { ...token, nonce: new Uint8Array(randomBytes(32)) };
  for (const forged of [{ ...token, authenticator: flipped }, forgedNonce, { ...token, authenticator: new Uint8Array(256) }]) {
    const res = await request(t.app).post("/v1/search").set("authorization", formatAuthorization(encodeToken(forged)));
    assert.equal(res.status, 401);
    assert.deepEqual(problemOf(res), invalid);
    assertChallenges(res.headers["www-authenticate"], [issuer.spki, nextIssuer.spki]);
  }
  assert.equal(t.store instanceof CountingStore && t.store.spends.length, 0, "only verified tokens are spent: junk cannot fill the store");
});

test("spent: the same token twice → 200 then 401 spent-token with fresh challenges", async () => {
  const t = setup();
  const { header } = await mintToken(issuer, originChallenge());
  assert.equal((await request(t.app).post("/v1/search").set("authorization", header)).status, 200);
  const res = await request(t.app).post("/v1/search").set("authorization", header);
  assert.equal(res.status, 401);
  assert.deepEqual(problemOf(res), { ...TokenGateProblems.spentToken });
  assertChallenges(res.headers["www-authenticate"], [issuer.spki, nextIssuer.spki]);
  assert.equal(t.seen.length, 1);
});

test("spent: the spend key is SHA-256(token_key_id || nonce); the TTL is spendTtlMs, or the key's end plus margin", async () => {
  const now = 5_000_000;
  const store = new CountingStore();
  const keys = new StaticKeySource([issuer.spki, tokenKeyFromSpki(nextIssuer.spki, now + 600_000)]);
  const t = setup({ keys, store, now: () => now });
  const a = await mintToken(issuer, originChallenge());
  const b = await mintToken(nextIssuer, originChallenge());
  await request(t.app).post("/v1/search").set("authorization", a.header).expect(200);
  await request(t.app).post("/v1/search").set("authorization", b.header).expect(200);
  const { createHash } = await import("node:crypto");
  const expected = createHash("sha256").update(a.token.tokenKeyId).update(a.token.nonce).digest();
  assert.deepEqual(Buffer.from(store.spends[0]?.key ?? []), expected);
  assert.equal(store.spends[0]?.ttlMs, 3_600_000);
  assert.equal(store.spends[1]?.ttlMs, 600_000 + 60_000);
});

test("store_unavailable: a store that cannot answer → 503 with Retry-After, never the handler", async () => {
  let up = false;
  const store: SpentTokenStore = {
    spend: async () => {
      if (!up) throw new StoreError("spent-token store", StoreErrorCode.Unavailable);
      return true;
    },
    ready: () => up,
  };
  const t = setup({ store });
  assert.equal(t.gate.ready(), false);
  const { header } = await mintToken(issuer, originChallenge());
  const res = await request(t.app).post("/v1/search").set("authorization", header);
  assert.equal(res.status, 503);
  assert.deepEqual(problemOf(res), { ...TokenGateProblems.tokenCheckUnavailable });
  assert.equal(res.headers["retry-after"], "1");
  assert.equal(res.headers["www-authenticate"], undefined);
  assert.equal(t.seen.length, 0);
  up = true;
  assert.equal((await request(t.app).post("/v1/search").set("authorization", header)).status, 200, "the unspent token is still good");
  assert.equal(t.gate.ready(), true);
  assert.deepEqual(
    t.out.records.filter((r) => String(r["event"]).startsWith("token_gate.store")).map((r) => r["event"]),
    ["token_gate.store_unavailable", "token_gate.store_recovered"],
  );
});

test("store_unavailable: a store error that is not a StoreError is a 500 (a bug), never a pass", async () => {
  const store: SpentTokenStore = { spend: () => Promise.reject(new Error("bug")), ready: () => true };
  const t = setup({ store });
  const { header } = await mintToken(issuer, originChallenge());
  const res = await request(t.app).post("/v1/search").set("authorization", header);
  assert.equal(res.status, 500);
  assert.equal(res.text.includes("bug"), false);
  assert.equal(t.seen.length, 0);
});

test("keys_unavailable: no live key → 503 (no challenge can be made), not ready", async () => {
  const t = setup({ keys: new StaticKeySource([]) });
  assert.equal(t.gate.ready(), false);
  for (const header of [undefined, (await mintToken(issuer, originChallenge())).header]) {
    const req = request(t.app).post("/v1/search");
    const res = await (header === undefined ? req : req.set("authorization", header));
    assert.equal(res.status, 503);
    assert.deepEqual(problemOf(res), { ...TokenGateProblems.tokenCheckUnavailable });
  }
});

test("metrics: token_gate_requests_total by outcome, every series present from the start", async () => {
  const t = setup();
  const text0 = await t.registry.metrics();
  for (const outcome of ["accepted", "missing", "malformed", "bad_type", "unknown_key", "bad_challenge", "bad_signature", "spent", "store_unavailable", "keys_unavailable"]) {
    assert.match(text0, new RegExp(`token_gate_requests_total\\{outcome="${outcome}"\\} 0`));
  }
  const { header } = await mintToken(issuer, originChallenge());
  await request(t.app).post("/v1/search").set("authorization", header);
  await request(t.app).post("/v1/search").set("authorization", header);
  await request(t.app).post("/v1/search");
  const text = await t.registry.metrics();
  assert.match(text, /token_gate_requests_total\{outcome="accepted"\} 1/);
  assert.match(text, /token_gate_requests_total\{outcome="spent"\} 1/);
  assert.match(text, /token_gate_requests_total\{outcome="missing"\} 1/);
  assert.match(text, /token_gate_live_keys 2/);
  assert.match(text, /token_gate_store_ready 1/);
  assert.match(text, /token_gate_spend_duration_seconds_count 2/);
  const checked = t.out.events("token_gate.checked").map((r) => r["outcome"]);
  assert.deepEqual(checked, ["accepted", "spent", "missing"]);
});

test("node:http: guard() answers rejections itself and strips Authorization before the handler", async () => {
  const registry = new Registry();
  const gate = createTokenGate({ issuerName: ISSUER_NAME, originInfo: [ORIGIN], keys: new StaticKeySource([issuer.spki]), store: new MemorySpentTokenStore(), spendTtlMs: 60_000, registry });
  const server = createServer((req, res) => {
    void gate.guard(req, res).then((ok) => {
      if (!ok) return;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ headers: req.headers, raw: req.rawHeaders, distinct: req.headersDistinct }));
    });
  });
  const url = await listen(server);
  try {
    const { header } = await mintToken(issuer, originChallenge());
    const ok = await fetch(`${url}/v1/search`, { method: "POST", headers: { authorization: header } });
    assert.equal(ok.status, 200);
    const body = await ok.text();
    assert.ok(!body.toLowerCase().includes("authorization") && !body.includes("PrivateToken"), body);
    const again = await fetch(`${url}/v1/search`, { method: "POST", headers: { authorization: header } });
    assert.equal(again.status, 401);
    assert.equal(again.headers.get("content-type"), "application/problem+json");
    assertChallenges(again.headers.get("www-authenticate") ?? undefined, [issuer.spki]);
    // check() alone: the same result object, for any transport.
    const missing = await gate.check(undefined);
    assert.equal(missing.ok, false);
    assert.equal(!missing.ok && missing.outcome, "missing");
    assert.equal((await gate.check((await mintToken(issuer, originChallenge())).header)).ok, true);
  } finally {
    await closeServer(server);
  }
});

test("check(): an Authorization header of random text never throws and is never accepted", async () => {
  const fc = await import("fast-check");
  const t = setup();
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string(),
        fc.string().map((s) => `PrivateToken token="${s}"`),
        fc.uint8Array({ minLength: 1, maxLength: 400 }).map((b) => formatAuthorization(b)),
        fc.uint8Array({ minLength: 354, maxLength: 354 }).map((b) => formatAuthorization(Uint8Array.from([0, 2, ...b.subarray(2)]))),
      ),
      async (header) => {
        const result = await t.gate.check(header);
        assert.equal(result.ok, false);
        assert.ok(!result.ok && [400, 401].includes(result.problem.status));
      },
    ),
    { numRuns: 300 },
  );
});

test("challenge: the digest the gate expects is SHA-256 of the challenge it sends (RFC 9577 §2.2)", async () => {
  const t = setup();
  const res = await request(t.app).post("/v1/search");
  const [entry] = parseWwwAuthenticate(res.headers["www-authenticate"] ?? "");
  assert.ok(entry);
  const { token } = await mintToken(issuer, entry.challenge);
  assert.deepEqual(Buffer.from(token.challengeDigest), Buffer.from(challengeDigest(originChallenge())));
});

test("options: a too-short spendTtlMs or a bad max-age is refused at construction", () => {
  const base = { issuerName: ISSUER_NAME, keys: new StaticKeySource([]), store: new MemorySpentTokenStore(), registry: new Registry() };
  assert.throws(() => createTokenGate({ ...base, spendTtlMs: 10 }), RangeError);
  assert.throws(() => createTokenGate({ ...base, spendTtlMs: 60_000, maxAgeSeconds: -1 }), RangeError);
  assert.throws(() => createTokenGate({ ...base, issuerName: "bad\nname", spendTtlMs: 60_000 }), PrivacyPassError);
});
