/**
 * The in-memory replay cache at the window's edges (injected instants), how it composes with the
 * `Date` check (a property over windows, dates and instants), and the same edges through a
 * running gateway over real sockets. The Redis cache's edges are in redis.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DateVerdict, checkDate, replayTtlMs } from "../src/date.js";
import { MemoryReplayCache } from "../src/replay.js";
import { formatHttpDate } from "@oblivious/http1";
import { assertCacheEdges, assertGatewayEdges, gatewayEdges } from "./replay-edges.js";
import { T0 } from "./helpers.js";

test("memory replay cache: live up to and including its expiry instant, expired just after", async () => {
  await assertCacheEdges(new MemoryReplayCache({ maxEntries: 100 }), T0, 120_000);
});

test("memory replay cache: sweeping at an entry's expiry instant keeps it; one instant later drops it", () => {
  const cache = new MemoryReplayCache({ maxEntries: 10 });
  const a = new Uint8Array(32).fill(1);
  const b = new Uint8Array(32).fill(2);
  const c = new Uint8Array(32).fill(3);
  assert.equal(cache.claim(a, 0, 1000), true);
  // A claim of another enc at a's expiry instant sweeps; a must survive it.
  assert.equal(cache.claim(b, 1000, 1000), true);
  assert.equal(cache.size, 2);
  assert.equal(cache.claim(a, 1000, 1000), false, "a is still live at its expiry instant");
  assert.equal(cache.claim(c, 1001, 1000), true);
  assert.equal(cache.size, 2, "a was swept one instant after its expiry");
});

test("memory replay cache: full of live entries it fails closed; an entry at its expiry instant is still live", () => {
  const cache = new MemoryReplayCache({ maxEntries: 1 });
  assert.equal(cache.claim(new Uint8Array(32).fill(1), 0, 1000), true);
  assert.throws(() => cache.claim(new Uint8Array(32).fill(2), 1000, 1000), { name: "StoreError", code: "full" });
  assert.equal(cache.claim(new Uint8Array(32).fill(2), 1001, 1000), true);
});

test("Date check ∘ replay cache: a copy that passes the Date check is always refused by the cache", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 600 }).map((s) => s * 1000),
      fc.integer({ min: -700_000, max: 700_000 }),
      fc.integer({ min: 0, max: 1_200_000 }),
      fc.integer({ min: 0, max: 2_000_000 }),
      fc.option(fc.integer({ min: -2, max: 2 }), { freq: 2 }),
      (windowMs, dateOffset, first, later, nearEdge) => {
        const policy = { windowMs, required: true };
        // HTTP-date has whole seconds. The first arrival is anywhere the Date check passes, edges included.
        const date = T0 + Math.round(dateOffset / 1000) * 1000;
        const headers: [string, string][] = [["date", formatHttpDate(date)]];
        const t0 = date - windowMs + (first % (2 * windowMs + 1));
        assert.equal(checkDate(headers, t0, policy), DateVerdict.Ok);
        const cache = new MemoryReplayCache({ maxEntries: 10 });
        const enc = new Uint8Array(32).fill(7);
        assert.equal(cache.claim(enc, t0, replayTtlMs(policy)), true);
        // Half the cases a few ms around the last instant the Date check passes (Date + window).
        const t1 = nearEdge === null ? t0 + later : Math.max(t0, date + windowMs + nearEdge);
        if (checkDate(headers, t1, policy) === DateVerdict.Ok) assert.equal(cache.claim(enc, t1, replayTtlMs(policy)), false, `window ${windowMs}, t0 ${t0 - date}, t1 ${t1 - date}`);
      },
    ),
    { seed: 20261203, numRuns: 5000 },
  );
  // The worst case named: dated a window ahead, first seen as early as allowed, copied as late as allowed.
  const policy = { windowMs: 60_000, required: true };
  const headers: [string, string][] = [["date", formatHttpDate(T0 + 60_000)]];
  const cache = new MemoryReplayCache({ maxEntries: 10 });
  const enc = new Uint8Array(32).fill(9);
  assert.equal(checkDate(headers, T0, policy), DateVerdict.Ok);
  assert.equal(cache.claim(enc, T0, replayTtlMs(policy)), true);
  assert.equal(checkDate(headers, T0 + 120_000, policy), DateVerdict.Ok);
  assert.equal(cache.claim(enc, T0 + 120_000, replayTtlMs(policy)), false);
  assert.equal(checkDate(headers, T0 + 120_001, policy), DateVerdict.Outside);
});

test("memory replay cache through the gateway: refused just before and at 2 × window, Date-refused just after", async () => {
  assertGatewayEdges(await gatewayEdges({}));
});
