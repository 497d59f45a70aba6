/** The key file format, key states over time, rotation, and the key CLI. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AeadId, KdfId } from "@oblivious/ohttp";
import fc from "fast-check";
import { KeyFileError } from "@oblivious/service-kit";
import { createKeyEntry, parseKeyFile, readKeyFile, rotateKeyEntries, serializeKeyFile, writeKeyFile } from "../src/key-file.js";
import { KeyStore, type KeyState, keyStates, snapshot, type KeyEntry } from "../src/keys.js";
import { DAY, HOUR, T0, tempDir } from "./helpers.js";

const CLI = fileURLToPath(new URL("../src/keys-cli.js", import.meta.url));

/** The CLI with an environment of the test's choosing (none of the caching variables unless given). */
function cliWith(env: Record<string, string>, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "GATEWAY_KEYS_MAX_AGE" && k !== "RELAY_KEYS_TTL"));
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...base, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return cliWith({}, ...args);
}


function sample(): KeyEntry[] {
  return [
    createKeyEntry(3, { publishFrom: T0 - 2 * DAY, activeFrom: T0 - DAY, retireAt: T0 + 8 * DAY }),
    createKeyEntry(4, { publishFrom: T0, activeFrom: T0 + DAY }, [{ kdfId: KdfId.HkdfSha256, aeadId: AeadId.ChaCha20Poly1305 }]),
  ];
}

test("key file: serialize and parse round-trip, private key included, times in UTC", () => {
  const entries = sample();
  const text = serializeKeyFile(entries);
  const doc = JSON.parse(text) as { version: number; keys: Record<string, unknown>[] };
  assert.equal(doc.version, 1);
  assert.deepEqual(Object.keys(doc.keys[0] ?? {}), ["keyId", "kem", "privateKey", "symmetric", "publishFrom", "activeFrom", "retireAt"]);
  assert.equal(doc.keys[0]?.["kem"], "DHKEM(X25519, HKDF-SHA256)");
  assert.equal(doc.keys[0]?.["activeFrom"], "2026-02-28T12:00:00Z");
  assert.deepEqual(doc.keys[1]?.["symmetric"], [{ kdf: "HKDF-SHA256", aead: "ChaCha20Poly1305" }]);
  assert.equal(doc.keys[1]?.["retireAt"], undefined);
  const parsed = parseKeyFile(text);
  assert.equal(parsed.length, 2);
  for (const [i, e] of parsed.entries()) {
    const original = entries[i];
    assert.ok(original);
    assert.deepEqual(e.key.config, original.key.config);
    assert.deepEqual(e.key.exportPrivateKey(), original.key.exportPrivateKey());
    assert.deepEqual([e.publishFrom, e.activeFrom, e.retireAt], [original.publishFrom, original.activeFrom, original.retireAt]);
  }
});

test("key file: every malformed item is refused with a reason that quotes no value", () => {
  const good = JSON.parse(serializeKeyFile(sample())) as { version: number; keys: Record<string, unknown>[] };
  const secret = String(good.keys[0]?.["privateKey"]);
  const variant = (edit: (d: { version: number; keys: Record<string, unknown>[] }) => void): string => {
    const d = structuredClone(good);
    edit(d);
    return JSON.stringify(d);
  };
  const cases: [string, string][] = [
    ["not json", "{"],
    ["wrong version", variant((d) => (d.version = 2))],
    ["no keys", variant((d) => (d.keys = []))],
    ["duplicate ids", variant((d) => ((d.keys[1] ?? {})["keyId"] = 3))],
    ["id out of range", variant((d) => ((d.keys[0] ?? {})["keyId"] = 256))],
    ["short private key", variant((d) => ((d.keys[0] ?? {})["privateKey"] = secret.slice(0, 42)))],
    ["padded private key", variant((d) => ((d.keys[0] ?? {})["privateKey"] = `${secret}=`))],
    ["unknown field", variant((d) => ((d.keys[0] ?? {})["retireAT"] = "2026-01-01T00:00:00Z"))],
    ["local time", variant((d) => ((d.keys[0] ?? {})["activeFrom"] = "2026-01-01T00:00:00"))],
    ["publish after active", variant((d) => ((d.keys[0] ?? {})["publishFrom"] = "2026-03-05T00:00:00Z"))],
    ["retire before active", variant((d) => ((d.keys[0] ?? {})["retireAt"] = "2026-02-01T00:00:00Z"))],
    ["unknown aead", variant((d) => ((d.keys[0] ?? {})["symmetric"] = [{ kdf: "HKDF-SHA256", aead: "AES-512" }]))],
    ["no suites", variant((d) => ((d.keys[0] ?? {})["symmetric"] = []))],
    ["other kem", variant((d) => ((d.keys[0] ?? {})["kem"] = "DHKEM(P-256, HKDF-SHA256)"))],
  ];
  for (const [name, text] of cases) {
    assert.throws(
      () => parseKeyFile(text),
      (e: unknown) => e instanceof KeyFileError && !e.message.includes(secret.slice(0, 12)),
      name,
    );
  }
});

