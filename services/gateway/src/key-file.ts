/**
 * The gateway's key file, on service-kit's key file lifecycle (key-file.ts there: loading,
 * reloading, generate and rotate, atomic 0600 writes): what is the gateway's own is the key
 * material (keys.ts) and the rule that a new key takes the identifier after the newest key's.
 */
import { randomBytes } from "node:crypto";
import type { SymmetricAlgorithm } from "@oblivious/ohttp";
import { GatewayKey } from "@oblivious/ohttp";
import * as kit from "@oblivious/service-kit";
import type { KeyFileSpec, KeyTimes, ReloadResult, SecretSource } from "@oblivious/service-kit";
import { DEFAULT_SYMMETRIC, KEY_FIELDS, parseKey, serializeKey, type KeyEntry, type KeyStore } from "./keys.js";

export { ReloadResult, RELOAD_RESULTS } from "@oblivious/service-kit";

export const KEYS_FILE_VARIABLE = "GATEWAY_KEYS_FILE";
export const KEYS_VARIABLE = "GATEWAY_KEYS";

/** GATEWAY_KEYS_FILE or GATEWAY_KEYS. */
export type KeySource = SecretSource;

/** A new random key with its times. */
export function createKeyEntry(
  keyId: number,
  times: { readonly publishFrom: number; readonly activeFrom: number; readonly retireAt?: number | undefined },
  symmetric: readonly SymmetricAlgorithm[] = DEFAULT_SYMMETRIC,
): KeyEntry {
  return { key: GatewayKey.generate(keyId, symmetric), publishFrom: times.publishFrom, activeFrom: times.activeFrom, retireAt: times.retireAt };
}

/** The identifier after the newest key's that no key in the file uses; a random one for a new file. */
function nextKeyId(used: ReadonlySet<number>, newest: KeyEntry | undefined): number {
  let keyId = newest === undefined ? (randomBytes(1)[0] ?? 0) : (newest.key.keyId + 1) % 256;
  while (used.has(keyId)) keyId = (keyId + 1) % 256;
  return keyId;
}

function create(symmetric: readonly SymmetricAlgorithm[]): KeyFileSpec<KeyEntry>["create"] {
  return (times: KeyTimes, used, newest) => createKeyEntry(nextKeyId(used, newest), { ...times, publishFrom: times.publishFrom ?? times.activeFrom }, symmetric);
}

export const GATEWAY_KEY_FILE: KeyFileSpec<KeyEntry> = {
  timeFields: { publishFrom: "publishFrom", activeFrom: "activeFrom", retireAt: "retireAt" },
  precision: "ms",
  keyFields: KEY_FIELDS,
  parseKey,
  serializeKey,
  times: (e) => e,
  withRetireAt: (e, retireAt) => ({ ...e, retireAt }),
  id: (e) => e.key.keyId,
  idName: "keyId",
  // No client can hold a stale configuration with the identifier of a newer key.
  idsUnique: "in-file",
  create: create(DEFAULT_SYMMETRIC),
  // A listed key (current or published) is enough to answer.
  usable: (ev) => ev.counts.current + ev.counts.published > 0,
  unusable: "no key is published or current now",
  fileVariable: KEYS_FILE_VARIABLE,
  inlineVariable: KEYS_VARIABLE,
};

/** Parses and checks a key file, importing each key once. */
export function parseKeyFile(text: string): KeyEntry[] {
  return kit.parseKeyFile(GATEWAY_KEY_FILE, text, Date.now());
}

/** The key file text for `entries`, private keys included: write it only to a 0600 file. */
export function serializeKeyFile(entries: readonly KeyEntry[]): string {
  return kit.serializeKeyFile(GATEWAY_KEY_FILE, entries);
}

export interface LoadedKeys {
  readonly entries: KeyEntry[];
  /** The file's bytes, to notice a change; undefined for GATEWAY_KEYS. */
  readonly content: Buffer | undefined;
}

/** Loads the keys at start-up: a ConfigError naming the variable for any problem. */
export function loadKeys(source: KeySource, now: number): Promise<LoadedKeys> {
  return kit.loadKeyFile(GATEWAY_KEY_FILE, source, now);
}

/** Re-reads a mounted key file and swaps the store's keys when its content changed and is usable; none for inline keys. */
export function watchKeys(
  source: SecretSource,
  content: Buffer | undefined,
  options: { readonly store: KeyStore; readonly now: () => number; readonly onResult: (r: ReloadResult) => void },
): kit.KeyFileWatcher<KeyEntry> | undefined {
  return kit.watchKeyFile(GATEWAY_KEY_FILE, source, content, { now: options.now, apply: (keys) => options.store.replace(keys), onResult: options.onResult });
}

/** Reads and checks a key file (for the CLI and tests; the service uses `loadKeys`). */
export function readKeyFile(path: string): KeyEntry[] {
  return kit.readKeyFile(GATEWAY_KEY_FILE, path, Date.now());
}

/** Writes a key file atomically with 0600 permissions. */
export function writeKeyFile(path: string, entries: readonly KeyEntry[]): void {
  kit.writeKeyFile(GATEWAY_KEY_FILE, path, entries);
}

/**
 * Creates a key file with one key, current from `now`, with a random key identifier. This is
 * what development uses (`npm start` calls it for `.dev/gateway-keys.json`); production mounts a
 * file made with `gateway-keys generate` and rotated with `gateway-keys rotate`. It refuses to
 * overwrite an existing file.
 */
export function generateKeyFile(path: string, now: Date = new Date()): void {
  kit.generateKeyFile(GATEWAY_KEY_FILE, path, now);
}

export interface RotateOptions {
  readonly now: number;
  /** How long the new key is published before it becomes current; at least the key listing's max-age. */
  readonly publishLeadMs: number;
  /** How long a superseded key is still accepted after the new key becomes current. */
  readonly graceMs: number;
  readonly symmetric?: readonly SymmetricAlgorithm[];
}

export type Rotation = kit.Rotation<KeyEntry>;

/** service-kit's rotateKeys: the new key identifier follows the newest key's and is used by no key in the file. */
export function rotateKeyEntries(entries: readonly KeyEntry[], options: RotateOptions): Rotation {
  const spec = options.symmetric === undefined ? GATEWAY_KEY_FILE : { ...GATEWAY_KEY_FILE, create: create(options.symmetric) };
  return kit.rotateKeys(spec, entries, { now: options.now, leadMs: options.publishLeadMs, graceMs: options.graceMs });
}
