import { test } from "node:test";
import assert from "node:assert/strict";
import { clientAddress, RateLimiter, rateLimitSubject } from "../src/index.js";
import { delay } from "./support.js";

function counting(): { newKey: () => Buffer; keys: Buffer[] } {
  const keys: Buffer[] = [];
  return {
    keys,
    newKey: () => {
      const key = Buffer.alloc(32, keys.length + 1);
      keys.push(key);
      return key;
    },
  };
}

test("rate limit: N per fixed window, Retry-After to the window's end, then a new window and a new key", () => {
  let now = 120_000 + 15_000; // 15 s into a 60 s window
  const key = counting();
  const limiter = new RateLimiter({ limit: 3, windowMs: 60_000, tableSize: 100, now: () => now, newKey: key.newKey });
  for (let i = 0; i < 3; i++) assert.deepEqual(limiter.check("192.0.2.1"), { allowed: true });
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: false, retryAfterS: 45 });
  now += 44_500;
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: false, retryAfterS: 1 });
  assert.deepEqual(limiter.check("192.0.2.2"), { allowed: true }, "another address has its own budget");
  assert.equal(limiter.size, 2);
  assert.equal(key.keys.length, 1);

  now = 180_000; // the next window
  assert.deepEqual(limiter.check("192.0.2.1"), { allowed: true });
  assert.equal(limiter.size, 1, "the previous window's table is gone");
  assert.equal(key.keys.length, 2, "a new key for the new window");
  assert.ok(key.keys[0]?.every((b) => b === 0), "the previous key was zeroed");
  limiter.close();
  assert.ok(key.keys[1]?.every((b) => b === 0));
});

test("rate limit: rotation happens at the window boundary even with no traffic", async () => {
  const key = counting();
  const limiter = new RateLimiter({ limit: 5, windowMs: 50, tableSize: 10, newKey: key.newKey });
  limiter.startRotation();
  limiter.check("192.0.2.9");
  assert.equal(limiter.size, 1);
  await delay(130);
  assert.equal(limiter.size, 0, "the table was dropped without a request");
  assert.ok(key.keys.length >= 3, `rotated ${key.keys.length - 1} times`);
  limiter.close();
  const after = key.keys.length;
  await delay(120);
  assert.equal(key.keys.length, after, "close() stops the rotation");
});

test("rate limit: a full table evicts the least recently seen entry and never refuses for lack of room", () => {
  let evictions = 0;
  let fulls = 0;
  const limiter = new RateLimiter({
    limit: 1,
    windowMs: 60_000,
    tableSize: 3,
    now: () => 0,
    onEvict: () => (evictions += 1),
    onFull: () => (fulls += 1),
  });
  for (const a of ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) assert.equal(limiter.check(a).allowed, true);
  assert.equal(limiter.check("10.0.0.1").allowed, false, "seen again: now the most recent");
  assert.equal(limiter.check("10.0.0.4").allowed, true, "a new client is admitted");
  assert.equal(limiter.size, 3);
  assert.equal(evictions, 1);
  assert.equal(limiter.check("10.0.0.1").allowed, false, "the recently seen client kept its count");
  assert.equal(limiter.check("10.0.0.2").allowed, true, "the least recently seen was evicted");
  assert.equal(limiter.check("10.0.0.5").allowed, true);
  assert.equal(limiter.size, 3);
  assert.equal(evictions, 3);
  assert.equal(fulls, 1, "reported once per window");
});

test("rate limit: one budget per IPv4 address and per IPv6 /64; mapped IPv4 is IPv4", () => {
  assert.equal(rateLimitSubject("192.0.2.1"), "192.0.2.1");
  assert.equal(rateLimitSubject("::ffff:192.0.2.1"), "192.0.2.1");
  assert.equal(rateLimitSubject("::ffff:c000:201"), "192.0.2.1");
  assert.equal(rateLimitSubject("2001:db8:1:2::1"), "2001:db8:1:2::/64");
  assert.equal(rateLimitSubject("2001:DB8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
  assert.equal(rateLimitSubject("2001:db8::1"), "2001:db8:0:0::/64");
  assert.equal(rateLimitSubject("fe80::1%eth0"), "fe80:0:0:0::/64");
  assert.equal(rateLimitSubject("::1"), "0:0:0:0::/64");
  assert.equal(rateLimitSubject("64:ff9b::192.0.2.1"), "64:ff9b:0:0::/64");
  assert.equal(rateLimitSubject("1:2:3:4:5:6:1.2.3.4"), "1:2:3:4::/64");

  const limiter = new RateLimiter({ limit: 1, windowMs: 60_000, tableSize: 10, now: () => 0 });
  assert.equal(limiter.check("2001:db8:1:2::1").allowed, true);
  assert.equal(limiter.check("2001:db8:1:2:abcd::9").allowed, false, "same /64");
  assert.equal(limiter.check("2001:db8:1:3::1").allowed, true, "another /64");
  assert.equal(limiter.check("192.0.2.7").allowed, true);
  assert.equal(limiter.check("::ffff:192.0.2.7").allowed, false, "the same IPv4 client");
});

test("client address: the socket's peer, or the Nth entry from the right behind N trusted proxies", () => {
  const peer = "10.0.0.1";
  assert.equal(clientAddress(peer, "203.0.113.5", 0), peer, "X-Forwarded-For is ignored unless proxies are trusted");
  assert.equal(clientAddress(peer, undefined, 1), peer);
  assert.equal(clientAddress(peer, "1.1.1.1, 203.0.113.5", 1), "203.0.113.5");
  assert.equal(clientAddress(peer, "1.1.1.1, 203.0.113.5, 10.0.0.9", 2), "203.0.113.5");
  assert.equal(clientAddress(peer, "203.0.113.5", 3), "203.0.113.5", "fewer entries than proxies: the leftmost");
  assert.equal(clientAddress(peer, "203.0.113.5:4711", 1), "203.0.113.5");
  assert.equal(clientAddress(peer, "[2001:db8::5]:443", 1), "2001:db8::5");
  assert.equal(clientAddress(peer, "2001:db8::5", 1), "2001:db8::5");
  assert.equal(clientAddress(peer, "unknown", 1), peer, "not an address: the peer's budget");
  assert.equal(clientAddress(peer, " , ", 1), peer);
  assert.equal(clientAddress(undefined, undefined, 0), "");
});