test("key states follow the clock: pending, published, current, grace, retired", () => {
  const a = createKeyEntry(1, { publishFrom: T0 - 2 * DAY, activeFrom: T0 - DAY, retireAt: T0 + 8 * DAY });
  const b = createKeyEntry(2, { publishFrom: T0 + HOUR, activeFrom: T0 + DAY });
  const entries = [a, b];
  const at = (t: number): KeyState[] => keyStates(entries, t);
  assert.deepEqual(at(T0 - 3 * DAY), ["pending", "pending"]);
  assert.deepEqual(at(T0 - 2 * DAY), ["published", "pending"]);
  assert.deepEqual(at(T0), ["current", "pending"]);
  assert.deepEqual(at(T0 + HOUR), ["current", "published"]);
  assert.deepEqual(at(T0 + DAY), ["grace", "current"]);
  assert.deepEqual(at(T0 + 8 * DAY), ["retired", "current"]);
  const s = snapshot(entries, T0 + HOUR);
  assert.deepEqual(s.listed.map((k) => k.keyId), [1, 2], "the current key first, then the published one");
  assert.equal(s.validUntil, T0 + DAY);
  assert.ok(s.accepted[1] && s.accepted[2]);
  const later = snapshot(entries, T0 + DAY);
  assert.deepEqual(later.listed.map((k) => k.keyId), [2]);
  assert.ok(later.accepted[1], "in grace: unlisted, accepted");
  assert.equal(snapshot(entries, T0 + 8 * DAY).accepted[1], undefined);
});

test("rotation: a fresh key id, the old key's retire time, retired keys pruned", () => {
  const old = createKeyEntry(255, { publishFrom: T0 - 30 * DAY, activeFrom: T0 - 29 * DAY, retireAt: T0 - DAY });
  const current = createKeyEntry(0, { publishFrom: T0 - 2 * DAY, activeFrom: T0 - DAY });
  const r = rotateKeyEntries([old, current], { now: T0, publishLeadMs: DAY, graceMs: 7 * DAY });
  assert.equal(r.pruned, 1);
  assert.equal(r.added.key.keyId, 1, "after the newest key's id, skipping ids still in the file");
  assert.deepEqual(r.entries.map((e) => e.key.keyId), [0, 1]);
  assert.equal(r.entries[0]?.retireAt, T0 + 8 * DAY);
  assert.deepEqual([r.added.publishFrom, r.added.activeFrom, r.added.retireAt], [T0, T0 + DAY, undefined]);
  // The retired key's id (255) is skipped even though it is pruned in the same step.
  const wrap = rotateKeyEntries([createKeyEntry(254, { publishFrom: T0, activeFrom: T0 }), old], { now: T0 - 2 * DAY, publishLeadMs: 0, graceMs: 0 });
  assert.equal(wrap.added.key.keyId, 0);
});

