/**
 * ARC (token type 0xE5AC) at the origin, over HTTP and the REAL Redis at 127.0.0.1:6379 (fails,
 * never skips, without it): the challenge beside type 2 with its rate-limit; a presentation
 * accepted once, its replay refused across two replicas; other contexts refused; the store keeps
 * one hash per accepted tag with an expiry at the period's end; Redis down → 503, then healed.
 * The client side is the library's, driven from the challenge the gate sends.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { createRedis } from "@oblivious/service-kit";
import {
  ARC_TOKEN_TYPE, ArcPresentationState, arcIssuerKeyId, arcPresentationContext, arcRequestContext, arcChallengeDigest, arcSystemRandom,
  createArcCredentialRequest, createArcCredentialResponse, decodeArcServerPublicKey, decodeArcTokenChallenge, encodeArcServerPrivateKey,
  encodeArcToken, encodeArcTokenChallenge, finalizeArcCredential, formatAuthorization, generateArcServerKey, parseWwwAuthenticate,
  type ArcServerKeyPair, type ArcTokenChallenge,
} from "@oblivious/privacypass";
import { closeServer, listen, makeIssuer, redisConnected, SHARED_REDIS_URL, startRedisServer } from "@oblivious/test-kit";
import {
  ARC_TAG_TTL_MARGIN_MS, arcKeyPairFromPrivateKey, createArcGate, DEFAULT_ARC_GRACE_MS, MemorySpentTokenStore, RedisSpentTokenStore,
  StaticKeySource, TokenGateProblems, type SpentTokenStore,
} from "../src/index.js";
import { gatedApp, ISSUER_NAME, ORIGIN } from "./helpers.js";

const issuer = makeIssuer();
const LIMIT = 4;
const arcKey: ArcServerKeyPair = arcKeyPairFromPrivateKey(encodeArcServerPrivateKey(generateArcServerKey(arcSystemRandom).privateKey));

function arcApp(store: SpentTokenStore, now: () => number) {
  const arc = createArcGate({ issuerName: ISSUER_NAME, originInfo: [ORIGIN], key: arcKey, store, presentationLimit: LIMIT });
  return gatedApp({ keys: new StaticKeySource([issuer.spki]), store, arc, now });
}

/** The ARC challenge of a WWW-Authenticate value, with its rate-limit. */
function arcChallengeOf(header: string): { challenge: ArcTokenChallenge; bytes: Uint8Array; tokenKey: Uint8Array; limit: number } {
  const list = parseWwwAuthenticate(header);
  const found = list.find((c) => ((c.challenge[0] ?? 0) << 8 | (c.challenge[1] ?? 0)) === ARC_TOKEN_TYPE);
  assert.ok(found, "an ARC challenge is offered");
  const limit = Number(/rate-limit=(\d+)/.exec(header)?.[1]);
  return { challenge: decodeArcTokenChallenge(found.challenge), bytes: found.challenge, tokenKey: found.tokenKey, limit };
}

/** A client with one credential for `challenge` (issued with the test's ARC key): each call, the next presentation's Authorization. */
function arcClient(offered: ReturnType<typeof arcChallengeOf>, credentialFor: ArcTokenChallenge = offered.challenge): () => string {
  const publicKey = decodeArcServerPublicKey(offered.tokenKey);
  const keyId = arcIssuerKeyId(publicKey);
  const pending = createArcCredentialRequest(arcRequestContext(credentialFor, keyId), arcSystemRandom);
  const response = createArcCredentialResponse(arcKey.privateKey, arcKey.publicKey, pending.request, arcSystemRandom);
  const credential = finalizeArcCredential(pending.secrets, publicKey, pending.request, response);
  const state = new ArcPresentationState(credential, arcPresentationContext(offered.challenge, keyId), offered.limit);
  return () => {
    const { nonce, presentation } = state.present(arcSystemRandom);
    const token = { presentationNonce: nonce, challengeDigest: arcChallengeDigest(offered.bytes), issuerKeyId: keyId, presentation };
    return formatAuthorization(encodeArcToken(token, offered.limit));
  };
}

async function cleanup(inspect: Redis, prefix: string): Promise<void> {
  const leftovers = await inspect.keys(`${prefix}*`);
  if (leftovers.length > 0) await inspect.del(...leftovers);
}

