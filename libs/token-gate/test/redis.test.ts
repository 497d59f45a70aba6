/**
 * Spend-once across replicas on the REAL Redis at 127.0.0.1:6379 (the test fails, never skips,
 * without it), and fail-closed-then-heal on a throwaway `redis-server` (on the PATH) that is
 * killed and restarted under a running gate.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { createRedis } from "@oblivious/service-kit";
import { closeServer, listen, makeIssuer, mintToken, redisConnected, SHARED_REDIS_URL, startRedisServer } from "@oblivious/test-kit";
import { RedisSpentTokenStore, StaticKeySource, TokenGateProblems } from "../src/index.js";
import { gatedApp, originChallenge } from "./helpers.js";

const issuer = makeIssuer();

test("double spend: one token redeemed 200 times at once across two gate replicas on two ports → exactly one 200", async () => {
  const prefix = `token-gate-test-${randomBytes(6).toString("hex")}:`;
  const inspect = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
  const keys = new StaticKeySource([issuer.spki]);
  const redisA = createRedis({ url: SHARED_REDIS_URL, keyPrefix: prefix });
  const redisB = createRedis({ url: SHARED_REDIS_URL, keyPrefix: prefix });
  const a = gatedApp({ keys, store: new RedisSpentTokenStore(redisA) });
  const b = gatedApp({ keys, store: new RedisSpentTokenStore(redisB) });
  const serverA = createServer(a.app);
  const serverB = createServer(b.app);
  try {
    await Promise.all([redisConnected(redisA), redisConnected(redisB), redisConnected(inspect)]);
    const [urlA, urlB] = await Promise.all([listen(serverA), listen(serverB)]);
    assert.notEqual(urlA, urlB);
    const { header } = await mintToken(issuer, originChallenge());
    const statuses = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const res = await fetch(`${i % 2 === 0 ? urlA : urlB}/v1/search`, { method: "POST", headers: { authorization: header } });
        const body = await res.text();
        if (res.status === 401) assert.equal(JSON.parse(body).type, TokenGateProblems.spentToken.type);
        return res.status;
      }),
    );
    assert.equal(statuses.filter((s) => s === 200).length, 1, "accepted exactly once");
    assert.equal(statuses.filter((s) => s === 401).length, 199, "every other attempt is a spent token");
    assert.equal(a.seen.length + b.seen.length, 1, "one handler call across both replicas");
    const accepted = (await a.registry.metrics()).match(/token_gate_requests_total\{outcome="accepted"\} (\d+)/)?.[1];
    const acceptedB = (await b.registry.metrics()).match(/token_gate_requests_total\{outcome="accepted"\} (\d+)/)?.[1];
    assert.equal(Number(accepted) + Number(acceptedB), 1);
    assert.equal((await inspect.keys(`${prefix}*`)).length, 1, "one spent hash");
  } finally {
    await Promise.all([closeServer(serverA), closeServer(serverB)]);
    const leftovers = await inspect.keys(`${prefix}*`);
    if (leftovers.length > 0) await inspect.del(...leftovers);
    inspect.disconnect();
    redisA.disconnect();
    redisB.disconnect();
  }
});

test("fault: Redis killed → 503 and readiness false; restarted on the same port → the same gate accepts again, no restart", async () => {
  const redisServer = await startRedisServer();
  const redis = createRedis({ url: redisServer.url, keyPrefix: "token-gate-fault:" });
  const t = gatedApp({ keys: new StaticKeySource([issuer.spki]), store: new RedisSpentTokenStore(redis) });
  const server = createServer(t.app);
  try {
    await redisConnected(redis);
    const url = await listen(server);
    const post = (header: string) => fetch(`${url}/v1/search`, { method: "POST", headers: { authorization: header } });
    assert.equal((await post((await mintToken(issuer, originChallenge())).header)).status, 200);
    assert.equal(t.gate.ready(), true);

    await redisServer.stop();
    const waiting = await mintToken(issuer, originChallenge());
    const down = await post(waiting.header);
    assert.equal(down.status, 503);
    assert.equal(down.headers.get("content-type"), "application/problem+json");
    assert.deepEqual(await down.json(), { ...TokenGateProblems.tokenCheckUnavailable });
    assert.equal(down.headers.get("retry-after"), "1");
    assert.equal(t.gate.ready(), false);
    assert.equal(t.seen.length, 1, "never served without the spend check");

    await redisServer.start();
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await post(waiting.header)).status;
      if (status === 200) break;
      assert.equal(status, 503, "only 503 while reconnecting");
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200, "the token refused while Redis was down is accepted once it is back");
    assert.equal((await post(waiting.header)).status, 401, "and spent");
    assert.equal(t.gate.ready(), true);
    const text = await t.registry.metrics();
    assert.match(text, /token_gate_requests_total\{outcome="store_unavailable"\} [1-9]/);
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
