/**
 * Keys of several KEMs (issue 17): X25519, X-Wing and ML-KEM-768 in one key file, one current key
 * per KEM, each rotating on its own schedule; the listing carries them together (X-Wing first);
 * requests to each are answered; the uniform key answer (RFC 9458 §5.3) holds for every KEM.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeRequest } from "@oblivious/bhttp";
import { AeadId, GatewayKey, KdfId, KemId, MediaType, decodeKeyConfigs, encapsulateRequest, type KeyConfig } from "@oblivious/ohttp";
import { OHTTP_KEY_PROBLEM_TYPE } from "../src/errors.js";
import { KeyFileError } from "@oblivious/service-kit";
import { addMissingKems, createKeyEntry, generateKeyFile, parseKeyFile, readKeyFile, rotateKeyEntries, serializeKeyFile, writeKeyFile } from "../src/key-file.js";
import { DEFAULT_GENERATED_KEMS } from "../src/key-kems.js";
import { keyStates, snapshot, type KeyEntry } from "../src/keys.js";
import { DAY, T0, exchange, fetchKeyConfigs, innerRequest, send, startTarget, startTestGateway, tempDir, type RawAnswer } from "./helpers.js";

const CLI = fileURLToPath(new URL("../src/keys-cli.js", import.meta.url));
const X25519 = KemId.DhkemX25519HkdfSha256;
const XWING = KemId.MlKem768X25519;
const MLKEM = KemId.MlKem768;
const SUITES = [{ kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes128Gcm }];

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "GATEWAY_KEYS_MAX_AGE" && k !== "RELAY_KEYS_TTL"));
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const entry = (keyId: number, kem: KemId, publishFrom: number, activeFrom: number, retireAt?: number): KeyEntry =>
  createKeyEntry(keyId, { publishFrom, activeFrom, ...(retireAt === undefined ? {} : { retireAt }) }, undefined, kem);

test("key file: every KEM round-trips with its seed; an entry without kem is X25519; lengths are checked per KEM", () => {
  const entries = [entry(1, X25519, T0 - DAY, T0 - DAY), entry(2, XWING, T0 - DAY, T0 - DAY), entry(3, MLKEM, T0 - DAY, T0 - DAY)];
  const text = serializeKeyFile(entries);
  const doc = JSON.parse(text) as { keys: { kem: string; privateKey: string }[] };
  assert.deepEqual(doc.keys.map((k) => k.kem), ["DHKEM(X25519, HKDF-SHA256)", "MLKEM768-X25519", "ML-KEM-768"]);
  assert.deepEqual(doc.keys.map((k) => k.privateKey.length), [43, 43, 86]);
  const back = parseKeyFile(text);
  back.forEach((e, i) => {
    assert.equal(e.key.kemId, entries[i]?.key.kemId);
    assert.deepEqual(e.key.config, entries[i]?.key.config);
  });

  // A file written before the post-quantum keys: no kem field.
  const legacy = JSON.parse(serializeKeyFile([entries[0] as KeyEntry])) as { keys: Record<string, unknown>[] };
  delete legacy.keys[0]?.["kem"];
  const loaded = parseKeyFile(JSON.stringify(legacy));
  assert.equal(loaded[0]?.key.kemId, X25519);
  assert.deepEqual(loaded[0]?.key.publicKey, entries[0]?.key.publicKey);

  // An X25519-length key named ML-KEM-768, and the reverse: refused, quoting no value.
  const swapped = structuredClone(doc);
  const [a, , c] = swapped.keys;
  assert.ok(a && c);
  [a.kem, c.kem] = [c.kem, a.kem];
  assert.throws(() => parseKeyFile(JSON.stringify(swapped)), (e: unknown) => e instanceof KeyFileError && /privateKey must be 64 bytes/.test(e.message) && !e.message.includes(a.privateKey.slice(0, 10)));
  const odd = structuredClone(doc);
  (odd.keys[1] as { kem: unknown }).kem = 0x647a;
  assert.throws(() => parseKeyFile(JSON.stringify(odd)), /kem must be one of/);
});

test("one current key per KEM: the listing carries each KEM's current key, X-Wing first, then the published ones", () => {
  const entries = [
    entry(10, X25519, T0 - 3 * DAY, T0 - 2 * DAY),
    entry(11, X25519, T0 - 2 * DAY, T0 - DAY), // supersedes 10 (grace)
    entry(20, XWING, T0 - 2 * DAY, T0 - 2 * DAY),
    entry(21, XWING, T0 - 1000, T0 + DAY), // published
  ];
  assert.deepEqual(keyStates(entries, T0), ["grace", "current", "current", "published"]);
  const s = snapshot(entries, T0);
  assert.deepEqual(s.listed.map((k) => k.keyId), [20, 11, 21]);
  assert.deepEqual(s.currentKeyIds, [20, 11]);
  assert.equal(s.currentKeyId, 20);
  assert.deepEqual(decodeKeyConfigs(s.encoded ?? new Uint8Array()).map((c) => [c.keyId, c.kemId]), [[20, XWING], [11, X25519], [21, XWING]]);
  for (const id of [10, 11, 20, 21]) assert.equal(s.accepted[id]?.keyId, id);
  // A day later the published X-Wing key is current and the X25519 key is untouched.
  assert.deepEqual(keyStates(entries, T0 + DAY), ["grace", "current", "grace", "current"]);
});

test("rotation is per KEM: the other KEM's keys keep their times; a file with several KEMs needs one named; a new KEM is current now", () => {
  const x = entry(10, X25519, T0 - 2 * DAY, T0 - DAY);
  const w = entry(20, XWING, T0 - 2 * DAY, T0 - DAY);
  assert.throws(() => rotateKeyEntries([x, w], { now: T0, publishLeadMs: DAY, graceMs: 7 * DAY }), /several KEMs/);
  const r = rotateKeyEntries([x, w], { now: T0, publishLeadMs: DAY, graceMs: 7 * DAY, kemId: XWING });
  assert.equal(r.added.key.kemId, XWING);
  assert.equal(r.added.activeFrom, T0 + DAY);
  assert.equal(r.entries.find((e) => e.key.keyId === 10)?.retireAt, undefined, "the X25519 key is not retired by an X-Wing rotation");
  assert.equal(r.entries.find((e) => e.key.keyId === 20)?.retireAt, T0 + 8 * DAY);
  assert.ok(![10, 20].includes(r.added.key.keyId));

  const added = rotateKeyEntries([x], { now: T0, publishLeadMs: DAY, graceMs: 7 * DAY, kemId: MLKEM });
  assert.equal(added.added.activeFrom, T0, "no client uses a KEM the file lacks, so no lead");
  assert.equal(added.entries.find((e) => e.key.keyId === 10)?.retireAt, undefined);
  assert.deepEqual(snapshot(added.entries, T0).listed.map((k) => k.kemId), [MLKEM, X25519]);
});

test("generateKeyFile and addMissingKems: npm start's X-Wing and X25519 keys, and an X-Wing key added to an old .dev", () => {
  const dir = tempDir();
  const both = join(dir, "both.json");
  generateKeyFile(both, new Date(T0), DEFAULT_GENERATED_KEMS);
  assert.deepEqual(readKeyFile(both).map((e) => e.key.kemId), [XWING, X25519]);
  assert.deepEqual(addMissingKems(both, DEFAULT_GENERATED_KEMS, new Date(T0)), []);

  const old = join(dir, "old.json");
  generateKeyFile(old, new Date(T0 - DAY));
  const before = readKeyFile(old);
  assert.deepEqual(before.map((e) => e.key.kemId), [X25519]);
  assert.deepEqual(addMissingKems(old, DEFAULT_GENERATED_KEMS, new Date(T0)), [XWING]);
  const after = readKeyFile(old);
  assert.deepEqual(after.map((e) => e.key.kemId), [X25519, XWING]);
  assert.deepEqual(after[0]?.key.exportPrivateKey(), before[0]?.key.exportPrivateKey(), "the X25519 key is kept");
  assert.equal(after[1]?.activeFrom, T0);
  assert.deepEqual(snapshot(after, T0).listed.map((k) => k.kemId), [XWING, X25519]);
});

test("key CLI: generate makes X-Wing and X25519 keys, --kem chooses; rotate --kem rotates one KEM; a bad --kem is a usage error", () => {
  const dir = tempDir();
  const file = join(dir, "keys.json");
  const gen = cli("generate", "--out", file, "--now", "2026-03-01T12:00:00Z");
  assert.equal(gen.status, 0, gen.stderr);
  const shown = JSON.parse(gen.stdout) as { keys: { kem: string; state: string; publicKey: string }[]; listing: string };
  assert.deepEqual(shown.keys.map((k) => [k.kem, k.state]), [["MLKEM768-X25519", "current"], ["DHKEM(X25519, HKDF-SHA256)", "current"]]);
  assert.equal(Buffer.from(shown.keys[0]?.publicKey ?? "", "base64url").length, 1216);
  assert.deepEqual(decodeKeyConfigs(Buffer.from(shown.listing, "base64url")).map((c) => c.kemId), [XWING, X25519]);
  const secret = (JSON.parse(readFileSync(file, "utf8")) as { keys: { privateKey: string }[] }).keys.map((k) => k.privateKey);
  for (const p of secret) assert.ok(!gen.stdout.includes(p));

  assert.equal(cli("rotate", "--file", file, "--now", "2026-03-02T12:00:00Z").status, 1, "several KEMs: --kem needed");
  const rotated = cli("rotate", "--file", file, "--kem", "x-wing", "--now", "2026-03-02T12:00:00Z");
  assert.equal(rotated.status, 0, rotated.stderr);
  const keys = (JSON.parse(rotated.stdout) as { keys: { kem: string; state: string; retireAt?: string }[] }).keys;
  assert.deepEqual(keys.map((k) => [k.kem, k.state, k.retireAt]), [
    ["MLKEM768-X25519", "current", "2026-03-10T12:00:00Z"],
    ["DHKEM(X25519, HKDF-SHA256)", "current", undefined],
    ["MLKEM768-X25519", "published", undefined],
  ]);

  const only = join(dir, "ml-kem.json");
  assert.equal(cli("generate", "--out", only, "--kem", "ml-kem-768", "--kem", "x25519").status, 0);
  assert.deepEqual(readKeyFile(only).map((e) => e.key.kemId), [MLKEM, X25519]);
  assert.equal(cli("generate", "--out", join(dir, "n.json"), "--kem", "kyber").status, 2);
  assert.equal(cli("rotate", "--file", file, "--kem", "x-wing", "--kem", "x25519").status, 2);
});

function problem(a: RawAnswer): Record<string, unknown> {
  return JSON.parse(a.body.toString("utf8")) as Record<string, unknown>;
}

test("gateway: both paths list X-Wing then X25519; requests to each are answered; unknown-key and failed-decryption answers are one answer for every KEM", async () => {
  const target = await startTarget();
  const path = join(tempDir(), "keys.json");
  writeKeyFile(path, [entry(7, X25519, T0 - 2 * DAY, T0 - DAY), entry(8, XWING, T0 - 2 * DAY, T0 - DAY), entry(9, MLKEM, T0 - 2 * DAY, T0 - DAY)]);
  const t = await startTestGateway({ GATEWAY_KEYS_FILE: path, GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}` });
  try {
    const url = t.gw.url;
    const listed = await fetchKeyConfigs(url);
    assert.deepEqual(listed.map((c) => [c.keyId, c.kemId]), [[8, XWING], [9, MLKEM], [7, X25519]]);
    assert.deepEqual(await fetchKeyConfigs(url, "/.well-known/ohttp-gateway"), listed);

    for (const [i, config] of listed.entries()) {
      const answer = await exchange(url, config, innerRequest(T0, { path: `/v1/search?q=k${i}` }), i % 2 === 0 ? "/gateway" : "/.well-known/ohttp-gateway");
      assert.equal(answer.status, 200, `KEM ${config.kemId}`);
      assert.equal(answer.inner?.status, 200);
    }
    assert.equal(target.received.length, 3);

    const bhttp = encodeRequest(innerRequest(T0));
    const post = (body: Uint8Array): Promise<RawAnswer> => send(`${url}/gateway`, { method: "POST", headers: { "content-type": MediaType.OhttpRequest }, body });
    const bodies: [string, Uint8Array][] = [];
    for (const config of listed) {
      const kem = `KEM ${config.kemId}`;
      const unknown: KeyConfig = GatewayKey.generate(99, SUITES, config.kemId).config;
      // The key identifier of a key of another KEM: the header names a KEM the key lacks.
      const otherKem = listed.find((c) => c.kemId !== config.kemId);
      assert.ok(otherKem);
      const mixed: KeyConfig = { ...unknown, keyId: otherKem.keyId };
      const good = encapsulateRequest(config, bhttp).encapsulatedRequest;
      const tag = Uint8Array.from(good);
      tag[tag.length - 1] = (tag[tag.length - 1] ?? 0) ^ 1;
      const enc = Uint8Array.from(good);
      enc[7 + 100] = (enc[7 + 100] ?? 0) ^ 0x40;
      const suite: KeyConfig = { ...config, symmetricAlgorithms: [{ kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes256Gcm }] };
      bodies.push(
        [`${kem} unknown key`, encapsulateRequest(unknown, bhttp).encapsulatedRequest],
        [`${kem} under another KEM's key id`, encapsulateRequest(mixed, bhttp).encapsulatedRequest],
        [`${kem} tampered tag`, tag],
        [`${kem} tampered enc`, enc],
        [`${kem} suite not accepted`, encapsulateRequest(suite, bhttp).encapsulatedRequest],
      );
    }
    const answers = await Promise.all(bodies.map(([, b]) => post(b)));
    const first = answers[0];
    assert.ok(first);
    assert.equal(first.status, 400);
    assert.deepEqual(problem(first), { type: OHTTP_KEY_PROBLEM_TYPE, title: "key identifier unknown", status: 400 });
    answers.forEach((a, i) => {
      const name = bodies[i]?.[0];
      assert.equal(a.status, first.status, name);
      assert.deepEqual(a.body, first.body, name);
      for (const h of ["content-type", "content-length", "cache-control"]) assert.equal(a.headers.get(h), first.headers.get(h), name);
    });
    assert.equal(target.received.length, 3, "nothing more forwarded");
  } finally {
    await t.stop();
    await target.close();
  }
});
