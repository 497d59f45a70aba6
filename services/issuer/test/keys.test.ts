/** The key file: format checks, loading from a file or ISSUER_KEYS, and the key CLI. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { inspect } from "node:util";
import { ConfigError } from "@oblivious/service-kit";
import { loadIssuerConfig } from "../src/config.js";
import { loadKeys, parseKeyFile, readKeyFile, serializeKeyFile } from "../src/key-file.js";
import { KeyFileError } from "@oblivious/service-kit";
import { startIssuer } from "../src/server.js";
import { Secret } from "@oblivious/service-kit";
import { DAY, T0, fetchDirectory, fixture, startTestIssuer, tempDir, testKey } from "./helpers.js";

const run = promisify(execFile);
const CLI = fileURLToPath(new URL("../src/keys-cli.js", import.meta.url));

function entry(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { tokenType: 2, privateKey: testKey("a").privateKey.export({ format: "der", type: "pkcs8" }).toString("base64url"), notBefore: "2026-02-28T12:00:00Z", ...overrides };
}

function file(keys: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ version: 1, keys, ...extra });
}

test("keys: a well-formed file loads; every malformed item is refused with a message that names it, not its value", () => {
  assert.equal(parseKeyFile(file([entry()]), T0).length, 1);
  const rsa1024 = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ format: "der", type: "pkcs8" }).toString("base64url");
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "der", type: "pkcs8" }).toString("base64url");
  const e3 = generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 3 }).privateKey.export({ format: "der", type: "pkcs8" }).toString("base64url");
  const cases: [string, string, RegExp][] = [
    ["not JSON", "{", /not JSON/],
    ["wrong version", JSON.stringify({ version: 2, keys: [entry()] }), /version/],
    ["extra top-level field", file([entry()], { other: 1 }), /version/],
    ["no keys", file([]), /no key/],
    ["unknown field", file([entry({ comment: "x" })]), /keys\[0\] has an unknown field/],
    ["token type 1", file([entry({ tokenType: 1 })]), /tokenType/],
    ["not base64url", file([entry({ privateKey: "a+b/" })]), /privateKey/],
    ["not a key", file([entry({ privateKey: "AAAA" })]), /PKCS#8/],
    ["RSA-1024", file([entry({ privateKey: rsa1024 })]), /2048-bit/],
    ["EC key", file([entry({ privateKey: ec })]), /RSA private key/],
    ["exponent 3", file([entry({ privateKey: e3 })]), /65537/],
    ["time with millis", file([entry({ notBefore: "2026-01-01T00:00:00.500Z" })]), /whole seconds/],
    ["retire before not-before", file([entry({ retireAt: "2026-01-01T00:00:00Z" })]), /retireAt must be after notBefore/],
    ["the same key twice", file([entry(), entry({ notBefore: "2026-02-27T12:00:00Z" })]), /same key twice/],
  ];
  const secret = String(entry()["privateKey"]).slice(10, 40);
  for (const [name, text, message] of cases) {
    assert.throws(
      () => parseKeyFile(text, T0),
      (e: unknown) => e instanceof KeyFileError && message.test(e.message) && !e.message.includes(secret),
      name,
    );
  }
});

test("keys: loading fails with a ConfigError naming the variable; never a random key", async () => {
  const dir = tempDir();
  const missing = join(dir, "missing.json");
  await assert.rejects(loadKeys({ kind: "file", path: missing }, T0), (e: unknown) => e instanceof ConfigError && e.variables.includes("ISSUER_KEYS_FILE"));
  await assert.rejects(loadKeys({ kind: "inline", text: new Secret("{}") }, T0), (e: unknown) => e instanceof ConfigError && e.variables.includes("ISSUER_KEYS"));
  const future = join(dir, "future.json");
  writeFileSync(future, serializeKeyFile([testKey("b", T0 + DAY)]));
  await assert.rejects(loadKeys({ kind: "file", path: future }, T0), /no key is current/);
  assert.throws(() => loadIssuerConfig({ ATTESTER_ISSUER: "x", ATTESTER_JWKS_FILE: "j", ISSUER_PSEUDONYM_KEY: "k" }), (e: unknown) => e instanceof ConfigError && e.variables.includes("ISSUER_KEYS_FILE"));
});

test("keys: ISSUER_KEYS holds the same JSON as a file (a secret); the directory is the same", async () => {
  const fx = await fixture();
  const inline = readFileSync(fx.keysFile, "utf8");
  const t = await startTestIssuer(fx, { ISSUER_KEYS_FILE: "", ISSUER_KEYS: inline });
  try {
    assert.equal((await fetchDirectory(t.url)).tokenKeys.length, 1);
    const config = loadIssuerConfig({ ...fx.env, ISSUER_KEYS_FILE: "", ISSUER_KEYS: inline });
    assert.ok(!inspect(config, { depth: 10 }).includes(inline.slice(60, 100)));
    assert.ok(!JSON.stringify(config).includes(inline.slice(60, 100)));
  } finally {
    await t.stop();
  }
  await assert.rejects(startIssuer(loadIssuerConfig({ ...fx.env, ISSUER_KEYS_FILE: "", ISSUER_KEYS: "{" })), ConfigError);
});

test("keys CLI: generate, rotate and show; 0600 files; no private key ever printed", async () => {
  const dir = tempDir();
  const path = join(dir, "issuer-keys.json");
  const generated = await run(process.execPath, [CLI, "generate", "--out", path, "--now", "2026-03-01T00:00:00Z"]);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const first = JSON.parse(generated.stdout) as { keys: { state: string; truncatedTokenKeyId: number; notBefore: string }[]; directory: { "token-keys": unknown[] } };
  assert.equal(first.keys.length, 1);
  assert.equal(first.keys[0]?.state, "current");
  assert.equal(first.keys[0]?.notBefore, "2026-03-01T00:00:00Z");
  assert.equal(first.directory["token-keys"].length, 1);
  await assert.rejects(run(process.execPath, [CLI, "generate", "--out", path]), /already exists/);

  const rotated = await run(process.execPath, [CLI, "rotate", "--file", path, "--lead", "2h", "--grace", "3d", "--now", "2026-03-02T00:00:00Z"]);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const second = JSON.parse(rotated.stdout) as { added: number; keys: { state: string; truncatedTokenKeyId: number; notBefore: string; retireAt?: string }[] };
  assert.deepEqual(second.keys.map((k) => k.state), ["current", "published"]);
  assert.equal(second.keys[1]?.notBefore, "2026-03-02T02:00:00Z");
  assert.equal(second.keys[0]?.retireAt, "2026-03-05T02:00:00Z");
  assert.equal(second.added, second.keys[1]?.truncatedTokenKeyId);
  assert.notEqual(second.keys[0]?.truncatedTokenKeyId, second.keys[1]?.truncatedTokenKeyId);

  const shown = await run(process.execPath, [CLI, "show", "--file", path, "--now", "2026-03-03T00:00:00Z"]);
  const third = JSON.parse(shown.stdout) as { keys: { state: string }[] };
  assert.deepEqual(third.keys.map((k) => k.state), ["grace", "current"]);

  const keys = readKeyFile(path, Date.parse("2026-03-03T00:00:00Z"));
  for (const key of keys) {
    const pem = key.privateKey.export({ format: "der", type: "pkcs8" }).toString("base64url");
    for (const out of [generated, rotated, shown]) {
      assert.ok(!out.stdout.includes(pem.slice(40, 80)) && !out.stderr.includes(pem.slice(40, 80)));
    }
  }
  await assert.rejects(run(process.execPath, [CLI, "frobnicate"]), (e: { code?: number; stderr?: string }) => e.code === 2 && /usage/.test(e.stderr ?? ""));
  writeFileSync(join(dir, "bad.json"), "{}");
  await assert.rejects(run(process.execPath, [CLI, "show", "--file", join(dir, "bad.json")]), (e: { code?: number; stderr?: string }) => e.code === 1 && /key file must be/.test(e.stderr ?? ""));
});

test("keys: a printed key shows public information only", () => {
  const key = testKey("a");
  const text = inspect(key, { depth: 5 }) + JSON.stringify(key);
  const der = key.privateKey.export({ format: "der", type: "pkcs8" }).toString("base64url");
  assert.ok(!text.includes(der.slice(40, 80)));
  assert.ok(!Object.keys(key).includes("privateKey"));
});

test("keys CLI: rotate refuses a lead or grace shorter than the directory's max-age cap plus the origins' refresh bound, and says why", async () => {
  const dir = tempDir();
  const path = join(dir, "issuer-keys.json");
  await run(process.execPath, [CLI, "generate", "--out", path, "--now", "2026-03-01T00:00:00Z"]);
  const before = readFileSync(path, "utf8");
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "ISSUER_DIRECTORY_MAX_AGE" && k !== "TOKEN_DIRECTORY_REFRESH"));
  const refused = (args: string[], extra: Record<string, string>, pattern: RegExp) =>
    assert.rejects(run(process.execPath, [CLI, "rotate", "--file", path, "--now", "2026-03-02T00:00:00Z", ...args], { env: { ...env, ...extra } }), (e: { code?: number; stderr?: string }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr ?? "", pattern);
      return true;
    });
  await refused(["--grace", "40s"], {}, /rotation refused, nothing written: --grace 40s is shorter than 1h5m: the directory's max-age cap \(default of ISSUER_DIRECTORY_MAX_AGE, 1h\) plus the origins' directory refresh bound \(default of TOKEN_DIRECTORY_REFRESH, 5m\)/);
  await refused(["--lead", "1h"], {}, /--lead 1h is shorter than 1h5m/);
  await refused(["--lead", "10m", "--grace", "10m"], { ISSUER_DIRECTORY_MAX_AGE: "5m", TOKEN_DIRECTORY_REFRESH: "6m" }, /--lead 10m is shorter than 11m: the directory's max-age cap \(ISSUER_DIRECTORY_MAX_AGE, 5m\) plus the origins' directory refresh bound \(TOKEN_DIRECTORY_REFRESH, 6m\)/);
  await refused(["--lead", "2m", "--grace", "1m", "--directory-max-age", "1m", "--directory-refresh", "30s"], {}, /--grace 1m is shorter than 1m30s: the directory's max-age cap \(--directory-max-age, 1m\)/);
  assert.equal(readFileSync(path, "utf8"), before, "nothing written");
  const accepted = await run(process.execPath, [CLI, "rotate", "--file", path, "--now", "2026-03-02T00:00:00Z", "--lead", "11m", "--grace", "11m"], { env: { ...env, ISSUER_DIRECTORY_MAX_AGE: "5m", TOKEN_DIRECTORY_REFRESH: "6m" } });
  assert.equal((JSON.parse(accepted.stdout) as { keys: unknown[] }).keys.length, 2);
  await assert.rejects(run(process.execPath, [CLI, "rotate", "--file", path, "--directory-refresh", "soon"], { env }), (e: { code?: number }) => e.code === 2);
});
