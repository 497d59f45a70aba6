/**
 * ARC issuance (token type 0xE5AC) on a real issuer over HTTP: the directory's ARC entries, a
 * credential request through attestation to a credential the client finalizes (which verifies
 * the issuer's proof), the draft's 422s, the per-device per-key per-period quota (memory and
 * Redis, with what Redis holds), 503 when Redis is down, and the ARC key files' rules.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { join } from "node:path";
import { Redis } from "ioredis";
import {
  ARC_TOKEN_TYPE,
  ArcMediaType,
  arcRequestContext,
  arcSystemRandom,
  createArcCredentialRequest,
  decodeArcCredentialResponseMessage,
  decodeArcServerPublicKey,
  encodeArcCredentialRequestMessage,
  finalizeArcCredential,
  arcServerPublicKey,
  decodeArcServerPrivateKey,
  encodeArcServerPublicKey,
  type ArcPendingCredentialRequest,
} from "@oblivious/privacypass";
import { SHARED_REDIS_URL, startRedisServer, status } from "@oblivious/test-kit";
import { ArcKeys, ArcKeyStore, arcKeyFileSpec, importArcKey, newArcKey, type ArcIssuerKey } from "../src/arc-keys.js";
import { PROBLEMS } from "../src/errors.js";
import { readKeyFile as readKitKeyFile, writeKeyFile as writeKitKeyFile } from "@oblivious/service-kit";
import { DAY, HOUR, T0, bearer, fetchDirectory, fixture, metricsText, post, problemOf, startTestIssuer, type Fixture, type TestIssuer } from "./helpers.js";

/** Two origins' keys with distinct truncated ids. */
const keyA = newArcKey({ notBefore: T0 - DAY });
let keyB = newArcKey({ notBefore: T0 - DAY });
while (keyB.truncatedIssuerKeyId === keyA.truncatedIssuerKeyId) keyB = newArcKey({ notBefore: T0 - DAY });

function writeArcFile(fx: Fixture, name: string, keys: readonly ArcIssuerKey[]): string {
  const path = join(fx.dir, `${name}.json`);
  writeKitKeyFile(arcKeyFileSpec(), path, keys);
  return path;
}

async function arcIssuer(env: Record<string, string> = {}): Promise<TestIssuer & { files: string[] }> {
  const fx = await fixture();
  const files = [writeArcFile(fx, "arc-sticker-search", [keyA]), writeArcFile(fx, "arc-telemetry", [keyB])];
  const t = await startTestIssuer(fx, { ISSUER_ARC_KEYS_FILES: files.join(","), ...env });
  return { ...t, files };
}

const CONTEXT = { issuerName: "issuer.internal", redemptionContext: new Uint8Array(0), originInfo: ["sticker-search.internal"], credentialContext: new Uint8Array(32).fill(7) };

function request(key: ArcIssuerKey): { pending: ArcPendingCredentialRequest; body: Uint8Array } {
  const pending = createArcCredentialRequest(arcRequestContext(CONTEXT, key.issuerKeyId), arcSystemRandom);
  return { pending, body: encodeArcCredentialRequestMessage({ truncatedIssuerKeyId: key.truncatedIssuerKeyId, request: pending.request }) };
}

test("arc: the directory lists each origin's ARC key as token type 0xE5AC after the type-2 key", async () => {
  const t = await arcIssuer();
  try {
    const dir = await fetchDirectory(t.url);
    assert.deepEqual(
      dir.tokenKeys.map((k) => k.tokenType),
      [2, ARC_TOKEN_TYPE, ARC_TOKEN_TYPE],
    );
    assert.deepEqual(dir.tokenKeys[1]?.tokenKey, keyA.tokenKey);
    assert.deepEqual(dir.tokenKeys[2]?.tokenKey, keyB.tokenKey);
    assert.equal(dir.tokenKeys[1]?.notBefore, (T0 - DAY) / 1000);
    // The published key decodes as an ARC public key.
    decodeArcServerPublicKey(dir.tokenKeys[2]?.tokenKey ?? new Uint8Array(0));
  } finally {
    await t.stop();
  }
});

test("arc: an attested credential request gets a credential response the client finalizes, for either origin's key", async () => {
  const t = await arcIssuer();
  try {
    const auth = bearer(await t.credential("device-arc-1"));
    for (const key of [keyA, keyB]) {
      const { pending, body } = request(key);
      const answer = await post(t.url, ArcMediaType.CredentialRequest, body, auth);
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get("content-type"), ArcMediaType.CredentialResponse);
      assert.equal(answer.headers.get("cache-control"), "no-store");
      assert.equal(answer.body.length, 454);
      // FinalizeCredential verifies the issuer's proof against this origin's public key.
      const credential = finalizeArcCredential(pending.secrets, key.publicKey, pending.request, decodeArcCredentialResponseMessage(answer.body));
      assert.ok(credential.m1 > 0n);
    }
    assert.match(await metricsText(t.issuer), /issuer_arc_credentials_issued_total 2/);
    assert.match(await metricsText(t.issuer), /issuer_arc_keys\{state="current"\} 2/, "one current ARC key per origin file");
    assert.match(await metricsText(t.issuer), /issuer_token_requests_total\{outcome="ok"\} 2/);
  } finally {
    await t.stop();
  }
});

