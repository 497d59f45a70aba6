/** Configuration: defaults, one error naming every bad variable, secrets that never print. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { inspect } from "node:util";
import { ConfigError } from "@oblivious/service-kit";
import { loadIssuerConfig } from "../src/config.js";

const MINIMAL = { ISSUER_KEYS_FILE: "/k.json", ISSUER_PSEUDONYM_KEY_FILE: "/p.key", ATTESTER_JWKS_FILE: "/jwks.json", ATTESTER_ISSUER: "https://accounts.example" };

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadIssuerConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.variables;
    throw e;
  }
  return [];
}

test("config: defaults", () => {
  const c = loadIssuerConfig(MINIMAL);
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.port, 8082);
  assert.equal(c.adminHost, "127.0.0.1");
  assert.equal(c.adminPort, 9082);
  assert.equal(c.issuerName, "issuer.internal");
  assert.equal(c.issuerRequestUri, "http://127.0.0.1:8082/token-request");
  assert.equal(c.attester.audience, "issuer.internal", "ATTESTER_AUDIENCE defaults to ISSUER_NAME");
  assert.deepEqual(c.attester.algorithms, ["ES256", "EdDSA"]);
  assert.equal(c.attester.clockToleranceS, 30);
  assert.equal(c.quota, 100);
  assert.equal(c.quotaPeriodMs, 86_400_000);
  assert.equal(c.signers, availableParallelism());
  assert.equal(c.maxBatch, 100);
  assert.equal(c.maxQueue, 1024);
  assert.equal(c.directoryMaxAgeS, 3600);
  assert.equal(c.drainTimeoutMs, 10_000);
  assert.equal(c.redis, undefined);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.attester));
});

test("config: required settings, each named", () => {
  assert.deepEqual([...problems({})].sort(), ["ATTESTER_ISSUER", "ATTESTER_JWKS_FILE", "ISSUER_KEYS_FILE", "ISSUER_PSEUDONYM_KEY_FILE"]);
});

test("config: malformed values name their variables, all at once", () => {
  // Each variable with a value it must refuse; all set at once, every one is named.
  const malformed: Readonly<Record<string, string>> = {
    ISSUER_PORT: "http",
    ISSUER_QUOTA: "0",
    ISSUER_QUOTA_PERIOD: "tomorrow",
    ISSUER_SIGNERS: "-1",
    ISSUER_MAX_BATCH: "-1",
    ATTESTER_ALGORITHMS: "ES256,HS256",
    ISSUER_REQUEST_URI: "ftp://x",
    REDIS_URL: "http://redis",
  };
  const bad = problems({ ...MINIMAL, ...malformed });
  for (const name of Object.keys(malformed)) assert.ok(bad.includes(name), name);
  // Values refused only beside another setting, or on their own: [the change, the variable named].
  const alone: readonly [Readonly<Record<string, string>>, string][] = [
    [{ ATTESTER_ALGORITHMS: "none" }, "ATTESTER_ALGORITHMS"],
    [{ ISSUER_KEYS: "{}" }, "ISSUER_KEYS"], // a file and inline keys at once
    [{ ATTESTER_JWKS_URL: "https://accounts.example/jwks" }, "ATTESTER_JWKS_URL"],
    [{ ISSUER_MAX_BATCH: "500", ISSUER_MAX_QUEUE: "100" }, "ISSUER_MAX_QUEUE"],
  ];
  for (const [change, name] of alone) assert.ok(problems({ ...MINIMAL, ...change }).includes(name), name);
});

test("config: a JWKS URL, Redis, and settings in range", () => {
  const c = loadIssuerConfig({
    ...MINIMAL,
    ATTESTER_JWKS_FILE: "",
    ATTESTER_JWKS_URL: "https://accounts.example/.well-known/jwks.json",
    ATTESTER_ALGORITHMS: "EdDSA",
    ISSUER_QUOTA: "5",
    ISSUER_QUOTA_PERIOD: "1h",
    ISSUER_SIGNERS: "3",
    REDIS_URL: "redis://:hunter2@redis:6379",
    REDIS_PREFIX: "pp:",
  });
  assert.equal(c.attester.jwks.kind, "url");
  assert.deepEqual(c.attester.algorithms, ["EdDSA"]);
  assert.equal(c.quotaPeriodMs, 3_600_000);
  assert.equal(c.signers, 3);
  assert.equal(loadIssuerConfig({ ...MINIMAL, ISSUER_SIGNERS: "0" }).signers, 0, "0: the event loop signs");
  assert.equal(c.redis?.prefix, "pp:");
  assert.equal(c.redis?.url?.reveal(), "redis://:hunter2@redis:6379");
});

test("config: secrets never print (inspect, JSON, String)", () => {
  const c = loadIssuerConfig({ ...MINIMAL, ISSUER_KEYS_FILE: "", ISSUER_KEYS: '{"version":1,"keys":["sekrit-key"]}', ISSUER_PSEUDONYM_KEY_FILE: "", ISSUER_PSEUDONYM_KEY: "sekrit-pseudonym", REDIS_URL: "redis://:hunter2@redis:6379" });
  for (const text of [inspect(c, { depth: 10 }), JSON.stringify(c), String(c.redis?.url)]) {
    for (const secret of ["sekrit-key", "sekrit-pseudonym", "hunter2"]) assert.equal(text.includes(secret), false, secret);
  }
  try {
    loadIssuerConfig({ ...MINIMAL, ISSUER_PORT: "sekrit-port" });
    assert.fail("should throw");
  } catch (e) {
    assert.ok(e instanceof ConfigError && !e.message.includes("sekrit"));
  }
});