test("ARC over Redis: challenge beside type 2 with rate-limit; accepted once, replay refused on both replicas; only a hash with an expiry at the period's end is stored", async () => {
  const prefix = `token-gate-arc-${randomBytes(6).toString("hex")}:`;
  const inspect = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
  const redisA = createRedis({ url: SHARED_REDIS_URL, keyPrefix: prefix });
  const redisB = createRedis({ url: SHARED_REDIS_URL, keyPrefix: prefix });
  const at = Date.UTC(2026, 11, 3, 12, 0, 0);
  const a = arcApp(new RedisSpentTokenStore(redisA), () => at);
  const b = arcApp(new RedisSpentTokenStore(redisB), () => at);
  const serverA = createServer(a.app);
  const serverB = createServer(b.app);
  try {
    await Promise.all([redisConnected(redisA), redisConnected(redisB), redisConnected(inspect)]);
    const [urlA, urlB] = await Promise.all([listen(serverA), listen(serverB)]);
    const post = (url: string, authorization?: string) => fetch(`${url}/v1/search`, { method: "POST", headers: authorization === undefined ? {} : { authorization } });

    const first = await post(urlA);
    assert.equal(first.status, 401);
    const header = first.headers.get("www-authenticate") ?? "";
    assert.equal(parseWwwAuthenticate(header).length, 2, "one type-2 challenge, one ARC challenge");
    const offered = arcChallengeOf(header);
    assert.equal(offered.limit, LIMIT);
    assert.match(header, new RegExp(`max-age=3600, rate-limit=${LIMIT}$`));
    assert.equal(offered.challenge.credentialContext.length, 32, "credential_context bound to the period");
    assert.equal(offered.challenge.redemptionContext.length, 0);
    const headerB = (await post(urlB)).headers.get("www-authenticate");
    assert.equal(headerB, header, "every replica offers the same challenge");

    const next = arcClient(offered);
    const token1 = next();
    const statuses = await Promise.all(Array.from({ length: 10 }, (_, i) => post(i % 2 === 0 ? urlA : urlB, token1).then((r) => r.status)));
    assert.equal(statuses.filter((s) => s === 200).length, 1, "accepted exactly once across two replicas");
    assert.equal(statuses.filter((s) => s === 401).length, 9);
    const replay = await post(urlB, token1);
    assert.equal(replay.status, 401);
    assert.equal((await replay.json() as { type?: string }).type, TokenGateProblems.spentToken.type);
    assert.equal((await post(urlA, next())).status, 200, "the credential's next presentation is accepted");

    const keys = await inspect.keys(`${prefix}*`);
    assert.equal(keys.length, 2, "one entry per accepted presentation");
    const endOfPeriod = Date.UTC(2026, 11, 4) + DEFAULT_ARC_GRACE_MS + ARC_TAG_TTL_MARGIN_MS;
    for (const key of keys) {
      assert.match(key.slice(prefix.length), /^spent:[0-9a-f]{64}$/, "a 32-byte hash, nothing else");
      assert.equal(await inspect.get(key), "1");
      const pttl = await inspect.pttl(key);
      assert.ok(pttl > 0 && pttl <= endOfPeriod - at, `expires at the period's end plus grace and margin (${pttl})`);
      assert.ok(pttl > endOfPeriod - at - 60_000);
    }
    assert.equal(a.seen.length + b.seen.length, 2);
    assert.ok([...a.seen, ...b.seen].every((s) => s.authorization === undefined), "the handler never sees the token");
  } finally {
    await Promise.all([closeServer(serverA), closeServer(serverB)]);
    await cleanup(inspect, prefix);
    inspect.disconnect();
    redisA.disconnect();
    redisB.disconnect();
  }
});

