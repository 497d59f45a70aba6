/**
 * The key file lifecycle with a toy key material (a number standing for a key), so what the
 * gateway and the issuer share is tested apart from their crypto: states, the envelope and its
 * times, identifiers, rotation, atomic writes, and the key CLI.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  KeyFileError,
  TimedKeyStore,
  addMissingGroups,
  evaluateKeys,
  generateKeyFile,
  keyStates,
  parseKeyFile,
  readKeyFile,
  rotateKeys,
  runKeysCli,
  serializeKeyFile,
  type KeyFileSpec,
  type KeyTimes,
} from "../src/index.js";
import type { KeysCliSpec } from "../src/keys-cli.js";

const T0 = Date.parse("2026-03-01T00:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Toy extends KeyTimes {
  readonly id: number;
}

function spec(over: Partial<KeyFileSpec<Toy>> = {}): KeyFileSpec<Toy> {
  return {
    timeFields: { publishFrom: "publishFrom", activeFrom: "activeFrom", retireAt: "retireAt" },
    precision: "ms",
    keyFields: ["id"],
    parseKey: (v, where, times) => {
      const id = v["id"];
      if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > 255) throw new KeyFileError(`${where}.id must be 0-255`);
      return { id, ...times };
    },
    serializeKey: (k) => ({ id: k.id }),
    times: (k) => k,
    withRetireAt: (k, retireAt) => ({ ...k, retireAt }),
    id: (k) => k.id,
    idName: "id",
    idsUnique: "in-file",
    create: (times, used, newest) => {
      let id = newest === undefined ? 7 : (newest.id + 1) % 256;
      while (used.has(id)) id = (id + 1) % 256;
      return { id, ...times };
    },
    usable: (ev) => ev.current !== undefined,
    unusable: "no key is current",
    fileVariable: "TOY_KEYS_FILE",
    inlineVariable: "TOY_KEYS",
    ...over,
  };
}

const toy = (id: number, publishFrom: number | undefined, activeFrom: number, retireAt?: number): Toy => ({ id, publishFrom, activeFrom, retireAt });

test("key states: one vocabulary; the latest active key is current, ties go to the later entry; no publishFrom means listed from the start", () => {
  const a = toy(1, T0 - 2 * DAY, T0 - DAY, T0 + 8 * DAY);
  const b = toy(2, T0 + HOUR, T0 + DAY);
  assert.deepEqual(keyStates([a, b], T0 - 3 * DAY), ["pending", "pending"]);
  assert.deepEqual(keyStates([a, b], T0 + HOUR), ["current", "published"]);
  assert.deepEqual(keyStates([a, b], T0 + DAY), ["grace", "current"]);
  assert.deepEqual(keyStates([a, b], T0 + 8 * DAY), ["retired", "current"]);
  assert.deepEqual(keyStates([toy(1, T0, T0), toy(2, T0, T0)], T0), ["grace", "current"]);
  assert.deepEqual(keyStates([toy(3, undefined, T0 + DAY)], 0), ["published"]);
  const ev = evaluateKeys([a, b], (k) => k, T0 + HOUR);
  assert.equal(ev.current, a);
  assert.equal(ev.validUntil, T0 + DAY);
  assert.deepEqual(ev.counts, { pending: 0, published: 1, current: 1, grace: 0, retired: 0 });
});

test("key store: re-evaluates at the next transition and when the clock goes back, reporting only what `changed` says", () => {
  let now = T0;
  const seen: number[] = [];
  const store = new TimedKeyStore([toy(1, T0, T0), toy(2, T0, T0 + DAY)], {
    now: () => now,
    snapshot: (entries, at) => ({ ...evaluateKeys(entries, (k) => k, at), evaluatedAt: at }),
    changed: (x, y) => x.current !== y.current,
    onChange: (s) => seen.push(s.current?.id ?? -1),
  });
  assert.equal(store.current().current?.id, 1);
  now = T0 + HOUR;
  assert.equal(store.current().evaluatedAt, T0, "no transition: the same snapshot");
  now = T0 + DAY;
  assert.equal(store.current().current?.id, 2);
  now = T0;
  assert.equal(store.current().current?.id, 1);
  assert.deepEqual(seen, [2, 1]);
  assert.equal(store.secondsUntilChange(), DAY / 1000);
});

test("key file: the envelope, the times under the format's names and precision, identifiers, and no value in a message", () => {
  const s = spec();
  const text = serializeKeyFile(s, [toy(1, T0, T0 + 500, T0 + DAY)]);
  assert.deepEqual(JSON.parse(text), { version: 1, keys: [{ id: 1, publishFrom: "2026-03-01T00:00:00Z", activeFrom: "2026-03-01T00:00:00.500Z", retireAt: "2026-03-02T00:00:00Z" }] });
  assert.deepEqual(parseKeyFile(s, text, T0), [toy(1, T0, T0 + 500, T0 + DAY)]);
  const seconds = spec({ precision: "s", timeFields: { activeFrom: "notBefore", retireAt: "retireAt" } });
  assert.deepEqual(parseKeyFile(seconds, '{"version":1,"keys":[{"id":4,"notBefore":"2026-03-01T00:00:00Z"}]}', T0), [toy(4, undefined, T0)]);
  const refused: [KeyFileSpec<Toy>, string, RegExp][] = [
    [s, "{", /is not JSON/],
    [s, '{"version":1,"keys":[],"x":1}', /version/],
    [s, '{"version":1,"keys":[]}', /holds no key/],
    [s, '{"version":1,"keys":[{"id":1,"publishFrom":"2026-03-01T00:00:00Z","activeFrom":"2026-03-01T00:00:00Z","secret":"s3cr3t"}]}', /keys\[0\] has an unknown field$/],
    [s, '{"version":1,"keys":[{"id":1,"publishFrom":"2026-03-02T00:00:00Z","activeFrom":"2026-03-01T00:00:00Z"}]}', /publishFrom must not be after activeFrom/],
    [s, '{"version":1,"keys":[{"id":1,"publishFrom":"2026-03-01T00:00:00Z","activeFrom":"2026-03-01T00:00:00Z","retireAt":"2026-03-01T00:00:00Z"}]}', /retireAt must be after activeFrom/],
    [seconds, '{"version":1,"keys":[{"id":1,"notBefore":"2026-03-01T00:00:00.5Z"}]}', /notBefore must be a UTC time in whole seconds/],
    [seconds, '{"version":1,"keys":[{"id":1,"publishFrom":"2026-03-01T00:00:00Z","notBefore":"2026-03-01T00:00:00Z"}]}', /unknown field/],
  ];
  for (const [format, bad, pattern] of refused) {
    assert.throws(() => parseKeyFile(format, bad, T0), (e: unknown) => e instanceof KeyFileError && e.code === "malformed" && pattern.test(e.message) && !e.message.includes("s3cr3t"), bad);
  }
  const twins = [toy(1, T0, T0, T0 + HOUR), toy(1, T0, T0 + DAY)];
  assert.throws(() => parseKeyFile(s, serializeKeyFile(s, twins), T0), /two keys with the same id/);
  const live = spec({ idsUnique: "among-live" });
  assert.throws(() => parseKeyFile(live, serializeKeyFile(live, twins), T0), /two live keys with the same id/);
  assert.equal(parseKeyFile(live, serializeKeyFile(live, twins), T0 + HOUR).length, 2, "a retired key's id is free among live keys");
});

test("rotation: published now, active after the lead, older keys retire after the grace, retired keys pruned, a free identifier", () => {
  const s = spec();
  const old = toy(255, T0 - 30 * DAY, T0 - 29 * DAY, T0 - DAY);
  const current = toy(0, T0 - 2 * DAY, T0 - DAY);
  const r = rotateKeys(s, [old, current], { now: T0, leadMs: DAY, graceMs: 7 * DAY });
  assert.equal(r.pruned, 1);
  assert.deepEqual(r.entries, [toy(0, T0 - 2 * DAY, T0 - DAY, T0 + 8 * DAY), toy(1, T0, T0 + DAY)]);
  assert.equal(r.added, r.entries[1]);
  // "in-file": the pruned key's id stays taken in this step; "among-live": it is free.
  const wrap = [toy(254, T0, T0), old];
  assert.equal(rotateKeys(s, wrap, { now: T0 - 2 * DAY, leadMs: 0, graceMs: 0 }).added.id, 0);
  const seconds = spec({ precision: "s", timeFields: { activeFrom: "notBefore", retireAt: "retireAt" } });
  const t = rotateKeys(seconds, [toy(1, undefined, T0 - DAY)], { now: T0 + 1234, leadMs: HOUR, graceMs: HOUR });
  assert.deepEqual(t.added, toy(2, undefined, T0 + HOUR + 1000));
  const full = Array.from({ length: 256 }, (_, i) => toy(i, T0 - DAY, T0 - DAY + i));
  assert.throws(() => rotateKeys(s, full, { now: T0, leadMs: DAY, graceMs: DAY }), (e: unknown) => e instanceof KeyFileError && e.code === "no-free-id");
});

interface Grouped extends Toy {
  readonly kem: string;
}

/** The toy keys in groups (the gateway's KEMs): `kem` names each key's group. */
function groupedSpec(): KeyFileSpec<Grouped> {
  const base = spec();
  return {
    ...(base as unknown as KeyFileSpec<Grouped>),
    keyFields: ["id", "kem"],
    parseKey: (v, where, times) => ({ ...base.parseKey(v, where, times), kem: String(v["kem"]) }),
    serializeKey: (k) => ({ id: k.id, kem: k.kem }),
    groups: { of: (k) => k.kem, name: "KEM" },
    create: (times, used, newest, group) => ({ ...base.create(times, used, newest, group), kem: group ?? "a" }),
  };
}

