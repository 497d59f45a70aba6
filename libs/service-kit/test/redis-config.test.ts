/**
 * readRedisConfig: REDIS_URL or Sentinel, the password files, the replica acknowledgement; every
 * misconfiguration is named by its variable and no secret is echoed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { ConfigError, EnvReader, parseRedisAddresses, readRedisConfig, redisOptions } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "redis-config-"));
const passwordFile = join(dir, "password");
writeFileSync(passwordFile, "data-node-hunter2\n");
const sentinelPasswordFile = join(dir, "sentinel-password");
writeFileSync(sentinelPasswordFile, "sentinel-hunter2");

function read(env: Record<string, string>): ReturnType<typeof readRedisConfig> {
  const reader = new EnvReader(env);
  const config = readRedisConfig(reader, "svc:");
  reader.done();
  return config;
}

function failures(env: Record<string, string>): string[] {
  try {
    read(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const secret of ["hunter2", "data-node", "sentinel-hunter2"]) assert.ok(!e.message.includes(secret));
      return [...e.variables];
    }
    throw e;
  }
  return [];
}

test("redis config: neither REDIS_URL nor REDIS_SENTINELS → no Redis (in-memory stores)", () => {
  assert.equal(read({}), undefined);
});

test("redis config: REDIS_URL, with the defaults of the replica acknowledgement (off)", () => {
  const c = read({ REDIS_URL: "redis://127.0.0.1:6379" });
  assert.equal(c?.url?.reveal(), "redis://127.0.0.1:6379");
  assert.equal(c?.sentinel, undefined);
  assert.equal(c?.prefix, "svc:");
  assert.equal(c?.minReplicasAck, 0);
  assert.equal(c?.replicaAckTimeoutMs, 200);
  assert.deepEqual(c === undefined ? undefined : redisOptions(c), { keyPrefix: "svc:", url: "redis://127.0.0.1:6379" });
});

test("redis config: Sentinel with both password files; the passwords are Secrets until redisOptions", () => {
  const c = read({
    REDIS_SENTINELS: "sentinel-0.redis:26379, 10.0.0.7:26380,[::1]:26381",
    REDIS_SENTINEL_NAME: "oblivious",
    REDIS_PASSWORD_FILE: passwordFile,
    REDIS_SENTINEL_PASSWORD_FILE: sentinelPasswordFile,
    REDIS_MIN_REPLICAS_ACK: "1",
    REDIS_REPLICA_ACK_TIMEOUT: "150ms",
    REDIS_PREFIX: "p:",
  });
  assert.ok(c !== undefined);
  assert.deepEqual(c.sentinel, {
    name: "oblivious",
    sentinels: [
      { host: "sentinel-0.redis", port: 26379 },
      { host: "10.0.0.7", port: 26380 },
      { host: "::1", port: 26381 },
    ],
  });
  assert.equal(c.url, undefined);
  assert.equal(c.minReplicasAck, 1);
  assert.equal(c.replicaAckTimeoutMs, 150);
  for (const text of [inspect(c, { depth: 10 }), JSON.stringify(c)]) assert.ok(!text.includes("hunter2"), text);
  assert.deepEqual(redisOptions(c), {
    keyPrefix: "p:",
    password: "data-node-hunter2",
    sentinel: { name: "oblivious", sentinels: c.sentinel.sentinels, sentinelPassword: "sentinel-hunter2" },
  });
});

test("redis config: REDIS_PASSWORD_FILE with REDIS_URL overrides the URL's password", () => {
  const c = read({ REDIS_URL: "redis://redis:6379", REDIS_PASSWORD_FILE: passwordFile });
  assert.equal(c === undefined ? undefined : redisOptions(c).password, "data-node-hunter2");
});

test("redis config: each misconfiguration fails start-up naming its variable", () => {
  assert.deepEqual(failures({ REDIS_URL: "redis://a:6379", REDIS_SENTINELS: "s:26379", REDIS_SENTINEL_NAME: "m" }), ["REDIS_SENTINELS"]);
  assert.deepEqual(failures({ REDIS_SENTINELS: "s:26379" }), ["REDIS_SENTINEL_NAME"]);
  assert.deepEqual(failures({ REDIS_SENTINELS: "s:26379", REDIS_SENTINEL_NAME: "bad name" }), ["REDIS_SENTINEL_NAME"]);
  for (const bad of ["s", "s:", ":26379", "s:0", "s:65536", "s:26379,", "s:26379,,t:1", "s:port", "redis://s:26379", "s:26379:1", "-s:1"]) {
    assert.deepEqual(failures({ REDIS_SENTINELS: bad, REDIS_SENTINEL_NAME: "m" }), ["REDIS_SENTINELS"], bad);
  }
  assert.deepEqual(failures({ REDIS_SENTINEL_NAME: "m" }), ["REDIS_SENTINEL_NAME"]);
  assert.deepEqual(failures({ REDIS_PASSWORD_FILE: passwordFile }), ["REDIS_PASSWORD_FILE"]);
  assert.deepEqual(failures({ REDIS_URL: "redis://a:6379", REDIS_SENTINEL_PASSWORD_FILE: sentinelPasswordFile }), ["REDIS_SENTINEL_PASSWORD_FILE"]);
  assert.deepEqual(failures({ REDIS_URL: "redis://a:6379", REDIS_PASSWORD_FILE: join(dir, "missing") }), ["REDIS_PASSWORD_FILE"]);
  assert.deepEqual(failures({ REDIS_URL: "http://a:6379" }), ["REDIS_URL"]);
  assert.deepEqual(failures({ REDIS_URL: "redis://a:6379", REDIS_MIN_REPLICAS_ACK: "-1" }), ["REDIS_MIN_REPLICAS_ACK"]);
  assert.deepEqual(failures({ REDIS_URL: "redis://a:6379", REDIS_REPLICA_ACK_TIMEOUT: "1s" }), ["REDIS_REPLICA_ACK_TIMEOUT"]);
});

test("redis config: an empty or multi-line password file is refused", () => {
  const empty = join(dir, "empty");
  writeFileSync(empty, "\n");
  const twoLines = join(dir, "two-lines");
  writeFileSync(twoLines, "a\nb\n");
  assert.deepEqual(failures({ REDIS_URL: "redis://a:6379", REDIS_PASSWORD_FILE: empty }), ["REDIS_PASSWORD_FILE"]);
  assert.deepEqual(failures({ REDIS_URL: "redis://a:6379", REDIS_PASSWORD_FILE: twoLines }), ["REDIS_PASSWORD_FILE"]);
});

test("redis config: parseRedisAddresses", () => {
  assert.deepEqual(parseRedisAddresses("a:1"), [{ host: "a", port: 1 }]);
  assert.equal(parseRedisAddresses(""), undefined);
});
