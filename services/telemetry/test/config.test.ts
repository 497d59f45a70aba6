import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { ConfigError } from "@oblivious/service-kit";
import { loadTelemetryConfig, TELEMETRY_DEFAULTS } from "../src/config.js";

test("defaults: ports 8084/9084, memory store, origin telemetry.internal", () => {
  const config = loadTelemetryConfig({});
  assert.equal(config.port, 8084);
  assert.equal(config.adminPort, 9084);
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.maxBatch, TELEMETRY_DEFAULTS.maxBatch);
  assert.equal(config.maxBodyBytes, 64 * 1024);
  assert.equal(config.drainTimeoutMs, 15_000);
  assert.equal(config.redis, undefined);
  assert.deepEqual(config.tokenGate.originInfo, ["telemetry.internal"]);
  assert.equal(config.tokenGate.issuerName, "issuer.internal");
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.tokenGate));
});

test("every variable is read", () => {
  // The listeners' variables: service-kit's readListenerSettings (its test reads them for every service).
  const config = loadTelemetryConfig({
    TELEMETRY_PORT: "18084",
    TELEMETRY_MAX_BATCH: "20",
    TELEMETRY_MAX_BODY: "4096",
    TELEMETRY_DRAIN_TIMEOUT: "3s",
    REDIS_URL: "redis://:hunter2@redis.internal:6379/0",
    REDIS_PREFIX: "tm:",
    TOKEN_ORIGIN_INFO: "telemetry.internal,telemetry.example",
  });
  assert.deepEqual(
    [config.port, config.maxBatch, config.maxBodyBytes, config.drainTimeoutMs],
    [18084, 20, 4096, 3000],
  );
  assert.equal(config.redis?.url?.reveal(), "redis://:hunter2@redis.internal:6379/0");
  assert.equal(config.redis.prefix, "tm:");
  assert.deepEqual(config.tokenGate.originInfo, ["telemetry.internal", "telemetry.example"]);
  // The Redis URL may hold a password: it never prints.
  for (const text of [JSON.stringify(config), inspect(config, { depth: 10 }), String(config.redis.url)]) assert.ok(!text.includes("hunter2"));
});

test("bad values stop start-up, naming every variable and no value", () => {
  const env = {
    TELEMETRY_PORT: "http",
    TELEMETRY_ADMIN_PORT: "70000",
    TELEMETRY_MAX_BATCH: "0",
    TELEMETRY_MAX_BODY: "10",
    TELEMETRY_DRAIN_TIMEOUT: "soon",
    REDIS_URL: "http://secret-host:6379",
    TOKEN_SPEND_TTL: "1s",
  };
  assert.throws(
    () => loadTelemetryConfig(env),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual([...e.variables].sort(), Object.keys(env).sort());
      assert.ok(!e.message.includes("secret-host"));
      return true;
    },
  );
});
