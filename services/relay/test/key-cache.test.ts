import { test } from "node:test";
import assert from "node:assert/strict";
import { freePort } from "@oblivious/test-kit";
import { GatewayError, type GatewayAnswer } from "../src/forward.js";
import { KeyCache, sharedMaxAgeMs } from "../src/key-cache.js";
import { delay, problemOf, send, startStubGateway, startTestRelay, type ClientAnswer } from "./support.js";

const KEYS = Buffer.from("0001002000" + "ab".repeat(32) + "000400010001", "hex");

function keysAnswer(body: Buffer = KEYS, cacheControl?: string): GatewayAnswer {
  return { status: 200, contentType: "application/ohttp-keys", cacheControl, body };
}

/** A fetch whose answers the test scripts, one per call, and a clock the test moves. */
function scripted(...answers: (GatewayAnswer | Error)[]): { fetch: () => Promise<GatewayAnswer>; calls: () => number } {
  let calls = 0;
  return {
    fetch: async () => {
      const next = answers[Math.min(calls, answers.length - 1)];
      calls += 1;
      if (next === undefined || next instanceof Error) throw next ?? new Error("no answer");
      return next;
    },
    calls: () => calls,
  };
}

test("key cache: served from memory within the TTL, fetched again after it, max-age counts down", async () => {
  let now = 1_000_000;
  const upstream = scripted(keysAnswer(), keysAnswer(Buffer.from("0002", "hex")));
  const cache = new KeyCache({ fetch: upstream.fetch, ttlMs: 300_000, now: () => now });
  const first = await cache.get();
  assert.deepEqual([first.result, first.maxAgeS], ["miss", 300]);
  now += 100_000;
  const second = await cache.get();
  assert.deepEqual([second.result, second.maxAgeS], ["hit", 200]);
  assert.equal(second.body, first.body, "the very same bytes");
  assert.equal(upstream.calls(), 1);
  now += 200_000;
  const third = await cache.get();
  assert.equal(third.result, "miss");
  assert.equal(third.body.toString("hex"), "0002");
  assert.equal(upstream.calls(), 2);
});

test("key cache: the gateway's s-maxage or max-age applies when shorter than the TTL, never longer", async () => {
  const now = 0;
  const shorter = new KeyCache({ fetch: scripted(keysAnswer(KEYS, "public, max-age=60")).fetch, ttlMs: 300_000, now: () => now });
  assert.equal((await shorter.get()).maxAgeS, 60);
  const longer = new KeyCache({ fetch: scripted(keysAnswer(KEYS, "max-age=86400")).fetch, ttlMs: 300_000, now: () => now });
  assert.equal((await longer.get()).maxAgeS, 300);
  for (const directive of ["max-age=0", "no-cache, max-age=60", "no-store", "private, max-age=60"]) {
    const upstream = scripted(keysAnswer(KEYS, directive));
    const zero = new KeyCache({ fetch: upstream.fetch, ttlMs: 300_000, now: () => now });
    assert.deepEqual([(await zero.get()).maxAgeS, upstream.calls()], [0, 1], directive);
    assert.equal((await zero.get()).result, "miss", `${directive}: never served from the cache`);
    assert.equal(upstream.calls(), 2);
  }
  assert.equal(sharedMaxAgeMs("max-age=60, s-maxage=30"), 30_000);
  assert.equal(sharedMaxAgeMs("public, no-store, max-age=60"), 0);
  assert.equal(sharedMaxAgeMs('max-age="45"'), 45_000);
  assert.equal(sharedMaxAgeMs("max-age=soon"), undefined);
  assert.equal(sharedMaxAgeMs(undefined), undefined);
});

test("key cache: concurrent misses share one fetch and get the same Buffer", async () => {
  let calls = 0;
  let release: (a: GatewayAnswer) => void = () => undefined;
  const cache = new KeyCache({
    fetch: () => {
      calls += 1;
      return new Promise((resolve) => (release = resolve));
    },
    ttlMs: 60_000,
  });
  const waiting = Array.from({ length: 50 }, () => cache.get());
  await delay(10);
  release(keysAnswer());
  const answers = await Promise.all(waiting);
  assert.equal(calls, 1);
  for (const a of answers) assert.equal(a.body, answers[0]?.body);
});

