/**
 * Key files on disk: loading at start-up, reloading when the file changes (service-kit's
 * FileWatcher: a changed file that does not parse, or that lists no key now, is refused and the
 * keys in use stay), and the operations of the key CLI (generate, rotate), which write
 * atomically with 0600 permissions.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { GatewayKey, type SymmetricAlgorithm } from "@oblivious/ohttp";
import { FileWatcher, loadSecretSource, writeFileAtomic, type ReloadResult, type SecretSource } from "@oblivious/service-kit";
import { DEFAULT_SYMMETRIC, KeyFileError, parseKeyFile, serializeKeyFile, snapshot, type KeyEntry, type KeyStore } from "./keys.js";

export const KEYS_FILE_VARIABLE = "GATEWAY_KEYS_FILE";
export const KEYS_VARIABLE = "GATEWAY_KEYS";

/** GATEWAY_KEYS_FILE or GATEWAY_KEYS. */
export type KeySource = SecretSource;

export interface LoadedKeys {
  readonly entries: KeyEntry[];
  /** The file's bytes, to notice a change; undefined for GATEWAY_KEYS. */
  readonly content: Buffer | undefined;
}

function usable(entries: readonly KeyEntry[], now: number): boolean {
  return snapshot(entries, now).listed.length > 0;
}

/** Loads the keys at start-up: a ConfigError naming the variable for any problem. */
export async function loadKeys(source: KeySource, now: number): Promise<LoadedKeys> {
  const { value, content } = await loadSecretSource(source, {
    fileVariable: KEYS_FILE_VARIABLE,
    inlineVariable: KEYS_VARIABLE,
    parse: parseKeyFile,
    describe: (e) => (e instanceof KeyFileError ? `key file ${e.message}` : undefined),
    usable: (entries) => usable(entries, now),
    unusable: "no key is published or current now",
  });
  return { entries: value, content };
}

export { ReloadResult, RELOAD_RESULTS } from "@oblivious/service-kit";

/** Re-reads the key file and swaps the store's keys when its content changed and is usable. */
export class KeyFileWatcher extends FileWatcher<KeyEntry[]> {
  constructor(options: {
    readonly path: string;
    readonly store: KeyStore;
    readonly content: Buffer;
    readonly now: () => number;
    readonly onResult: (r: ReloadResult) => void;
  }) {
    super({
      path: options.path,
      content: options.content,
      parse: (text) => parseKeyFile(text),
      usable: (keys) => usable(keys, options.now()),
      apply: (keys) => options.store.replace(keys),
      onResult: options.onResult,
    });
  }
}

/** A new random key with its times. */
export function createKeyEntry(
  keyId: number,
  times: { readonly publishFrom: number; readonly activeFrom: number; readonly retireAt?: number },
  symmetric: readonly SymmetricAlgorithm[] = DEFAULT_SYMMETRIC,
): KeyEntry {
  return { key: GatewayKey.generate(keyId, symmetric), publishFrom: times.publishFrom, activeFrom: times.activeFrom, retireAt: times.retireAt };
}

/** Reads and checks a key file (for the CLI; the service uses `loadKeys`). */
export function readKeyFile(path: string): KeyEntry[] {
  return parseKeyFile(readFileSync(path, "utf8"));
}

/**
 * Writes a key file atomically: a 0600 temporary file in the same directory, flushed, then
 * renamed over the target, so a reader (or a reloading gateway) never sees half a file.
 */
export function writeKeyFile(path: string, entries: readonly KeyEntry[]): void {
  writeFileAtomic(path, serializeKeyFile(entries));
}

/**
 * Creates a key file with one key, current from `now`, with a random key identifier. This is
 * what development uses (`npm start` calls it for `.dev/gateway-keys.json`); production mounts a
 * file made with `gateway-keys generate` and rotated with `gateway-keys rotate`. It refuses to
 * overwrite an existing file.
 */
export function generateKeyFile(path: string, now: Date = new Date()): void {
  if (existsSync(path)) throw new KeyFileError("already exists; refusing to overwrite it");
  const at = now.getTime();
  writeKeyFile(path, [createKeyEntry(randomBytes(1)[0] ?? 0, { publishFrom: at, activeFrom: at })]);
}

export interface RotateOptions {
  readonly now: number;
  /** How long the new key is published before it becomes current; at least the key listing's max-age. */
  readonly publishLeadMs: number;
  /** How long a superseded key is still accepted after the new key becomes current. */
  readonly graceMs: number;
  readonly symmetric?: readonly SymmetricAlgorithm[];
}

export interface Rotation {
  readonly entries: KeyEntry[];
  readonly added: KeyEntry;
  readonly pruned: number;
}

/**
 * Adds a key, published now and current after the lead; gives every older key a retire time of
 * at most the new key's activation plus the grace period; drops keys already retired. The new
 * key identifier follows the newest key's and is used by no key in the file, retired ones
 * included, so no client can hold a stale configuration with the same identifier.
 */
export function rotateKeyEntries(entries: readonly KeyEntry[], options: RotateOptions): Rotation {
  const { now, publishLeadMs, graceMs } = options;
  const used = new Set(entries.map((e) => e.key.keyId));
  if (used.size >= 256) throw new KeyFileError("has no free key identifier");
  const newest = entries.reduce<KeyEntry | undefined>((a, e) => (a === undefined || e.activeFrom >= a.activeFrom ? e : a), undefined);
  let keyId = ((newest?.key.keyId ?? -1) + 1) % 256;
  while (used.has(keyId)) keyId = (keyId + 1) % 256;
  const activeFrom = now + publishLeadMs;
  const retireBy = activeFrom + graceMs;
  const added = createKeyEntry(keyId, { publishFrom: now, activeFrom }, options.symmetric);
  const kept = entries
    .map((e) => (e.activeFrom < activeFrom && (e.retireAt === undefined || e.retireAt > retireBy) ? { ...e, retireAt: retireBy } : e))
    .filter((e) => e.retireAt === undefined || e.retireAt > now);
  return { entries: [...kept, added], added, pruned: entries.length - kept.length };
}