test("key CLI: generate (0600, no overwrite), show (public only), rotate (atomic, pruned), usage errors", () => {
  const dir = tempDir();
  const file = join(dir, "keys.json");
  const gen = cli("generate", "--out", file, "--kem", "x25519", "--now", "2026-03-01T12:00:00Z");
  assert.equal(gen.status, 0, gen.stderr);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const privateKey = String((JSON.parse(readFileSync(file, "utf8")) as { keys: { privateKey: string }[] }).keys[0]?.privateKey);
  assert.equal(privateKey.length, 43);
  assert.doesNotMatch(gen.stdout, new RegExp(privateKey.replace(/[-]/g, "\\-")));
  assert.equal(cli("generate", "--out", file).status, 1, "never overwrites");

  const shown = cli("show", "--file", file, "--now", "2026-03-01T12:00:00Z");
  assert.equal(shown.status, 0);
  assert.ok(!shown.stdout.includes(privateKey));
  const info = JSON.parse(shown.stdout) as { keys: { keyId: number; state: string; publicKey: string }[]; listing: string };
  assert.equal(info.keys.length, 1);
  assert.equal(info.keys[0]?.state, "current");
  assert.equal(info.keys[0]?.publicKey.length, 43);
  assert.ok(info.listing.length > 0);

  const rotated = cli("rotate", "--file", file, "--publish-lead", "24h", "--grace", "7d", "--now", "2026-03-02T12:00:00Z");
  assert.equal(rotated.status, 0, rotated.stderr);
  assert.ok(!rotated.stdout.includes(privateKey));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), ["keys.json"], "no temporary file left behind");
  const after = readKeyFile(file);
  assert.equal(after.length, 2);
  assert.equal(after[0]?.retireAt, Date.parse("2026-03-10T12:00:00Z"));
  assert.equal(after[1]?.activeFrom, Date.parse("2026-03-03T12:00:00Z"));
  const states = (JSON.parse(rotated.stdout) as { keys: { state: string }[] }).keys.map((k) => k.state);
  assert.deepEqual(states, ["current", "published"]);

  // After the grace period, the next rotation prunes the retired key.
  const again = cli("rotate", "--file", file, "--now", "2026-03-20T12:00:00Z");
  assert.equal(again.status, 0, again.stderr);
  assert.equal((JSON.parse(again.stdout) as { pruned: number }).pruned, 1);
  assert.deepEqual(readKeyFile(file).map((e) => e.key.keyId).length, 2);

  const bad = join(dir, "bad.json");
  writeFileSync(bad, `{"version":1,"keys":[{"privateKey":"${privateKey}"}]}`);
  const refused = cli("show", "--file", bad);
  assert.equal(refused.status, 1);
  assert.ok(!refused.stderr.includes(privateKey));
  assert.equal(cli("rotate").status, 2);
  assert.equal(cli("frobnicate").status, 2);
  assert.equal(cli("rotate", "--file", file, "--grace", "soon").status, 2);
  assert.equal(existsSync(join(dir, "nope.json")), false);
  assert.equal(cli("show", "--file", join(dir, "nope.json")).status, 1);
});

test("writeKeyFile replaces a file atomically with 0600 permissions", () => {
  const dir = tempDir();
  const file = join(dir, "k.json");
  writeFileSync(file, "old", { mode: 0o644 });
  writeKeyFile(file, sample());
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(readKeyFile(file).length, 2);
});

