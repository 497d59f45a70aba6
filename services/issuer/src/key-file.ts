/**
 * The issuer's key file, on service-kit's key file lifecycle (key-file.ts there: loading,
 * reloading, generate and rotate, atomic 0600 writes): what is the issuer's own is the key
 * material (keys.ts), times in whole seconds, and a new key whose truncated token key id differs
 * from every key kept.
 */
import { generateKeyPairSync } from "node:crypto";
import * as kit from "@oblivious/service-kit";
import type { KeyFileSpec, ReloadResult } from "@oblivious/service-kit";
import { KEYS_FILE_VARIABLE, KEYS_VARIABLE, type SecretSource } from "./config.js";
import { KEY_FIELDS, checkKeyPairs, importIssuerKey, keyTimes, parseKey, serializeKey, type IssuerKey, type KeyStore } from "./keys.js";

export { ReloadResult, RELOAD_RESULTS } from "@oblivious/service-kit";

/** Seconds precision: the directory publishes not-before in whole seconds. */
function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

function newKey(notBefore: number, used: ReadonlySet<number>): IssuerKey {
  if (used.size >= 256) throw new kit.KeyFileError("has no free truncated token key id", kit.KeyFileErrorCode.NoFreeId);
  for (;;) {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 65537 });
    const key = importIssuerKey(privateKey, { notBefore: wholeSeconds(notBefore) });
    if (!used.has(key.truncatedTokenKeyId)) return key;
  }
}

/**
 * A new RSA-2048 key whose truncated token key id is not used by any key in `avoid`. A collision
 * has a chance of about 1 in 256 per live key; the key is made again until there is none.
 */
export function createIssuerKey(times: { readonly notBefore: number; readonly retireAt?: number }, avoid: readonly IssuerKey[] = []): IssuerKey {
  const key = newKey(times.notBefore, new Set(avoid.map((k) => k.truncatedTokenKeyId)));
  return times.retireAt === undefined ? key : importIssuerKey(key.privateKey, { notBefore: key.notBefore, retireAt: times.retireAt });
}

export const ISSUER_KEY_FILE: KeyFileSpec<IssuerKey> = {
  timeFields: { activeFrom: "notBefore", retireAt: "retireAt" },
  precision: "s",
  keyFields: KEY_FIELDS,
  parseKey,
  serializeKey,
  times: keyTimes,
  withRetireAt: (k, retireAt) => importIssuerKey(k.privateKey, { notBefore: k.notBefore, retireAt }),
  id: (k) => k.truncatedTokenKeyId,
  idName: "truncated token key id",
  // A token request names its key by this id among the keys listed now.
  idsUnique: "among-live",
  create: (times, used) => newKey(times.activeFrom, used),
  check: checkKeyPairs,
  usable: (ev) => ev.current !== undefined,
  unusable: "no key is current now (every key is published or retired)",
  fileVariable: KEYS_FILE_VARIABLE,
  inlineVariable: KEYS_VARIABLE,
};

/** Refuses keys that clients or origins could confuse (truncated ids, not-before ties, the same key twice). */
export function checkCollisions(keys: readonly IssuerKey[], now: number): void {
  kit.checkKeys(ISSUER_KEY_FILE, keys, now);
}

/** Parses and checks a key file, importing each key once. */
export function parseKeyFile(text: string, now: number): IssuerKey[] {
  return kit.parseKeyFile(ISSUER_KEY_FILE, text, now);
}

/** The key file text, private keys included: write it only to a 0600 file. */
export function serializeKeyFile(keys: readonly IssuerKey[]): string {
  return kit.serializeKeyFile(ISSUER_KEY_FILE, keys);
}

export interface LoadedKeys {
  readonly keys: IssuerKey[];
  /** The file's bytes, to notice a change; undefined for ISSUER_KEYS. */
  readonly content: Buffer | undefined;
}

/** Loads the keys at start-up: a ConfigError naming the variable for any problem, never a random key. */
export async function loadKeys(source: SecretSource, now: number): Promise<LoadedKeys> {
  const { entries, content } = await kit.loadKeyFile(ISSUER_KEY_FILE, source, now);
  return { keys: entries, content };
}

/** Re-reads a mounted key file and swaps the store's keys when its content changed and is usable; none for inline keys. */
export function watchKeys(
  source: SecretSource,
  content: Buffer | undefined,
  options: { readonly store: KeyStore; readonly now: () => number; readonly onResult: (r: ReloadResult) => void },
): kit.KeyFileWatcher<IssuerKey> | undefined {
  return kit.watchKeyFile(ISSUER_KEY_FILE, source, content, { now: options.now, apply: (keys) => options.store.replace(keys), onResult: options.onResult });
}

/** Reads and checks a key file (for the CLI and tests; the service uses `loadKeys`). */
export function readKeyFile(path: string, now: number): IssuerKey[] {
  return kit.readKeyFile(ISSUER_KEY_FILE, path, now);
}

/** Writes a key file atomically with 0600 permissions. */
export function writeKeyFile(path: string, keys: readonly IssuerKey[]): void {
  kit.writeKeyFile(ISSUER_KEY_FILE, path, keys);
}

/**
 * Creates a key file with one key, current from `now`. Development uses this (the local stack
 * calls it for `.dev/issuer-keys.json`); production mounts a file made with `issuer-keys
 * generate` and rotated with `issuer-keys rotate`. It refuses to overwrite an existing file.
 */
export function generateIssuerKeyFile(path: string, now: Date = new Date()): void {
  kit.generateKeyFile(ISSUER_KEY_FILE, path, now);
}

export type RotateOptions = kit.RotateOptions;

export interface Rotation {
  readonly keys: IssuerKey[];
  readonly added: IssuerKey;
  readonly pruned: number;
}

/** service-kit's rotateKeys: the new key's truncated id differs from every key kept. */
export function rotateKeys(keys: readonly IssuerKey[], options: RotateOptions): Rotation {
  const { entries, added, pruned } = kit.rotateKeys(ISSUER_KEY_FILE, keys, options);
  return { keys: entries, added, pruned };
}
