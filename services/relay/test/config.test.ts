import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "@oblivious/service-kit";
import { loadRelayConfig } from "../src/config.js";

test("config: defaults", () => {
  const c = loadRelayConfig({});
  assert.deepEqual(c, {
    host: "127.0.0.1",
    port: 8080,
    adminHost: "127.0.0.1",
    adminPort: 9080,
    gatewayUrl: "http://127.0.0.1:8081/gateway",
    keysUrl: "http://127.0.0.1:8081/ohttp-keys",
    maxBodyBytes: 65536,
    maxResponseBytes: 1048576,
    timeoutMs: 10_000,
    rateLimit: { limit: 600, windowMs: 60_000, tableSize: 100_000 },
    trustProxy: 0,
    trustedProxies: [],
    keysTtlMs: 300_000,
    drainTimeoutMs: 15_000,
    shutdownGraceMs: 0,
    maxInFlight: 256,
    shedTargetMs: 500,
  });
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.rateLimit));
});

test("config: every variable is read (the listeners' by service-kit's readListenerSettings); the keys URL follows the gateway's origin unless set", () => {
  const c = loadRelayConfig({
    RELAY_PORT: "18080",
    RELAY_GATEWAY_URL: "https://gateway.example:8443/gw?v=1#frag",
    RELAY_MAX_BODY: "1000",
    RELAY_MAX_RESPONSE: "2000",
    RELAY_TIMEOUT: "2s",
    RELAY_RATE_LIMIT: "10",
    RELAY_RATE_WINDOW: "10s",
    RELAY_RATE_TABLE_SIZE: "500",
    RELAY_TRUST_PROXY: "2",
    RELAY_TRUSTED_PROXIES: "10.0.0.0/8, 2001:db8::/32,192.0.2.7",
    RELAY_KEYS_TTL: "1m",
    RELAY_DRAIN_TIMEOUT: "30s",
  });
  assert.equal(c.gatewayUrl, "https://gateway.example:8443/gw?v=1");
  assert.equal(c.keysUrl, "https://gateway.example:8443/ohttp-keys");
  assert.deepEqual(
    [c.port, c.maxBodyBytes, c.maxResponseBytes, c.timeoutMs, c.trustProxy, c.keysTtlMs, c.drainTimeoutMs],
    [18080, 1000, 2000, 2000, 2, 60_000, 30_000],
  );
  assert.deepEqual(c.rateLimit, { limit: 10, windowMs: 10_000, tableSize: 500 });
  assert.deepEqual(c.trustedProxies, [
    { address: "10.0.0.0", prefix: 8, family: "ipv4" },
    { address: "2001:db8::", prefix: 32, family: "ipv6" },
    { address: "192.0.2.7", prefix: 32, family: "ipv4" },
  ]);
  assert.equal(loadRelayConfig({ RELAY_KEYS_URL: "http://keys.example/k" }).keysUrl, "http://keys.example/k");
});

test("config: every bad variable is named at once, no value is echoed", () => {
  assert.throws(
    () =>
      loadRelayConfig({
        RELAY_PORT: "http",
        RELAY_GATEWAY_URL: "https://user:secret-pw@gw.example/gateway",
        RELAY_KEYS_URL: "file:///etc/secret-path",
        RELAY_MAX_BODY: "0",
        RELAY_TIMEOUT: "ten",
        RELAY_RATE_LIMIT: "-5",
        RELAY_RATE_WINDOW: "100ms",
        RELAY_TRUST_PROXY: "yes",
        RELAY_KEYS_TTL: "2d",
      }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.variables.join() ===
        "RELAY_GATEWAY_URL,RELAY_KEYS_URL,RELAY_PORT,RELAY_MAX_BODY,RELAY_TIMEOUT,RELAY_RATE_LIMIT,RELAY_RATE_WINDOW,RELAY_TRUST_PROXY,RELAY_KEYS_TTL" &&
      !/secret|ten|-5|yes|http\b/.test(e.message.replace(/RELAY_\w+/g, "").replace(/absolute http or https URL/g, "")),
  );
});

test("config: RELAY_TRUSTED_PROXIES is required above RELAY_TRUST_PROXY=0, and a malformed CIDR stops start-up naming the variable", () => {
  const fails = (env: Record<string, string>, reason: RegExp): void =>
    assert.throws(
      () => loadRelayConfig(env),
      (e: unknown) => e instanceof ConfigError && e.variables.join() === "RELAY_TRUSTED_PROXIES" && reason.test(e.message),
      JSON.stringify(env),
    );
  fails({ RELAY_TRUST_PROXY: "1" }, /is required when RELAY_TRUST_PROXY is above 0/);
  fails({ RELAY_TRUST_PROXY: "1", RELAY_TRUSTED_PROXIES: " , " }, /must be comma-separated CIDRs/);
  for (const bad of ["10.0.0.0/33", "2001:db8::/129", "10.0.0/8", "10.0.0.0/8/1", "10.0.0.0/-1", "10.0.0.0/ 8", "fe80::1%eth0/64", "proxy.internal", "10.0.0.0/8,nope", "10.0.0.0/0x8"]) {
    fails({ RELAY_TRUST_PROXY: "1", RELAY_TRUSTED_PROXIES: bad }, /must be comma-separated CIDRs/);
    // Malformed is malformed even where it would be ignored.
    fails({ RELAY_TRUSTED_PROXIES: bad }, /must be comma-separated CIDRs/);
  }
  assert.throws(
    () => loadRelayConfig({ RELAY_TRUST_PROXY: "1", RELAY_TRUSTED_PROXIES: "172.31.0.0/99" }),
    (e: unknown) => e instanceof ConfigError && !e.message.includes("172.31"),
    "the value is not echoed",
  );
  assert.deepEqual(loadRelayConfig({ RELAY_TRUST_PROXY: "1", RELAY_TRUSTED_PROXIES: "0.0.0.0/0,::/0" }).trustedProxies.map((c) => c.prefix), [0, 0]);
  assert.deepEqual(loadRelayConfig({ RELAY_TRUSTED_PROXIES: "10.0.0.0/8" }).trustProxy, 0, "ignored without RELAY_TRUST_PROXY");
});
