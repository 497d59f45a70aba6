/**
 * ARC unlinkability at the origin, over HTTP and the REAL Redis at 127.0.0.1:6379 (issue 19,
 * "a test shows two presentations from one credential cannot be linked by any value the origin
 * keeps"). Everything the origin keeps is captured per presentation: the Redis keys and values
 * it wrote (with their expiry) and every log line (at debug level, the most it logs). A value
 * kept for presentation 1 and for presentation 2 of the same credential must also be kept for a
 * presentation of another credential: then it is common to all presentations, and links nothing.
 * The test fails if the origin stored or logged anything of the credential (a tag, U, a nonce
 * sequence, a key id per credential...).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { createRedis } from "@oblivious/service-kit";
import {
  ARC_TOKEN_TYPE, ArcPresentationState, arcChallengeDigest, arcIssuerKeyId, arcPresentationContext, arcRequestContext, arcSystemRandom,
  createArcCredentialRequest, createArcCredentialResponse, decodeArcServerPublicKey, decodeArcTokenChallenge, encodeArcServerPrivateKey,
  encodeArcToken, finalizeArcCredential, formatAuthorization, generateArcServerKey, parseWwwAuthenticate,
} from "@oblivious/privacypass";
import { closeServer, listen, makeIssuer, redisConnected, SHARED_REDIS_URL } from "@oblivious/test-kit";
import { arcKeyPairFromPrivateKey, createArcGate, RedisSpentTokenStore, StaticKeySource } from "../src/index.js";
import { gatedApp, ISSUER_NAME, ORIGIN } from "./helpers.js";

const LIMIT = 10;

/** Log fields that are the time of the line itself: they differ per line, never per credential. */
const CLOCK_FIELDS = new Set(["time", "durationMs"]);

test("ARC privacy: two presentations of one credential share no value the origin keeps (Redis keys, values, TTLs, log lines) that a presentation of another credential does not also share", async () => {
  const prefix = `token-gate-arc-privacy-${randomBytes(6).toString("hex")}:`;
  const inspect = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
  const redis = createRedis({ url: SHARED_REDIS_URL, keyPrefix: prefix });
  const arcKey = arcKeyPairFromPrivateKey(encodeArcServerPrivateKey(generateArcServerKey(arcSystemRandom).privateKey));
  const store = new RedisSpentTokenStore(redis);
  const arc = createArcGate({ issuerName: ISSUER_NAME, originInfo: [ORIGIN], key: arcKey, store, presentationLimit: LIMIT });
  const app = gatedApp({ keys: new StaticKeySource([makeIssuer().spki]), store, arc });
  const server = createServer(app.app);
  const url = await listen(server);
  try {
    await Promise.all([redisConnected(redis), redisConnected(inspect)]);
    const header = arc.challenge(Date.now());
    const offered = parseWwwAuthenticate(header).find((c) => (((c.challenge[0] ?? 0) << 8) | (c.challenge[1] ?? 0)) === ARC_TOKEN_TYPE);
    assert.ok(offered);
    const challenge = decodeArcTokenChallenge(offered.challenge);
    const publicKey = decodeArcServerPublicKey(offered.tokenKey);
    const keyId = arcIssuerKeyId(publicKey);
    const credentialClient = (): (() => string) => {
      const pending = createArcCredentialRequest(arcRequestContext(challenge, keyId), arcSystemRandom);
      const response = createArcCredentialResponse(arcKey.privateKey, arcKey.publicKey, pending.request, arcSystemRandom);
      const state = new ArcPresentationState(finalizeArcCredential(pending.secrets, publicKey, pending.request, response), arcPresentationContext(challenge, keyId), LIMIT);
      return () => {
        const { nonce, presentation } = state.present(arcSystemRandom);
        return formatAuthorization(encodeArcToken({ presentationNonce: nonce, challengeDigest: arcChallengeDigest(offered.challenge), issuerKeyId: keyId, presentation }, LIMIT));
      };
    };
    const one = credentialClient();
    const other = credentialClient();

    /** Presents one token and returns every value the origin kept for it. */
    const keptFor = async (authorization: string): Promise<Set<string>> => {
      const keysBefore = new Set(await inspect.keys(`${prefix}*`));
      const linesBefore = app.out.lines.length;
      const res = await fetch(`${url}/v1/search`, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: "{}" });
      assert.equal(res.status, 200);
      await new Promise((r) => setTimeout(r, 400)); // the logger writes in batches (decision 0005)
      const kept = new Set<string>();
      for (const key of await inspect.keys(`${prefix}*`)) {
        if (keysBefore.has(key)) continue;
        const value = await inspect.getBuffer(key);
        const pttl = await inspect.pttl(key);
        assert.ok(pttl > 0, "every stored entry expires");
        // When it expires (to the minute: the period's end plus the grace and margin, whole minutes), not the time left.
        kept.add(`redis key ${key}`).add(`redis value ${value?.toString("hex") ?? ""}`).add(`redis expiry ${Math.round((Date.now() + pttl) / 60_000)}`);
        // The key's parts, too (a prefix or a segment could be per credential).
        for (const part of key.slice(prefix.length).split(":")) kept.add(`redis key part ${part}`);
      }
      for (const line of app.out.lines.slice(linesBefore)) {
        for (const [field, value] of Object.entries(JSON.parse(line) as Record<string, unknown>)) {
          if (!CLOCK_FIELDS.has(field)) kept.add(`log ${field}=${JSON.stringify(value)}`);
        }
      }
      // The tag itself (token bytes 169..202: after the 70-byte header, U, U'Commit and m1Commit) is never kept, only its hash.
      const token = Buffer.from(authorization.replace(/^PrivateToken token="?/, "").replace(/"$/, ""), "base64url");
      const tag = token.subarray(169, 202);
      assert.equal(tag.length, 33);
      for (const v of kept) assert.ok(!v.includes(tag.toString("hex")) && !v.includes(tag.toString("base64url")), `the tag is not kept (${v})`);
      return kept;
    };

    const p1 = await keptFor(one());
    const p2 = await keptFor(one());
    const p3 = await keptFor(other());
    assert.ok(p1.size >= 4 && [...p1].some((v) => v.startsWith("redis key ")) && [...p1].some((v) => v.startsWith("log ")), `the origin kept something to compare: ${[...p1].join(", ")}`);
    const shared12 = [...p1].filter((v) => p2.has(v));
    const linking = shared12.filter((v) => !p3.has(v));
    assert.deepEqual(linking, [], "values kept for both presentations of one credential and not for another credential's");
    // What they do share is what every presentation shares: the event names, outcomes, the prefix and the expiry.
    assert.ok(shared12.length > 0);
    assert.ok(!shared12.some((v) => v.startsWith(`redis key ${prefix}`)), "no stored key in common");
    assert.ok(shared12.filter((v) => v.startsWith("redis value ")).every((v) => p3.has(v)), "a stored value in common is every presentation's (the spend marker)");
  } finally {
    const leftovers = await inspect.keys(`${prefix}*`);
    if (leftovers.length > 0) await inspect.del(...leftovers);
    inspect.disconnect();
    redis.disconnect();
    await closeServer(server);
  }
});
