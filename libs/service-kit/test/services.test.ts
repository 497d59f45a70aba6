/** The registry of services: one name, port pair, variable prefix and inner origin each. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SERVICES, localUrl, originHost } from "../src/index.js";
import { SERVICE_NAMES } from "../src/services.js";

test("service registry: names match their entries; ports and prefixes are unique; backends have an .internal origin", () => {
  assert.deepEqual(Object.keys(SERVICES), [...SERVICE_NAMES]);
  const entries = SERVICE_NAMES.map((n) => SERVICES[n]);
  for (const [name, s] of Object.entries(SERVICES)) assert.equal(s.name, name);
  const ports = entries.flatMap((s) => [s.port, s.adminPort]);
  assert.equal(new Set(ports).size, ports.length, "no two listeners share a default port");
  assert.equal(new Set(entries.map((s) => s.variablePrefix)).size, entries.length);
  for (const s of entries) assert.equal(s.variablePrefix, s.name.toUpperCase().replace(/-/g, "_"));
  assert.deepEqual(
    entries.filter((s) => s.origin !== undefined).map((s) => s.origin),
    ["https://issuer.internal", "https://sticker-search.internal", "https://telemetry.internal"],
  );
  assert.equal(localUrl("issuer", "/token-request"), "http://127.0.0.1:8082/token-request");
  assert.equal(originHost("sticker-search"), "sticker-search.internal");
  assert.ok(Object.isFrozen(SERVICES));
});
