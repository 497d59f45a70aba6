/**
 * Key files on disk: loading at start-up, reloading when the file changes (service-kit's
 * FileWatcher: a changed file that does not parse, or that lists no key now, is refused and the
 * keys in use stay), and the operations of the key CLI (generate, rotate), which write
 * atomically with 0600 permissions.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { GatewayKey, type KemId, type SymmetricAlgorithm } from "@oblivious/ohttp";
import { FileWatcher, KeyFileErrorCode, loadSecretSource, writeFileAtomic, type ReloadResult, type SecretSource } from "@oblivious/service-kit";
import { DEFAULT_KEM } from "./key-kems.js";
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

/** A new random key of a KEM (X25519 unless told) with its times. */
export function createKeyEntry(
  keyId: number,
  times: { readonly publishFrom: number; readonly activeFrom: number; readonly retireAt?: number },
  symmetric: readonly SymmetricAlgorithm[] = DEFAULT_SYMMETRIC,
  kemId: KemId = DEFAULT_KEM,
): KeyEntry {
  return { key: GatewayKey.generate(keyId, symmetric, kemId), publishFrom: times.publishFrom, activeFrom: times.activeFrom, retireAt: times.retireAt };
}

/** A key identifier no entry uses, after `after`; a KeyFileError when all 256 are taken. */
function freeKeyId(entries: readonly KeyEntry[], after: number): number {
  const used = new Set(entries.map((e) => e.key.keyId));
  if (used.size >= 256) throw new KeyFileError("has no free key identifier", KeyFileErrorCode.NoFreeId);
  let keyId = (after + 1) % 256;
  while (used.has(keyId)) keyId = (keyId + 1) % 256;
  return keyId;
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
 * Creates a key file with one key per KEM in `kems` (X25519 alone unless told), each current
 * from `now`, the first with a random key identifier and the others after it. `npm start` and
 * `gateway-keys generate` ask for X-Wing and X25519 (DEFAULT_GENERATED_KEMS); production mounts a
 * file made with `gateway-keys generate` and rotated with `gateway-keys rotate`. It refuses to
 * overwrite an existing file.
 */
export function generateKeyFile(path: string, now: Date = new Date(), kems: readonly KemId[] = [DEFAULT_KEM]): void {
  if (existsSync(path)) throw new KeyFileError("already exists; refusing to overwrite it", KeyFileErrorCode.Exists);
  if (kems.length === 0 || new Set(kems).size !== kems.length) throw new KeyFileError("needs distinct KEMs");
  const at = now.getTime();
  const entries: KeyEntry[] = [];
  let keyId = randomBytes(1)[0] ?? 0;
  for (const kem of kems) {
    entries.push(createKeyEntry(keyId, { publishFrom: at, activeFrom: at }, DEFAULT_SYMMETRIC, kem));
    keyId = freeKeyId(entries, keyId);
  }
  writeKeyFile(path, entries);
}

/**
 * Adds to an existing key file a key of each KEM in `kems` that no entry has, current from
 * `now` (a KEM the file lacks has no clients to move over, so it needs no publish lead). Returns
 * the KEMs it added; writes nothing when none is missing. `npm start` uses it so that a `.dev`
 * made before the post-quantum keys gets its X-Wing key.
 */
export function addMissingKems(path: string, kems: readonly KemId[], now: Date = new Date()): KemId[] {
  const entries = readKeyFile(path);
  const missing = kems.filter((kem) => !entries.some((e) => e.key.kemId === kem));
  if (missing.length === 0) return [];
  const at = now.getTime();
  let last = entries.at(-1)?.key.keyId ?? -1;
  for (const kem of missing) {
    const keyId = freeKeyId(entries, last);
    entries.push(createKeyEntry(keyId, { publishFrom: at, activeFrom: at }, DEFAULT_SYMMETRIC, kem));
    last = keyId;
  }
  writeKeyFile(path, entries);
  return missing;
}

export interface RotateOptions {
  readonly now: number;
  /** How long the new key is published before it becomes current; at least the key listing's max-age. */
  readonly publishLeadMs: number;
  /** How long a superseded key is still accepted after the new key becomes current. */
  readonly graceMs: number;
  readonly symmetric?: readonly SymmetricAlgorithm[];
  /**
   * The KEM to rotate (each rotates on its own schedule; keys of other KEMs are left as they
   * are). Defaults to the file's one KEM; a file with several needs it.
   */
  readonly kemId?: KemId;
}

export interface Rotation {
  readonly entries: KeyEntry[];
  readonly added: KeyEntry;
  readonly pruned: number;
}

/**
 * Adds a key of one KEM, published now and current after the lead; gives every older key of
 * that KEM a retire time of at most the new key's activation plus the grace period; drops keys
 * (of any KEM) already retired. A KEM the file has no key of yet gets its first key current now:
 * no client uses that KEM yet, so none needs the lead. The new key identifier follows the newest
 * key's and is used by no key in the file, retired ones included, so no client can hold a stale
 * configuration with the same identifier.
 */
export function rotateKeyEntries(entries: readonly KeyEntry[], options: RotateOptions): Rotation {
  const { now, publishLeadMs, graceMs } = options;
  const kems = new Set(entries.map((e) => e.key.kemId));
  const kemId = options.kemId ?? (kems.size <= 1 ? (entries[0]?.key.kemId ?? DEFAULT_KEM) : undefined);
  if (kemId === undefined) throw new KeyFileError("holds keys of several KEMs: name the one to rotate");
  const newest = entries.reduce<KeyEntry | undefined>((a, e) => (a === undefined || e.activeFrom >= a.activeFrom ? e : a), undefined);
  const keyId = freeKeyId(entries, newest?.key.keyId ?? -1);
  const activeFrom = kems.has(kemId) ? now + publishLeadMs : now;
  const retireBy = activeFrom + graceMs;
  const added = createKeyEntry(keyId, { publishFrom: now, activeFrom }, options.symmetric, kemId);
  const kept = entries
    .map((e) => (e.key.kemId === kemId && e.activeFrom < activeFrom && (e.retireAt === undefined || e.retireAt > retireBy) ? { ...e, retireAt: retireBy } : e))
    .filter((e) => e.retireAt === undefined || e.retireAt > now);
  return { entries: [...kept, added], added, pruned: entries.length - kept.length };
}

/** Re-reads a mounted key file and swaps the store's keys when its content changed and is usable; none for inline keys. */
export function watchKeys(
  source: SecretSource,
  content: Buffer | undefined,
  options: { readonly store: KeyStore; readonly now: () => number; readonly onResult: (r: ReloadResult) => void },
): KeyFileWatcher | undefined {
  return source.kind === "file" && content !== undefined ? new KeyFileWatcher({ path: source.path, content, ...options }) : undefined;
}