test("groups: one current key per group; rotation retires only its group's keys, needs a group named when there are several, and starts a new group now", () => {
  const g = (id: number, kem: string, activeFrom: number, retireAt?: number): Grouped => ({ id, kem, publishFrom: T0 - 3 * DAY, activeFrom, retireAt });
  const keys = [g(1, "a", T0 - 2 * DAY), g(2, "b", T0 - 2 * DAY), g(3, "a", T0 - DAY), g(4, "b", T0 + DAY)];
  assert.deepEqual(keyStates(keys, T0, keys.map((k) => k.kem)), ["grace", "current", "current", "published"]);
  assert.deepEqual(keyStates(keys, T0), ["grace", "grace", "current", "published"], "without groups: one current key");
  const ev = evaluateKeys(keys, (k) => k, T0, (k) => k.kem);
  assert.deepEqual(ev.currents.map((k) => k.id), [2, 3]);
  assert.deepEqual(ev.counts, { pending: 0, published: 1, current: 2, grace: 1, retired: 0 });

  const s = groupedSpec();
  assert.throws(() => rotateKeys(s, keys, { now: T0, leadMs: DAY, graceMs: DAY }), (e: unknown) => e instanceof KeyFileError && /several KEMs: name the one to rotate/.test(e.message));
  const r = rotateKeys(s, keys, { now: T0, leadMs: DAY, graceMs: DAY, group: "a" });
  assert.deepEqual(r.added, { id: 5, kem: "a", publishFrom: T0, activeFrom: T0 + DAY, retireAt: undefined });
  assert.deepEqual(r.entries.map((k) => k.retireAt), [T0 + 2 * DAY, undefined, T0 + 2 * DAY, undefined, undefined], "group b keeps its times");
  const fresh = rotateKeys(s, keys, { now: T0, leadMs: DAY, graceMs: DAY, group: "c" });
  assert.deepEqual([fresh.added.kem, fresh.added.activeFrom], ["c", T0], "a new group has no clients to move over: current now");
  assert.deepEqual(fresh.entries.slice(0, -1), keys, "no key of another group retires");

  const dir = mkdtempSync(join(tmpdir(), "key-groups-"));
  const file = join(dir, "k.json");
  generateKeyFile(s, file, new Date(T0), ["a", "b"]);
  assert.deepEqual(readKeyFile(s, file, T0).map((k) => [k.id, k.kem]), [[7, "a"], [8, "b"]]);
  assert.deepEqual(addMissingGroups(s, file, ["b", "c"], new Date(T0 + HOUR)), ["c"]);
  assert.deepEqual(readKeyFile(s, file, T0 + HOUR).map((k) => [k.id, k.kem, k.activeFrom]), [[7, "a", T0], [8, "b", T0], [9, "c", T0 + HOUR]]);
  assert.deepEqual(addMissingGroups(s, file, ["a"], new Date(T0 + HOUR)), []);
  assert.throws(() => generateKeyFile(s, join(dir, "twice.json"), new Date(T0), ["a", "a"]), /needs distinct KEMs/);
});