test("arc: refusals: no credential 401, wrong type / unknown key / wrong size / bad encoding / bad proof 422, all problem+json", async () => {
  const t = await arcIssuer({ ISSUER_ARC_QUOTA: "5" });
  try {
    const { body } = request(keyA);
    const none = await post(t.url, ArcMediaType.CredentialRequest, body);
    assert.equal(none.status, 401);
    assert.deepEqual(problemOf(none), PROBLEMS.credential_missing);

    const auth = bearer(await t.credential("device-arc-refusals"));
    const expect = async (bytes: Uint8Array, code: keyof typeof PROBLEMS): Promise<void> => {
      const answer = await post(t.url, ArcMediaType.CredentialRequest, bytes, auth);
      assert.equal(answer.status, PROBLEMS[code].status, code);
      assert.deepEqual(problemOf(answer), PROBLEMS[code]);
    };
    const wrongType = body.slice();
    wrongType[1] = 0x02;
    await expect(wrongType, "unsupported_token_type");
    const unknown = body.slice();
    unknown[2] = [...Array(256).keys()].find((i) => i !== keyA.truncatedIssuerKeyId && i !== keyB.truncatedIssuerKeyId) ?? 0;
    await expect(unknown, "unknown_key");
    await expect(body.subarray(0, body.length - 1), "credential_request_invalid");
    await expect(new Uint8Array([...body, 0]), "credential_request_invalid");
    await expect(new Uint8Array([0xe5]), "malformed");
    const notAPoint = body.slice();
    notAPoint.fill(0xff, 3, 3 + 33);
    await expect(notAPoint, "credential_request_invalid");
    // A changed proof byte: decodes, fails verification; the quota counted for it is given back.
    const badProof = body.slice();
    badProof[badProof.length - 1] = (badProof[badProof.length - 1] as number) ^ 1;
    for (let i = 0; i < 6; i++) await expect(badProof, "credential_request_invalid");
    assert.equal((await post(t.url, ArcMediaType.CredentialRequest, request(keyA).body, auth)).status, 200, "quota refunded for failed proofs");
  } finally {
    await t.stop();
  }
});

test("arc: quota per device per key per period (memory): a second credential in the period is 429; another key, device or period is not", async () => {
  const t = await arcIssuer();
  try {
    const auth = bearer(await t.credential("device-arc-quota"));
    assert.equal((await post(t.url, ArcMediaType.CredentialRequest, request(keyA).body, auth)).status, 200);
    const over = await post(t.url, ArcMediaType.CredentialRequest, request(keyA).body, auth);
    assert.equal(over.status, 429);
    assert.deepEqual(problemOf(over), PROBLEMS.quota_exceeded);
    assert.ok(Number(over.headers.get("retry-after")) >= 1);
    assert.equal((await post(t.url, ArcMediaType.CredentialRequest, request(keyB).body, auth)).status, 200, "other origin's key");
    const other = bearer(await t.credential("device-arc-quota-2"));
    assert.equal((await post(t.url, ArcMediaType.CredentialRequest, request(keyA).body, other)).status, 200, "other device");
    // The next UTC day is another period.
    t.fx.clock.now = (Math.floor(T0 / DAY) + 1) * DAY + 1000;
    const next = bearer(await t.credential("device-arc-quota"));
    assert.equal((await post(t.url, ArcMediaType.CredentialRequest, request(keyA).body, next)).status, 200, "next period");
    // Type-2 quota is separate.
    assert.match(await metricsText(t.issuer), /issuer_token_requests_total\{outcome="quota_exceeded"\} 1/);
  } finally {
    await t.stop();
  }
});