test("key cache: stale copy served when a refresh fails, retried only after a pause", async () => {
  let now = 0;
  const fetched: string[] = [];
  const upstream = scripted(keysAnswer(), new GatewayError("unreachable"), new GatewayError("timeout"), keysAnswer(Buffer.from("0003", "hex")));
  const cache = new KeyCache({
    fetch: upstream.fetch,
    ttlMs: 10_000,
    retryMs: 2000,
    now: () => now,
    onFetch: (o) => fetched.push(o.ok ? "ok" : `${o.reason}:${String(o.stale)}`),
  });
  const fresh = await cache.get();
  now = 10_000;
  const stale = await cache.get();
  assert.deepEqual([stale.result, stale.maxAgeS], ["stale", 0]);
  assert.equal(stale.body, fresh.body);
  now = 11_000;
  assert.equal((await cache.get()).result, "stale");
  assert.equal(upstream.calls(), 2, "no fetch during the pause");
  now = 12_000;
  assert.equal((await cache.get()).result, "stale");
  now = 14_500;
  const back = await cache.get();
  assert.deepEqual([back.result, back.body.toString("hex")], ["miss", "0003"]);
  assert.deepEqual(fetched, ["ok", "unreachable:true", "timeout:true", "ok"]);
});

test("key cache: nothing cached and nothing usable upstream is KeyCacheError `unavailable`, and each miss tries again", async () => {
  const reasons: string[] = [];
  const upstream = scripted(
    new GatewayError("unreachable"),
    { status: 500, contentType: "application/ohttp-keys", cacheControl: undefined, body: KEYS },
    { status: 200, contentType: "text/html", cacheControl: undefined, body: KEYS },
    keysAnswer(Buffer.alloc(0)),
    keysAnswer(),
  );
  const cache = new KeyCache({ fetch: upstream.fetch, ttlMs: 60_000, onFetch: (o) => reasons.push(o.ok ? "ok" : o.reason) });
  for (let i = 0; i < 4; i++) await assert.rejects(cache.get(), { name: "KeyCacheError", code: "unavailable" });
  assert.equal((await cache.get()).result, "miss");
  assert.deepEqual(reasons, ["unreachable", "bad-status", "bad-media-type", "empty", "ok"]);
});

test("GET /ohttp-keys: the same bytes and headers for every client, from one upstream fetch", async (t) => {
  const gateway = await startStubGateway((received, res) => {
    if (received.url !== "/ohttp-keys") return void res.writeHead(404).end();
    setTimeout(() => {
      res.writeHead(200, { "content-type": "application/ohttp-keys", "cache-control": "max-age=120", "set-cookie": "k=canary" });
      res.end(KEYS);
    }, 100);
  });
  const { relay, metrics, logs } = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway` });
  t.after(async () => {
    await relay.stop();
    await gateway.close();
  });
  const clients = Array.from({ length: 20 }, (_, i) =>
    send(`${relay.url}/ohttp-keys`, {
      localAddress: `127.0.9.${i + 1}`,
      headers: { "user-agent": `client-${i}`, "accept-language": i % 2 === 0 ? "de" : "fr", cookie: `id=${i}` },
    }),
  );
  const answers: ClientAnswer[] = await Promise.all(clients);
  const later = await send(`${relay.url}/ohttp-keys`, { localAddress: "127.0.9.99" });
  for (const a of [...answers, later]) {
    assert.equal(a.status, 200);
    assert.ok(a.body.equals(KEYS));
    assert.equal(a.headers["content-type"], "application/ohttp-keys");
    assert.match(String(a.headers["cache-control"]), /^public, max-age=1[12]\d$/);
    assert.equal(a.headers["set-cookie"], undefined);
    assert.equal(a.headers["vary"], undefined);
    assert.equal(a.headers["etag"], undefined);
  }
  assert.equal(gateway.received.length, 1, "one upstream fetch for all clients");
  // Exactly what the relay's client writes: no connection, no user agent, nothing of a client.
  assert.deepEqual(gateway.received[0]?.headers, [
    ["host", new URL(gateway.origin).host],
    ["accept", "application/ohttp-keys"],
  ]);
  const head = await send(`${relay.url}/ohttp-keys`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(head.headers["content-length"], String(KEYS.length));
  const text = await metrics();
  const count = (result: string): number => Number(new RegExp(`relay_key_config_requests_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1]);
  // The concurrent clients waited for the one fetch (misses); the later two were hits.
  assert.equal(count("miss") + count("hit"), 22);
  assert.ok(count("hit") >= 2 && count("miss") >= 1);
  assert.match(text, /relay_key_config_fetches_total\{outcome="ok"\} 1/);
  assert.deepEqual(logs.events("keys.refreshed").map((e) => e["ttlS"]), [120]);
});