function cliSpec(): KeysCliSpec<Toy> {
  return {
    program: "toy-keys",
    file: spec(),
    leadOption: "lead",
    maxAge: { what: "the listing's max-age cap", option: "max-age", variable: "TOY_MAX_AGE", defaultMs: HOUR },
    cacheBound: { what: "the cache's bound", option: "cache", variable: "TOY_CACHE", defaultMs: 5 * 60_000 },
    describeKey: (k) => ({ id: k.id }),
    listing: { name: "listing", option: { name: "origin", default: "o" }, render: (keys, _now, origin) => ({ origin, count: keys.length }) },
  };
}

function cli(env: Record<string, string>, ...args: string[]): { status: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const status = runKeysCli(cliSpec(), args, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { status, out: out.join("\n"), err: err.join("\n") };
}

test("key CLI: generate (0600, never over a file), show, rotate (atomic, timing rule), usage and refusals by exit status", () => {
  const dir = mkdtempSync(join(tmpdir(), "key-file-"));
  const file = join(dir, "keys.json");
  const gen = cli({}, "generate", "--out", file, "--now", "2026-03-01T00:00:00Z");
  assert.equal(gen.status, 0, gen.err);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(JSON.parse(gen.out), { now: "2026-03-01T00:00:00Z", keys: [{ id: 7, state: "current", publishFrom: "2026-03-01T00:00:00Z", activeFrom: "2026-03-01T00:00:00Z" }], listing: { count: 1 } });
  assert.equal(cli({}, "generate", "--out", file).status, 1);
  assert.deepEqual((JSON.parse(cli({}, "show", "--file", file, "--origin", "x").out) as { listing: unknown }).listing, { origin: "x", count: 1 });
  const before = readFileSync(file, "utf8");
  const refused = cli({ TOY_CACHE: "10m" }, "rotate", "--file", file, "--grace", "1h", "--now", "2026-03-02T00:00:00Z");
  assert.equal(refused.status, 1);
  assert.match(refused.err, /^toy-keys: rotation refused, nothing written: --grace 1h is shorter than 1h10m: the listing's max-age cap \(default of TOY_MAX_AGE, 1h\) plus the cache's bound \(TOY_CACHE, 10m\)/);
  assert.equal(readFileSync(file, "utf8"), before);
  const rotated = cli({}, "rotate", "--file", file, "--lead", "2h", "--now", "2026-03-02T00:00:00Z");
  assert.equal(rotated.status, 0, rotated.err);
  const shown = JSON.parse(rotated.out) as { added: number; pruned: number; keys: { state: string }[] };
  assert.deepEqual([shown.added, shown.pruned, shown.keys.map((k) => k.state)], [8, 0, ["current", "published"]]);
  assert.deepEqual(readKeyFile(spec(), file, T0).map((k) => [k.id, k.retireAt]), [[7, T0 + DAY + 2 * HOUR + 7 * DAY], [8, undefined]]);
  assert.deepEqual(readdirSync(dir), ["keys.json"], "no temporary file left behind");
  for (const args of [[], ["rotate"], ["frobnicate"], ["show", "--file", file, "--bogus"], ["rotate", "--file", file, "--cache", "soon"], ["show", "--file", file, "--now", "noon"]]) {
    const r = cli({}, ...args);
    assert.equal(r.status, 2, args.join(" "));
    assert.match(r.err, /usage:\n {2}toy-keys generate --out FILE\n {2}toy-keys rotate --file FILE \[--lead 1d\] \[--grace 7d\] \[--max-age 1h\] \[--cache 5m\]\n {2}toy-keys show --file FILE \[--origin o\]/);
  }
  assert.equal(cli({ TOY_MAX_AGE: "later" }, "rotate", "--file", file).status, 2);
  writeFileSync(file, '{"version":1,"keys":[{"id":"s3cr3t"}]}');
  const bad = cli({}, "show", "--file", file);
  assert.equal(bad.status, 1);
  assert.match(bad.err, /^toy-keys: key file keys\[0\]/);
  assert.equal(cli({}, "show", "--file", join(dir, "missing.json")).err, "toy-keys: failed (ENOENT)");
  assert.throws(() => generateKeyFile(spec(), join(dir, "keys.json")), (e: unknown) => e instanceof KeyFileError && e.code === "exists");
});
