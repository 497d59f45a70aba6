/**
 * Key rotation with an injected clock: a new key is listed with its not-before ahead of time;
 * the newest key whose not-before has passed signs and no other; older keys stay listed (origins
 * keep verifying their tokens) until they retire; truncated key ids never collide among live keys.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { MediaType, TokenType, decodeTokenKey, encodeTokenKey, encodeTokenRequest, verifyToken } from "@oblivious/privacypass";
import { checkCollisions, createIssuerKey, parseKeyFile, rotateKeys, serializeKeyFile, writeKeyFile } from "../src/key-file.js";
import { importIssuerKey, type IssuerKey } from "../src/keys.js";
import { KeyFileError } from "@oblivious/service-kit";
import { DAY, HOUR, T0, bearer, clientKey, fetchDirectory, fixture, issueOne, metricsText, post, startTestIssuer, testKey } from "./helpers.js";

function request(key: IssuerKey): Uint8Array {
  const m = randomBytes(256);
  m[0] = 0;
  return encodeTokenRequest({ tokenType: TokenType.BlindRsa2048, truncatedTokenKeyId: key.truncatedTokenKeyId, blindedMsg: new Uint8Array(m) });
}

test("rotation: listed ahead with not-before, then the newest key signs; the old one stays listed until it retires", async () => {
  const clock = { now: T0 };
  const a = testKey("a");
  const fx = await fixture([a], clock);
  const t = await startTestIssuer(fx, { ISSUER_QUOTA: "1000" });
  try {
    const credential = await t.credential("device-rotation", 30 * 86_400);
    const before = await issueOne(t.url, credential, encodeTokenKey(a.publicKey));
    assert.equal(before.answer.status, 200);
    assert.ok(before.token);

    // As `issuer-keys rotate --lead 1h --grace 7d --directory-max-age 55m` would, at T0.
    const rotation = rotateKeys([a], { now: T0, leadMs: HOUR, graceMs: 7 * DAY });
    const b = rotation.added;
    assert.notEqual(b.truncatedTokenKeyId, a.truncatedTokenKeyId);
    writeKeyFile(fx.keysFile, rotation.keys);
    assert.equal(await t.issuer.reloadKeys(), "reloaded");

    let directory = await fetchDirectory(t.url);
    assert.deepEqual(
      directory.tokenKeys.map((k) => k.notBefore),
      [(T0 + HOUR) / 1000, (T0 - DAY) / 1000],
      "newest first, each with its not-before",
    );
    assert.deepEqual(directory.tokenKeys[0]?.tokenKey, b.tokenKey);
    assert.deepEqual(clientKey(directory, clock.now), a.tokenKey, "a client still takes the old key");
    assert.equal((await post(t.url, MediaType.TokenRequest, request(a), bearer(credential))).status, 200);
    assert.equal((await post(t.url, MediaType.TokenRequest, request(b), bearer(credential))).status, 422, "not before its not-before");

    clock.now = T0 + HOUR;
    directory = await fetchDirectory(t.url);
    assert.equal(directory.tokenKeys.length, 2, "the old key stays listed");
    assert.deepEqual(clientKey(directory, clock.now), b.tokenKey);
    const after = await issueOne(t.url, credential, b.tokenKey);
    assert.equal(after.answer.status, 200);
    assert.ok(after.token && verifyToken(after.token, decodeTokenKey(b.tokenKey)));
    assert.equal((await post(t.url, MediaType.TokenRequest, request(a), bearer(credential))).status, 422, "only the newest key signs");
    // An origin still verifies the token made with the old key, from the directory.
    const oldKey = directory.tokenKeys.find((k) => Buffer.from(k.tokenKey).equals(Buffer.from(a.tokenKey)));
    assert.ok(oldKey && verifyToken(before.token, decodeTokenKey(oldKey.tokenKey)));
    assert.match(await metricsText(t.issuer), /issuer_keys\{state="grace"\} 1/);

    clock.now = T0 + HOUR + 7 * DAY;
    directory = await fetchDirectory(t.url);
    assert.deepEqual(
      directory.tokenKeys.map((k) => k.tokenKey),
      [b.tokenKey],
      "retired after the grace",
    );
    assert.match(await metricsText(t.issuer), /issuer_keys\{state="retired"\} 1/);
  } finally {
    await t.stop();
  }
});

test("rotation: a changed key file that does not parse or has no current key is refused; the keys in use stay", async () => {
  const clock = { now: T0 };
  const fx = await fixture([testKey("a")], clock);
  const t = await startTestIssuer(fx);
  try {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(fx.keysFile, "{ not json");
    assert.equal(await t.issuer.reloadKeys(), "invalid");
    writeKeyFile(fx.keysFile, [testKey("b", T0 + DAY)]);
    assert.equal(await t.issuer.reloadKeys(), "no_usable_key");
    assert.equal((await fetchDirectory(t.url)).tokenKeys.length, 1);
    const metrics = await metricsText(t.issuer);
    assert.match(metrics, /issuer_key_reloads_total\{result="invalid"\} 1/);
    assert.match(metrics, /issuer_key_reloads_total\{result="no_usable_key"\} 1/);
  } finally {
    await t.stop();
  }
});

test("rotation: repeated rotations keep truncated key ids distinct among live keys, and prune retired keys", () => {
  let keys: IssuerKey[] = [testKey("a")];
  let now = T0;
  for (let i = 0; i < 6; i++) {
    const rotation = rotateKeys(keys, { now, leadMs: HOUR, graceMs: 2 * HOUR });
    keys = rotation.keys;
    const live = keys.filter((k) => k.retireAt === undefined || k.retireAt > now);
    assert.equal(new Set(live.map((k) => k.truncatedTokenKeyId)).size, live.length);
    now += HOUR;
  }
  assert.ok(keys.length <= 4, `pruned: ${keys.length}`);
  assert.deepEqual(parseKeyFile(serializeKeyFile(keys), now).map((k) => k.id), keys.map((k) => k.id), "round trip");
});

test("rotation: a new key avoids every truncated id in use (it is made again on a collision)", () => {
  const used = Array.from({ length: 192 }, (_, i) => ({ truncatedTokenKeyId: i }) as IssuerKey);
  const key = createIssuerKey({ notBefore: T0 }, used);
  assert.ok(key.truncatedTokenKeyId >= 192);
  assert.throws(() => createIssuerKey({ notBefore: T0 }, Array.from({ length: 256 }, (_, i) => ({ truncatedTokenKeyId: i }) as IssuerKey)), KeyFileError);
});

test("rotation: loading refuses two live keys with the same truncated id; a retired one does not count", () => {
  // Birthday search among fresh keys: about 20 keys on average.
  const seen = new Map<number, IssuerKey>();
  let pair: [IssuerKey, IssuerKey] | undefined;
  while (pair === undefined) {
    const key = createIssuerKey({ notBefore: T0 - DAY });
    const twin = seen.get(key.truncatedTokenKeyId);
    if (twin !== undefined) pair = [twin, importIssuerKey(key.privateKey, { notBefore: T0 - 2 * DAY })];
    else seen.set(key.truncatedTokenKeyId, key);
  }
  const [x, y] = pair;
  assert.throws(() => parseKeyFile(serializeKeyFile([x, y]), T0), /same truncated token key id/);
  assert.throws(() => checkCollisions([x, y], T0), KeyFileError);
  const retired = importIssuerKey(y.privateKey, { notBefore: T0 - 2 * DAY, retireAt: T0 - HOUR });
  assert.equal(parseKeyFile(serializeKeyFile([x, retired]), T0).length, 2);
});