test("key CLI: rotate refuses a lead or grace shorter than the listing's max-age cap plus the relay's cache bound, and says why", () => {
  const dir = tempDir();
  const file = join(dir, "keys.json");
  assert.equal(cli("generate", "--out", file, "--kem", "x25519", "--now", "2026-03-01T12:00:00Z").status, 0);
  const before = readFileSync(file, "utf8");

  // The reported case: a 40 s grace, with the defaults (1h max-age, 5m relay cache).
  const grace = cli("rotate", "--file", file, "--grace", "40s", "--now", "2026-03-02T12:00:00Z");
  assert.equal(grace.status, 1);
  assert.match(grace.stderr, /rotation refused, nothing written: --grace 40s is shorter than 1h5m: the key listing's max-age cap \(default of GATEWAY_KEYS_MAX_AGE, 1h\) plus the relay's key cache bound \(default of RELAY_KEYS_TTL, 5m\)/);
  assert.match(grace.stderr, /old key after it is retired/);
  assert.equal(readFileSync(file, "utf8"), before, "the file is untouched");

  const lead = cli("rotate", "--file", file, "--publish-lead", "30m", "--now", "2026-03-02T12:00:00Z");
  assert.equal(lead.status, 1);
  assert.match(lead.stderr, /--publish-lead 30m is shorter than 1h5m/);
  assert.equal(readFileSync(file, "utf8"), before);

  // The service's own variables, then the options, set the bound; exactly the bound is enough.
  const fromEnv = cliWith({ GATEWAY_KEYS_MAX_AGE: "10s", RELAY_KEYS_TTL: "20s" }, "rotate", "--file", file, "--publish-lead", "30s", "--grace", "29s", "--now", "2026-03-02T12:00:00Z");
  assert.equal(fromEnv.status, 1);
  assert.match(fromEnv.stderr, /--grace 29s is shorter than 30s: the key listing's max-age cap \(GATEWAY_KEYS_MAX_AGE, 10s\) plus the relay's key cache bound \(RELAY_KEYS_TTL, 20s\)/);
  const options = cliWith({ GATEWAY_KEYS_MAX_AGE: "10s" }, "rotate", "--file", file, "--keys-max-age", "1m", "--relay-keys-ttl", "1m", "--publish-lead", "2m", "--grace", "90s");
  assert.equal(options.status, 1);
  assert.match(options.stderr, /--grace 1m30s is shorter than 2m: the key listing's max-age cap \(--keys-max-age, 1m\) plus the relay's key cache bound \(--relay-keys-ttl, 1m\)/);
  const enough = cliWith({ GATEWAY_KEYS_MAX_AGE: "10s", RELAY_KEYS_TTL: "20s" }, "rotate", "--file", file, "--publish-lead", "30s", "--grace", "30s", "--now", "2026-03-02T12:00:00Z");
  assert.equal(enough.status, 0, enough.stderr);
  assert.equal(readKeyFile(file).length, 2);

  assert.equal(cli("rotate", "--file", file, "--relay-keys-ttl", "soon").status, 2);
  assert.equal(cliWith({ RELAY_KEYS_TTL: "soon" }, "rotate", "--file", file).status, 2);
});

test("listing max-age: never past the cap, never past the next state change, so never past a listed key's retirement", () => {
  const at = fc.integer({ min: 0, max: 10 * DAY });
  const keyTimes = fc.tuple(at, at, at, fc.boolean()).map(([a, b, c, retires]) => {
    const [publishFrom, activeFrom, retireAt] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
    return { publishFrom: T0 + publishFrom, activeFrom: T0 + activeFrom, retireAt: retires && retireAt > activeFrom ? T0 + retireAt : undefined };
  });
  const entries = [0, 1, 2].map((id) => createKeyEntry(id, { publishFrom: T0, activeFrom: T0 }));
  fc.assert(
    fc.property(fc.array(keyTimes, { minLength: 1, maxLength: 3 }), at, fc.integer({ min: 0, max: 2 * DAY }), (times, offset, capMs) => {
      const keys = times.map((t, i) => ({ ...(entries[i] ?? entries[0]) as KeyEntry, ...t }));
      const now = T0 + offset;
      const store = new KeyStore(keys, () => now);
      const maxAgeMs = store.listingMaxAgeS(capMs) * 1000;
      assert.ok(maxAgeMs >= 0 && maxAgeMs <= capMs);
      const listed = new Set(store.current().listed.map((k) => k.keyId));
      for (const k of keys) {
        if (listed.has(k.key.keyId) && k.retireAt !== undefined) assert.ok(now + maxAgeMs <= k.retireAt, `key ${k.key.keyId} retires at +${k.retireAt - now} ms, max-age ${maxAgeMs} ms`);
        // Nor past any other change: a key published or made current.
        for (const t of [k.publishFrom, k.activeFrom]) if (t > now) assert.ok(now + maxAgeMs <= t);
      }
    }),
    { seed: 20261203, numRuns: 3000 },
  );
});
