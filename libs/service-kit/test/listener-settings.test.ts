/** Every service reads its listener and shedding settings the same way, under its registry prefix. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, EnvReader, SERVICES, readListenerSettings, readShedSettings } from "../src/index.js";
import { SERVICE_NAMES } from "../src/services.js";

test("listener and shed settings: defaults from the registry, every variable read under each service's prefix", () => {
  for (const name of SERVICE_NAMES) {
    const { variablePrefix: p, port, adminPort } = SERVICES[name];
    const defaults = new EnvReader({});
    assert.deepEqual(readListenerSettings(defaults, name, { drainTimeoutMs: 7000 }), { host: "127.0.0.1", port, adminHost: "127.0.0.1", adminPort, drainTimeoutMs: 7000, shutdownGraceMs: 0 });
    assert.deepEqual(readShedSettings(defaults, name, { maxInFlight: 9 }), { maxInFlight: 9, shedTargetMs: 500 });
    defaults.done();
    const env = new EnvReader({
      [`${p}_HOST`]: "0.0.0.0",
      [`${p}_PORT`]: "18000",
      [`${p}_ADMIN_HOST`]: "10.0.0.1",
      [`${p}_ADMIN_PORT`]: "19000",
      [`${p}_DRAIN_TIMEOUT`]: "30s",
      [`${p}_SHUTDOWN_GRACE`]: "5s",
      [`${p}_MAX_IN_FLIGHT`]: "0",
      [`${p}_SHED_TARGET`]: "250ms",
    });
    assert.deepEqual(readListenerSettings(env, name, { drainTimeoutMs: 7000 }), { host: "0.0.0.0", port: 18000, adminHost: "10.0.0.1", adminPort: 19000, drainTimeoutMs: 30_000, shutdownGraceMs: 5000 }, name);
    assert.deepEqual(readShedSettings(env, name, { maxInFlight: 9 }), { maxInFlight: 0, shedTargetMs: 250 }, name);
    env.done();
  }
  const bad = new EnvReader({ RELAY_PORT: "http", RELAY_DRAIN_TIMEOUT: "11m", RELAY_MAX_IN_FLIGHT: "-1" });
  readListenerSettings(bad, "relay", { drainTimeoutMs: 1000 });
  readShedSettings(bad, "relay", { maxInFlight: 1 });
  assert.throws(() => bad.done(), (e: unknown) => e instanceof ConfigError && e.variables.join() === "RELAY_PORT,RELAY_DRAIN_TIMEOUT,RELAY_MAX_IN_FLIGHT");
});