test("ARC contexts: another period's challenge, a credential for another credential_context, another origin: 401 invalid-token; the previous period only during the grace", async () => {
  const prefix = `token-gate-arc-${randomBytes(6).toString("hex")}:`;
  const inspect = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
  const redis = createRedis({ url: SHARED_REDIS_URL, keyPrefix: prefix });
  let at = Date.UTC(2026, 11, 3, 23, 59, 0);
  const t = arcApp(new RedisSpentTokenStore(redis), () => at);
  const server = createServer(t.app);
  try {
    await Promise.all([redisConnected(redis), redisConnected(inspect)]);
    const url = await listen(server);
    const post = async (authorization?: string) => {
      const res = await fetch(`${url}/v1/search`, { method: "POST", headers: authorization === undefined ? {} : { authorization } });
      return { status: res.status, type: (await res.json() as { type?: string }).type, header: res.headers.get("www-authenticate") ?? "" };
    };
    const day3 = arcChallengeOf((await post()).header);
    const day3Client = arcClient(day3);
    const early = day3Client();
    const late = day3Client();
    const afterGrace = day3Client();

    // A credential for another credential_context, presented with today's challenge digest.
    const otherContext = { ...day3.challenge, credentialContext: new Uint8Array(32).fill(7) };
    const wrongCredential = await post(arcClient(day3, otherContext)());
    assert.deepEqual([wrongCredential.status, wrongCredential.type], [401, TokenGateProblems.invalidToken.type]);
    // A challenge for another origin (its digest is not ours).
    const foreign = { ...day3, challenge: { ...day3.challenge, originInfo: ["telemetry.internal"] } };
    const foreignBytes = encodeArcTokenChallenge(foreign.challenge);
    const foreignToken = await post(arcClient({ ...foreign, bytes: foreignBytes })());
    assert.deepEqual([foreignToken.status, foreignToken.type], [401, TokenGateProblems.invalidToken.type]);

    assert.equal((await post(early)).status, 200, "today's presentation, today");
    at = Date.UTC(2026, 11, 4, 0, 1, 0);
    const day4 = arcChallengeOf((await post()).header);
    assert.notDeepEqual(day4.challenge.credentialContext, day3.challenge.credentialContext, "a new period, a new credential_context");
    assert.equal((await post(late)).status, 200, "yesterday's challenge within the grace");
    assert.equal((await post(early)).status, 401, "and its tags are still remembered");
    at = Date.UTC(2026, 11, 4, 0, 6, 0);
    const stale = await post(afterGrace);
    assert.deepEqual([stale.status, stale.type], [401, TokenGateProblems.invalidToken.type], "yesterday's challenge after the grace");
    assert.equal((await post(arcClient(day4)())).status, 200, "a credential for the new period");
    assert.equal(t.seen.length, 3);
    assert.match(await t.registry.metrics(), /token_gate_requests_total\{outcome="bad_challenge"\} 2/);
    assert.match(await t.registry.metrics(), /token_gate_requests_total\{outcome="bad_signature"\} 1/);
  } finally {
    await closeServer(server);
    await cleanup(inspect, prefix);
    inspect.disconnect();
    redis.disconnect();
  }
});

test("ARC fault: Redis killed → 503 problem+json, never served; restarted → the same presentation accepted once", async () => {
  const redisServer = await startRedisServer();
  const redis = createRedis({ url: redisServer.url, keyPrefix: "token-gate-arc-fault:" });
  const t = arcApp(new RedisSpentTokenStore(redis), Date.now);
  const server = createServer(t.app);
  try {
    await redisConnected(redis);
    const url = await listen(server);
    const post = (authorization?: string) => fetch(`${url}/v1/search`, { method: "POST", headers: authorization === undefined ? {} : { authorization } });
    const next = arcClient(arcChallengeOf((await post()).headers.get("www-authenticate") ?? ""));
    assert.equal((await post(next())).status, 200);

    await redisServer.stop();
    const waiting = next();
    const down = await post(waiting);
    assert.equal(down.status, 503);
    assert.equal(down.headers.get("content-type"), "application/problem+json");
    assert.deepEqual(await down.json(), { ...TokenGateProblems.tokenCheckUnavailable });
    assert.equal(down.headers.get("retry-after"), "1");
    assert.equal(t.seen.length, 1, "never served without the spend check");

    await redisServer.start();
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await post(waiting)).status;
      if (status === 200) break;
      assert.equal(status, 503, "only 503 while reconnecting");
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200, "accepted once Redis is back");
    assert.equal((await post(waiting)).status, 401, "and spent");
    assert.deepEqual(
      t.out.records.filter((r) => String(r["event"]).startsWith("token_gate.store")).map((r) => r["event"]),
      ["token_gate.store_unavailable", "token_gate.store_recovered"],
    );
  } finally {
    await closeServer(server);
    redis.disconnect();
    await redisServer.stop();
  }
});

test("ARC tokens of the wrong length for the rate-limit are 400; ARC without the option is a foreign type (401 with type-2 challenges only)", async () => {
  const store = new MemorySpentTokenStore();
  const t = arcApp(store, Date.now);
  const plain = gatedApp({ keys: new StaticKeySource([issuer.spki]), store });
  const bad = new Uint8Array(40);
  bad.set([0xe5, 0xac]);
  const short = formatAuthorization(bad);
  assert.equal((await t.gate.check(short)).outcome, "malformed");
  const result = await plain.gate.check(short);
  assert.equal(result.outcome, "bad_type");
  assert.ok(!result.ok && parseWwwAuthenticate(result.headers["www-authenticate"] ?? "").length === 1);
});