test("arc: in Redis the quota is one hashed counter per device, key and period, expiring with the period; Redis down is 503 and recovers", async () => {
  const prefix = `issuer-arc-test-${randomBytes(6).toString("hex")}:`;
  const t = await arcIssuer({ REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: prefix, ISSUER_ARC_PERIOD: "1h" });
  const inspect = new Redis(SHARED_REDIS_URL);
  try {
    const device = "device-arc-redis";
    const auth = bearer(await t.credential(device));
    assert.equal((await post(t.url, ArcMediaType.CredentialRequest, request(keyA).body, auth)).status, 200);
    assert.equal((await post(t.url, ArcMediaType.CredentialRequest, request(keyA).body, auth)).status, 429);
    const keys = await inspect.keys(`${prefix}*`);
    assert.equal(keys.length, 1);
    const key = keys[0] ?? "";
    assert.match(key, new RegExp(`^${prefix}quota:arc:[A-Za-z0-9_-]{43}$`));
    assert.ok(!key.includes(device) && !key.includes(keyA.id), "no device id, no key id in the stored name");
    assert.equal(await inspect.get(key), "1");
    const ttl = await inspect.pttl(key);
    assert.ok(ttl > HOUR - 10_000 && ttl <= HOUR, `ttl ${ttl}`);
  } finally {
    const keys = await inspect.keys(`${prefix}*`);
    if (keys.length > 0) await inspect.del(...keys);
    inspect.disconnect();
    await t.stop();
  }

  const redis = await startRedisServer();
  const down = await arcIssuer({ REDIS_URL: redis.url });
  try {
    const auth = bearer(await down.credential("device-arc-redis-down"));
    await redis.stop();
    const answer = await post(down.url, ArcMediaType.CredentialRequest, request(keyA).body, auth);
    assert.equal(answer.status, 503);
    assert.deepEqual(problemOf(answer), PROBLEMS.quota_unavailable);
    await redis.start();
    let ok = 0;
    for (let i = 0; i < 50 && ok !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if ((await status(`${down.issuer.adminUrl}/readyz`)) === 200) ok = (await post(down.url, ArcMediaType.CredentialRequest, request(keyA).body, auth)).status;
    }
    assert.equal(ok, 200, "recovers by itself");
  } finally {
    await down.stop();
    await redis.stop();
  }
});

test("arc: key files: a live truncated id shared by two origins' files is refused at start; a key in grace still issues, a published one does not", async () => {
  const fx = await fixture();
  const same = writeArcFile(fx, "a", [keyA]);
  const clash = writeArcFile(fx, "b", [importArcKey(keyA.privateKey, { notBefore: T0 - HOUR })]);
  await assert.rejects(startTestIssuer(fx, { ISSUER_ARC_KEYS_FILES: `${same},${clash}` }), /ISSUER_ARC_KEYS_FILES/);

  // A rotation in the file: keyA in grace, a newer key current, a third only published.
  const now = T0;
  // Distinct truncated ids (a file with a collision among live keys is refused anyway).
  const distinct = (notBefore: number, others: readonly ArcIssuerKey[]): ArcIssuerKey => {
    for (;;) {
      const k = newArcKey({ notBefore });
      if (!others.some((o) => o.truncatedIssuerKeyId === k.truncatedIssuerKeyId)) return k;
    }
  };
  const current = distinct(now - HOUR, [keyA]);
  const published = distinct(now + HOUR, [keyA, current]);
  const grace = importArcKey(keyA.privateKey, { notBefore: keyA.notBefore, retireAt: now + DAY });
  const keys = new ArcKeys([new ArcKeyStore([grace, current, published], () => now)]);
  assert.equal(keys.issuer(keyA.truncatedIssuerKeyId)?.id, keyA.id);
  assert.equal(keys.issuer(current.truncatedIssuerKeyId)?.id, current.id);
  assert.equal(keys.issuer(published.truncatedIssuerKeyId), undefined);
  assert.equal(keys.snapshots()[0]?.listed.length, 3);
});

test("arc: issuer-keys arc generate / rotate / origin-key: the origin's copy is the key current at --at, 0600; it never prints a private key", async () => {
  const cli = fileURLToPath(new URL("../src/keys-cli.js", import.meta.url));
  const dir = (await fixture()).dir;
  const file = join(dir, "arc-origin.json");
  const run = (args: string[]) => promisify(execFile)(process.execPath, [cli, ...args]);
  const generated = await run(["arc", "generate", "--out", file]);
  const rotated = await run(["arc", "rotate", "--file", file]);
  const [first, second] = readKitKeyFile(arcKeyFileSpec(), file, Date.now());
  assert.ok(first !== undefined && second !== undefined);
  for (const out of [generated.stdout, rotated.stdout]) {
    for (const k of [first, second]) assert.ok(!out.includes(String(arcKeyFileSpec().serializeKey(k)["privateKey"])), "no private key printed");
  }
  const keyOut = join(dir, "origin.key");
  const copyOf = async (at: number): Promise<Uint8Array> => {
    await run(["arc", "origin-key", "--file", file, "--out", keyOut, "--at", new Date(at).toISOString()]);
    assert.equal(statSync(keyOut).mode & 0o777, 0o600);
    return encodeArcServerPublicKey(arcServerPublicKey(decodeArcServerPrivateKey(new Uint8Array(Buffer.from(readFileSync(keyOut, "utf8").trim(), "base64url")))));
  };
  assert.deepEqual(await copyOf(Date.now()), first.tokenKey, "before the new key's notBefore: the first key");
  assert.deepEqual(await copyOf(second.notBefore + 1000), second.tokenKey, "after it: the new key");
});
