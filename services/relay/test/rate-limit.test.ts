import { test } from "node:test";
import assert from "node:assert/strict";
import { clientAddress, parseCidr, parseCidrList, rateLimitSubject, TrustedProxies } from "../src/client-address.js";
import { RateLimiter } from "../src/rate-limit.js";
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

test("client address: the socket's peer, or, from a trusted proxy, the first untrusted address from the right within N hops", () => {
  const peer = "10.0.0.1";
  const one = new TrustedProxies(1, parseCidrList("10.0.0.0/24") ?? []);
  const two = new TrustedProxies(2, parseCidrList("10.0.0.0/24") ?? []);
  const three = new TrustedProxies(3, parseCidrList("10.0.0.0/24") ?? []);
  assert.equal(clientAddress(peer, "203.0.113.5", new TrustedProxies(0, parseCidrList("10.0.0.0/24") ?? [])), peer, "X-Forwarded-For is ignored unless proxies are trusted");
  assert.equal(clientAddress(peer, "203.0.113.5", new TrustedProxies(1, [])), peer, "nor without their addresses");
  assert.equal(clientAddress("198.51.100.9", "203.0.113.5", one), "198.51.100.9", "a peer that is no trusted proxy is its own address");
  assert.equal(clientAddress(peer, undefined, one), peer);
  assert.equal(clientAddress(peer, "1.1.1.1, 203.0.113.5", one), "203.0.113.5");
  assert.equal(clientAddress(peer, "1.1.1.1, 203.0.113.5, 10.0.0.9", two), "203.0.113.5", "the inner proxy's entry, then the client's");
  assert.equal(clientAddress(peer, "1.1.1.1, 203.0.113.5, 198.51.100.7", two), "198.51.100.7", "an untrusted hop is the client, whatever is left of it");
  assert.equal(clientAddress(peer, "10.0.0.7, 10.0.0.8", two), "10.0.0.7", "at most N entries are taken");
  assert.equal(clientAddress(peer, "203.0.113.5", three), "203.0.113.5", "fewer entries than proxies: the leftmost");
  assert.equal(clientAddress(peer, "203.0.113.5:4711", one), "203.0.113.5");
  assert.equal(clientAddress(peer, "[2001:db8::5]:443", one), "2001:db8::5");
  assert.equal(clientAddress(peer, "2001:db8::5", one), "2001:db8::5");
  assert.equal(clientAddress(peer, "unknown", one), peer, "not an address: the peer's budget");
  assert.equal(clientAddress(peer, " , ", one), peer);
  assert.equal(clientAddress(undefined, undefined, one), "");
  // IPv6 proxies, IPv4-mapped peers (a dual-stack listener) and zone ids.
  const v6 = new TrustedProxies(1, parseCidrList("2001:db8:aa::/48, 127.0.0.1") ?? []);
  assert.equal(clientAddress("2001:db8:aa::17", "203.0.113.5", v6), "203.0.113.5");
  assert.equal(clientAddress("2001:db8:ab::17", "203.0.113.5", v6), "2001:db8:ab::17");
  assert.equal(clientAddress("::ffff:127.0.0.1", "203.0.113.5", v6), "203.0.113.5");
  assert.equal(clientAddress("::ffff:127.0.0.2", "203.0.113.5", v6), "::ffff:127.0.0.2");
  assert.equal(new TrustedProxies(1, parseCidrList("fe80::/10") ?? []).trusts("fe80::1%eth0"), true);
  assert.deepEqual(parseCidr("192.0.2.7"), { address: "192.0.2.7", prefix: 32, family: "ipv4" });
  assert.deepEqual(parseCidr("::1"), { address: "::1", prefix: 128, family: "ipv6" });
  assert.equal(parseCidrList(""), undefined);
});
