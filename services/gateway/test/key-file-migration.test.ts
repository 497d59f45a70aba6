/**
 * Key files written before the gateway moved onto service-kit's key file lifecycle still load,
 * and mean the same. fixtures/keys-2026-03.json was written by the gateway's own key file code
 * (commit 4349a00), its first two entries without `kem` as files from before the post-quantum
 * keys have; the listings, accepted keys and counts below are what that code computed from it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import { KemId } from "@oblivious/ohttp";
import { parseKeyFile, readKeyFile, serializeKeyFile } from "../src/key-file.js";
import { keyStates, snapshot } from "../src/keys.js";
import { tempDir } from "./helpers.js";

const FIXTURE = fileURLToPath(new URL("../../test/fixtures/keys-2026-03.json", import.meta.url));
const CLI = fileURLToPath(new URL("../src/keys-cli.js", import.meta.url));
const at = (iso: string): number => Date.parse(iso);

/** What the gateway's own key code computed from the fixture at three instants. */
const BEFORE = [
  { now: "2026-03-01T12:00:00Z", listed: [10, 9, 11], accepted: [8, 9, 10, 11], encoded: "056bee9b592fa3cb", counts: { pending: 0, published: 1, current: 2, grace: 1, retired: 1 } },
  { now: "2026-03-02T12:00:00Z", listed: [10, 11, 9], accepted: [8, 9, 10, 11], encoded: "de59adea4b6c01c8", counts: { pending: 0, published: 0, current: 3, grace: 1, retired: 1 } },
  { now: "2026-03-07T12:00:00Z", listed: [10, 11, 9], accepted: [9, 10, 11], encoded: "de59adea4b6c01c8", counts: { pending: 0, published: 0, current: 3, grace: 0, retired: 2 } },
];

test("migration: a key file from the gateway's own key code loads with the same listing, accepted keys and counts", () => {
  const text = readFileSync(FIXTURE, "utf8");
  const entries = parseKeyFile(text);
  assert.deepEqual(entries.map((e) => e.key.kemId), [KemId.DhkemX25519HkdfSha256, KemId.DhkemX25519HkdfSha256, KemId.DhkemX25519HkdfSha256, KemId.MlKem768X25519, KemId.MlKem768], "no kem field: X25519");
  assert.deepEqual(keyStates(entries, at("2026-03-01T12:00:00Z")), ["retired", "grace", "current", "current", "published"], "one current key per KEM");
  for (const b of BEFORE) {
    const s = snapshot(entries, at(b.now));
    assert.deepEqual(s.listed.map((k) => k.keyId), b.listed, b.now);
    assert.deepEqual(s.accepted.flatMap((k, i) => (k === undefined ? [] : [i])), b.accepted, b.now);
    assert.equal(createHash("sha256").update(s.encoded ?? new Uint8Array(0)).digest("hex").slice(0, 16), b.encoded, `${b.now}: the same application/ohttp-keys bytes`);
    assert.deepEqual(s.counts, b.counts, b.now);
  }
});

test("migration: written back, every entry names its KEM and the keys are the same; the CLI rotates the old file per KEM", () => {
  const entries = parseKeyFile(readFileSync(FIXTURE, "utf8"));
  const rewritten = serializeKeyFile(entries);
  const doc = JSON.parse(rewritten) as { keys: { kem?: string }[] };
  assert.ok(doc.keys.every((k) => typeof k.kem === "string"));
  const back = parseKeyFile(rewritten);
  assert.deepEqual(back.map((e) => [e.key.keyId, e.key.kemId, e.publishFrom, e.activeFrom, e.retireAt]), entries.map((e) => [e.key.keyId, e.key.kemId, e.publishFrom, e.activeFrom, e.retireAt]));
  assert.deepEqual(back.map((e) => Buffer.from(e.key.exportPrivateKey()).toString("hex")), entries.map((e) => Buffer.from(e.key.exportPrivateKey()).toString("hex")));

  const file = join(tempDir(), "keys.json");
  copyFileSync(FIXTURE, file);
  const several = spawnSync(process.execPath, [CLI, "rotate", "--file", file, "--now", "2026-03-01T12:00:00Z"], { encoding: "utf8" });
  assert.equal(several.status, 1);
  assert.match(several.stderr, /several KEMs: name the one to rotate/);
  const r = spawnSync(process.execPath, [CLI, "rotate", "--file", file, "--kem", "x25519", "--now", "2026-03-01T12:00:00Z"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const after = readKeyFile(file, at("2026-03-01T12:00:00Z"));
  assert.deepEqual(after.map((e) => e.key.keyId), [8, 9, 10, 11, 12], "the retired key pruned; the new id after the newest key's (11)");
  assert.equal(after[1]?.retireAt, at("2026-03-09T12:00:00Z"), "the X25519 key retires a grace after the new one is current");
  assert.equal(after[2]?.retireAt, undefined, "the X-Wing key keeps its times");
});
