/**
 * Spent tokens in Redis. Needs a real Redis on 127.0.0.1:6379 (the test fails, not skips,
 * without one) and `redis-server` on the PATH for the down-and-recover test.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { TokenGateProblems } from "@oblivious/token-gate";
import { SHARED_REDIS_URL, pingSharedRedis, startRedisServer, status } from "@oblivious/test-kit";
import { metricValue, sharedRedis, startTestTelemetry } from "./helpers.js";

const BATCH = { events: [{ type: "token.wallet", event: "topup", batch: 20 }] };

test("redis: the shared Redis on 127.0.0.1:6379 is there", async () => {
  assert.equal(await pingSharedRedis(), "PONG");
});

test("redis: a token spent at one replica is refused at another", async () => {
  const prefix = `telemetry-test-${randomBytes(6).toString("hex")}:`;
  const env = { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix };
  const a = await startTestTelemetry(env);
  const b = await startTestTelemetry(env, a.issuer);
  const inspect = await sharedRedis();
  try {
    const token = await a.token();
    const body = JSON.stringify(BATCH);
    assert.equal((await a.post(body, { authorization: token.header })).status, 200);
    const replay = await b.post(body, { authorization: token.header });
    assert.equal(replay.status, 401);
    assert.deepEqual(replay.json(), TokenGateProblems.spentToken);
    const stored = await inspect.keys(`${prefix}*`);
    assert.equal(stored.length, 1);
    assert.match(stored[0] ?? "", new RegExp(`^${prefix}spent:[0-9a-f]{64}$`));
  } finally {
    await a.stop();
    await b.stop();
    const leftovers = await inspect.keys(`${prefix}*`);
    if (leftovers.length > 0) await inspect.del(...leftovers);
    inspect.disconnect();
  }
});

test("redis: unreachable → 503 and not ready, nothing counted; back on the same port → served again without a restart", async () => {
  const redis = await startRedisServer();
  const t = await startTestTelemetry({ REDIS_URL: redis.url });
  try {
    assert.equal((await t.send(BATCH)).status, 200);
    assert.equal(await status(`${t.service.adminUrl}/readyz`), 200);

    await redis.stop();
    const down = await t.send(BATCH);
    assert.equal(down.status, 503);
    assert.equal(down.headers.get("retry-after"), "1");
    assert.deepEqual(down.json(), TokenGateProblems.tokenCheckUnavailable);
    assert.equal(await status(`${t.service.adminUrl}/readyz`), 503);
    const metrics = await t.metrics();
    assert.equal(metricValue(metrics, 'telemetry_events_total{type="token.wallet"}'), 1, "nothing accepted without a spend");
    assert.equal(metricValue(metrics, "token_gate_store_ready"), 0);
    assert.equal(t.out.events("token_gate.store_unavailable").length, 1);

    await redis.start();
    const deadline = Date.now() + 10_000;
    let code = 0;
    while (Date.now() < deadline) {
      code = (await t.send(BATCH)).status;
      if (code === 200) break;
      assert.equal(code, 503);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(code, 200, "recovered without a restart");
    assert.equal(await status(`${t.service.adminUrl}/readyz`), 200);
    assert.equal(metricValue(await t.metrics(), 'telemetry_events_total{type="token.wallet"}'), 2);
    assert.equal(t.out.events("token_gate.store_recovered").length, 1);
  } finally {
    await t.stop();
    await redis.stop();
  }
});