test("GET /ohttp-keys: served stale while the gateway is down", async (t) => {
  let up = true;
  const gateway = await startStubGateway((_received, res, req) => {
    if (!up) return void req.socket.destroy();
    res.writeHead(200, { "content-type": "application/ohttp-keys", "cache-control": "max-age=1" });
    res.end(KEYS);
  });
  const { relay, metrics, logs } = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway` });
  t.after(async () => {
    await relay.stop();
    await gateway.close();
  });
  // Fetched and answered within the gateway's second: less than a whole second is left.
  assert.equal((await send(`${relay.url}/ohttp-keys`)).headers["cache-control"], "public, max-age=0");
  up = false;
  await delay(1100);
  const stale = await send(`${relay.url}/ohttp-keys`);
  assert.equal(stale.status, 200);
  assert.ok(stale.body.equals(KEYS));
  assert.equal(stale.headers["cache-control"], "public, max-age=0");
  assert.match(await metrics(), /relay_key_config_requests_total\{result="stale"\} 1/);
  assert.deepEqual(logs.events("keys.fetch_failed").map((e) => [e["reason"], e["stale"]]), [["unreachable", true]]);
});

test("GET /ohttp-keys: 503 problem when nothing is cached and the gateway is unreachable", async (t) => {
  const port = await freePort();
  const { relay, metrics } = await startTestRelay({ RELAY_GATEWAY_URL: `http://127.0.0.1:${port}/gateway` });
  t.after(() => relay.stop());
  const answer = await send(`${relay.url}/ohttp-keys`);
  assert.equal(answer.status, 503);
  assert.equal(answer.headers["content-type"], "application/problem+json");
  assert.equal(problemOf(answer).type, "tag:oblivious-services,2026:problem/keys-unavailable");
  assert.match(await metrics(), /relay_key_config_requests_total\{result="unavailable"\} 1/);
});

test("key cache: the gateway's max-age counts from when the fetch was sent; never served at or past that instant", async () => {
  let now = 0;
  const answers = [keysAnswer(KEYS, "public, max-age=10"), keysAnswer(Buffer.from("0002", "hex"), "public, max-age=10")];
  let calls = 0;
  const cache = new KeyCache({
    fetch: async () => {
      // The answer takes 3 s to come back: the listing is 3 s old when it arrives.
      now += 3000;
      return answers[Math.min(calls++, 1)] ?? keysAnswer();
    },
    ttlMs: 300_000,
    now: () => now,
  });
  const first = await cache.get();
  assert.deepEqual([first.result, first.maxAgeS, now], ["miss", 7, 3000], "7 s left of the gateway's 10, rounded down");
  now = 9999;
  const last = await cache.get();
  assert.deepEqual([last.result, last.maxAgeS], ["hit", 0], "under a second left: max-age=0, never 1");
  now = 10_000;
  const next = await cache.get();
  assert.deepEqual([next.result, next.body.toString("hex")], ["miss", "0002"], "at the instant max-age ends, fetched again");
  // The relay's own bound still caps a longer max-age.
  const bounded = new KeyCache({ fetch: async () => keysAnswer(KEYS, "max-age=86400"), ttlMs: 5000, now: () => now });
  assert.equal((await bounded.get()).maxAgeS, 5);
});

test("GET /ohttp-keys over sockets: a changed listing is served from the instant the gateway's max-age ends, not the relay's TTL", async (t) => {
  let listing = KEYS;
  const gateway = await startStubGateway((received, res) => {
    if (received.url !== "/ohttp-keys") return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/ohttp-keys", "cache-control": "public, max-age=1" });
    res.end(listing);
  });
  // The relay would keep it for 5 minutes on its own bound.
  const { relay } = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway`, RELAY_KEYS_TTL: "5m" });
  t.after(async () => {
    await relay.stop();
    await gateway.close();
  });
  assert.ok((await send(`${relay.url}/ohttp-keys`)).body.equals(KEYS));
  // The relay sent its fetch before this instant, so its copy expires before this + 1 s.
  const fetched = Date.now();
  const next = Buffer.from("0002", "hex");
  listing = next;
  let seen: Buffer = KEYS;
  while (!seen.equals(next)) {
    const sent = Date.now();
    seen = (await send(`${relay.url}/ohttp-keys`)).body;
    assert.ok(seen.equals(next) || sent - fetched < 1000, "the old listing is never served past the gateway's max-age");
    if (!seen.equals(next)) await delay(50);
  }
  assert.ok(Date.now() - fetched < 2000, `changed after ${Date.now() - fetched} ms`);
});
