/**
 * DEVELOPMENT ONLY helpers: the dev attester (created once, marked as such), the dev issuer files,
 * and `mint-credential`, whose output the locally started issuer accepts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { readKeyFile } from "@oblivious/service-kit";
import { LineCapture } from "@oblivious/test-kit";
import { arcServerPublicKey, decodeArcServerPrivateKey, encodeArcServerPublicKey } from "@oblivious/privacypass";
import { arcKeyFileSpec } from "../src/arc-keys.js";
import { parseJwks } from "../src/jwks.js";
import { loadIssuerConfig } from "../src/config.js";
import { createDevAttester } from "../src/dev-attester.js";
import { prepareDevIssuer } from "../src/dev-env.js";
import { startIssuer } from "../src/server.js";
import { clientKey, fetchDirectory, issueOne, tempDir } from "./helpers.js";

const run = promisify(execFile);
const MINT = fileURLToPath(new URL("../src/mint-credential.js", import.meta.url));

test("dev attester: created once, then reused; DEVELOPMENT-ONLY in names and contents; the JWKS is public", async () => {
  const dir = tempDir();
  const a = await createDevAttester(dir);
  const jwks = readFileSync(a.jwksFile, "utf8");
  const b = await createDevAttester(dir);
  assert.equal(readFileSync(b.jwksFile, "utf8"), jwks, "same key the second time");
  const files = readdirSync(dir);
  assert.equal(files.length, 2);
  for (const name of files) {
    assert.match(name, /DEVELOPMENT-ONLY/);
    assert.match(readFileSync(`${dir}/${name}`, "utf8"), /DEVELOPMENT ONLY/);
  }
  const privateFile = files.find((f) => f.includes("private")) ?? "";
  assert.equal(statSync(`${dir}/${privateFile}`).mode & 0o777, 0o600);
  assert.equal(parseJwks(jwks).keys.length, 1, "no private material in the JWKS");
  const parts = (await a.mint("device-x", 60)).split(".");
  const payload = JSON.parse(Buffer.from(parts[1] ?? "", "base64url").toString()) as Record<string, unknown>;
  assert.equal(payload["sub"], "device-x");
  assert.equal(payload["iss"], a.issuer);
  assert.equal(payload["aud"], a.audience);
  assert.equal((payload["exp"] as number) - (payload["iat"] as number), 60);
});

test("dev: mint-credential prints a credential that the locally started issuer accepts", async () => {
  const dir = tempDir();
  const files = await prepareDevIssuer(dir);
  const logs = new LineCapture();
  const issuer = await startIssuer(loadIssuerConfig({ ...files.env, ISSUER_PORT: "0", ISSUER_ADMIN_PORT: "0", ISSUER_SIGNERS: "1" }), { logDestination: logs });
  try {
    const { stdout } = await run(process.execPath, [MINT, "device-from-cli"], { env: { ...process.env, START_DEV_DIR: dir } });
    const credential = stdout.trim();
    assert.match(credential, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const tokenKey = clientKey(await fetchDirectory(issuer.url), Date.now());
    const { answer, token } = await issueOne(issuer.url, credential, tokenKey);
    assert.equal(answer.status, 200);
    assert.ok(token);
    assert.equal(logs.text.includes("device-from-cli"), false);
  } finally {
    await issuer.stop();
  }
  await assert.rejects(run(process.execPath, [MINT], { env: { ...process.env, START_DEV_DIR: dir } }), (e: { code?: number }) => e.code === 2);
  await assert.rejects(run(process.execPath, [MINT, "a", "b"], { env: { ...process.env, START_DEV_DIR: dir } }), (e: { code?: number }) => e.code === 2);
});

test("dev: prepareDevIssuer creates its files once and reuses them", async () => {
  const dir = tempDir();
  const first = await prepareDevIssuer(dir);
  const keys = readFileSync(first.keysFile, "utf8");
  const pseudonym = readFileSync(first.pseudonymKeyFile, "utf8");
  const second = await prepareDevIssuer(dir);
  assert.deepEqual(second.env, first.env);
  assert.equal(readFileSync(second.keysFile, "utf8"), keys);
  assert.equal(readFileSync(second.pseudonymKeyFile, "utf8"), pseudonym);
  assert.equal(statSync(first.keysFile).mode & 0o777, 0o600);
  assert.equal(statSync(first.pseudonymKeyFile).mode & 0o777, 0o600);
});

test("dev: one ARC key file per token-gated origin, distinct truncated ids, each origin's key file holding its current key; reused, and added to an older .dev", async () => {
  const dir = tempDir();
  const first = await prepareDevIssuer(dir);
  const files = first.env["ISSUER_ARC_KEYS_FILES"]?.split(",") ?? [];
  assert.equal(files.length, 2);
  const keys = files.map((f) => readKeyFile(arcKeyFileSpec(), f, Date.now()));
  assert.notEqual(keys[0]?.[0]?.truncatedIssuerKeyId, keys[1]?.[0]?.truncatedIssuerKeyId);
  for (const [i, origin] of (["sticker-search", "telemetry"] as const).entries()) {
    const originFile = first.arcOriginKeyFiles[origin];
    assert.equal(statSync(originFile).mode & 0o777, 0o600);
    assert.equal(statSync(files[i] ?? "").mode & 0o777, 0o600);
    const copy = decodeArcServerPrivateKey(new Uint8Array(Buffer.from(readFileSync(originFile, "utf8").trim(), "base64url")));
    assert.deepEqual(encodeArcServerPublicKey(arcServerPublicKey(copy)), keys[i]?.[0]?.tokenKey, `${origin}'s copy is its current key`);
  }
  const again = await prepareDevIssuer(dir);
  assert.deepEqual(again.env, first.env);
  for (const f of files) assert.deepEqual(readKeyFile(arcKeyFileSpec(), f, Date.now()).map((k) => k.id), keys[files.indexOf(f)]?.map((k) => k.id));
  // A .dev made before ARC: its ARC files are added, the rest kept.
  for (const f of [...files, ...Object.values(first.arcOriginKeyFiles)]) rmSync(f);
  const rsa = readFileSync(first.keysFile, "utf8");
  const added = await prepareDevIssuer(dir);
  assert.equal(readFileSync(added.keysFile, "utf8"), rsa);
  for (const f of files) assert.equal(readKeyFile(arcKeyFileSpec(), f, Date.now()).length, 1);
});
