/**
 * Key files on disk: loading at start-up, reloading when the file changes (service-kit's
 * FileWatcher: a changed file that does not parse, or that has no current key, is refused and the
 * keys in use stay), and the operations of the key CLI (generate, rotate), which write
 * atomically with 0600 permissions.
 */
import { generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { FileWatcher, loadSecretSource, writeFileAtomic, type ReloadResult } from "@oblivious/service-kit";
import { KEYS_FILE_VARIABLE, KEYS_VARIABLE, type SecretSource } from "./config.js";
import { KeyFileError, checkCollisions, importIssuerKey, parseKeyFile, serializeKeyFile, snapshot, type IssuerKey, type KeyStore } from "./keys.js";

export interface LoadedKeys {
  readonly keys: IssuerKey[];
  /** The file's bytes, to notice a change; undefined for ISSUER_KEYS. */
  readonly content: Buffer | undefined;
}

function usable(keys: readonly IssuerKey[], now: number): boolean {
  return snapshot(keys, now).current !== undefined;
}

/** Loads the keys at start-up: a ConfigError naming the variable for any problem, never a random key. */
export async function loadKeys(source: SecretSource, now: number): Promise<LoadedKeys> {
  const { value, content } = await loadSecretSource(source, {
    fileVariable: KEYS_FILE_VARIABLE,
    inlineVariable: KEYS_VARIABLE,
    parse: (text) => parseKeyFile(text, now),
    describe: (e) => (e instanceof KeyFileError ? `key file ${e.message}` : undefined),
    usable: (keys) => usable(keys, now),
    unusable: "no key is current now (every key is upcoming or retired)",
  });
  return { keys: value, content };
}

export { ReloadResult, RELOAD_RESULTS } from "@oblivious/service-kit";

/** Re-reads the key file and swaps the store's keys when its content changed and is usable. */
export class KeyFileWatcher extends FileWatcher<IssuerKey[]> {
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
      parse: (text) => parseKeyFile(text, options.now()),
      usable: (keys) => usable(keys, options.now()),
      apply: (keys) => options.store.replace(keys),
      onResult: options.onResult,
    });
  }
}

/** Reads and checks a key file (for the CLI; the service uses `loadKeys`). */
export function readKeyFile(path: string, now: number): IssuerKey[] {
  return parseKeyFile(readFileSync(path, "utf8"), now);
}

/**
 * Writes a key file atomically: a 0600 temporary file in the same directory, flushed, then
 * renamed over the target, so a reader (or a reloading issuer) never sees half a file.
 */
export function writeKeyFile(path: string, keys: readonly IssuerKey[]): void {
  writeFileAtomic(path, serializeKeyFile(keys));
}

/** Seconds precision: the directory publishes not-before in whole seconds. */
function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/**
 * A new RSA-2048 key whose truncated token key id is not used by any key in `avoid`. A collision
 * has a chance of about 1 in 256 per live key; the key is made again until there is none.
 */
export function createIssuerKey(times: { readonly notBefore: number; readonly retireAt?: number }, avoid: readonly IssuerKey[] = []): IssuerKey {
  const used = new Set(avoid.map((k) => k.truncatedTokenKeyId));
  if (used.size >= 256) throw new KeyFileError("has no free truncated token key id");
  for (;;) {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 65537 });
    const key = importIssuerKey(privateKey, { notBefore: wholeSeconds(times.notBefore), retireAt: times.retireAt });
    if (!used.has(key.truncatedTokenKeyId)) return key;
  }
}

/**
 * Creates a key file with one key, current from `now`. Development uses this (the local stack
 * calls it for `.dev/issuer-keys.json`); production mounts a file made with `issuer-keys
 * generate` and rotated with `issuer-keys rotate`. It refuses to overwrite an existing file.
 */
export function generateIssuerKeyFile(path: string, now: Date = new Date()): void {
  if (existsSync(path)) throw new KeyFileError("already exists; refusing to overwrite it");
  writeKeyFile(path, [createIssuerKey({ notBefore: now.getTime() })]);
}

export interface RotateOptions {
  readonly now: number;
  /** How long the new key is listed before it signs: at least the directory's max-age. */
  readonly leadMs: number;
  /** How long a superseded key stays listed (origins verify its tokens) after the new key signs. */
  readonly graceMs: number;
}

export interface Rotation {
  readonly keys: IssuerKey[];
  readonly added: IssuerKey;
  readonly pruned: number;
}

/**
 * Adds a key that signs from `now + lead`; gives every older key a retire time of at most the
 * new key's not-before plus the grace; drops keys already retired. The new key's truncated id
 * differs from every key kept.
 */
export function rotateKeys(keys: readonly IssuerKey[], options: RotateOptions): Rotation {
  const { now, leadMs, graceMs } = options;
  const notBefore = wholeSeconds(now + leadMs);
  const retireBy = notBefore + graceMs;
  const kept = keys
    .filter((k) => k.retireAt === undefined || k.retireAt > now)
    .map((k) =>
      k.notBefore < notBefore && (k.retireAt === undefined || k.retireAt > retireBy)
        ? importIssuerKey(k.privateKey, { notBefore: k.notBefore, retireAt: retireBy })
        : k,
    );
  const added = createIssuerKey({ notBefore }, kept);
  const result = [...kept, added];
  checkCollisions(result, now);
  return { keys: result, added, pruned: keys.length - kept.length };
}
