/**
 * The gateway's key file, on service-kit's key file lifecycle (key-file.ts there: loading,
 * reloading, generate and rotate, atomic 0600 writes), the same as the issuer's. What is the
 * gateway's own: the key material (keys.ts), times in milliseconds with a publishFrom, identifiers
 * unique in the file (retired keys too), and one group per KEM, each with its own current key and
 * rotation schedule (key-kems.ts). A new key's identifier follows the newest key's.
 *
 * Files written before the gateway moved onto service-kit read unchanged: the format is the same
 * (an entry without `kem` is X25519); test/key-file-migration.test.ts holds one.
 */
import { randomBytes } from "node:crypto";
import { GatewayKey, type KemId, type SymmetricAlgorithm } from "@oblivious/ohttp";
import * as kit from "@oblivious/service-kit";
import type { KeyFileSpec, ReloadResult, SecretSource } from "@oblivious/service-kit";
import { DEFAULT_KEM, gatewayKem, kemByFileName } from "./key-kems.js";
import { DEFAULT_SYMMETRIC, KEY_FIELDS, kemGroup, parseKey, serializeKey, type KeyEntry, type KeyStore } from "./keys.js";

export { ReloadResult, RELOAD_RESULTS } from "@oblivious/service-kit";

export const KEYS_FILE_VARIABLE = "GATEWAY_KEYS_FILE";
export const KEYS_VARIABLE = "GATEWAY_KEYS";

/** GATEWAY_KEYS_FILE or GATEWAY_KEYS. */
export type KeySource = SecretSource;

/** A new random key of a KEM (X25519 unless told) with its times. */
export function createKeyEntry(
  keyId: number,
  times: { readonly publishFrom: number; readonly activeFrom: number; readonly retireAt?: number },
  symmetric: readonly SymmetricAlgorithm[] = DEFAULT_SYMMETRIC,
  kemId: KemId = DEFAULT_KEM,
): KeyEntry {
  return { key: GatewayKey.generate(keyId, symmetric, kemId), publishFrom: times.publishFrom, activeFrom: times.activeFrom, retireAt: times.retireAt };
}

/** The identifier after `after` that no key uses (service-kit has checked that one is free). */
function nextFreeId(used: ReadonlySet<number>, after: number): number {
  let keyId = (after + 1) % 256;
  while (used.has(keyId)) keyId = (keyId + 1) % 256;
  return keyId;
}

/** A key file spec whose new keys accept `symmetric`. */
function gatewayKeyFile(symmetric: readonly SymmetricAlgorithm[]): KeyFileSpec<KeyEntry> {
  return {
    timeFields: { publishFrom: "publishFrom", activeFrom: "activeFrom", retireAt: "retireAt" },
    precision: "ms",
    keyFields: KEY_FIELDS,
    parseKey,
    serializeKey,
    times: (e) => e,
    withRetireAt: (e, retireAt) => ({ ...e, retireAt }),
    id: (e) => e.key.keyId,
    idName: "keyId",
    // A client holding an older listing may still name a retired key's identifier.
    idsUnique: "in-file",
    groups: { of: kemGroup, name: "KEM" },
    create: (times, used, newest, group) =>
      createKeyEntry(
        newest === undefined ? (randomBytes(1)[0] ?? 0) : nextFreeId(used, newest.key.keyId),
        { publishFrom: times.publishFrom ?? times.activeFrom, activeFrom: times.activeFrom },
        symmetric,
        group === undefined ? DEFAULT_KEM : (kemByFileName(group)?.id ?? DEFAULT_KEM),
      ),
    usable: (ev) => ev.counts.current + ev.counts.published > 0,
    unusable: "no key is published or current now",
    fileVariable: KEYS_FILE_VARIABLE,
    inlineVariable: KEYS_VARIABLE,
  };
}

export const GATEWAY_KEY_FILE: KeyFileSpec<KeyEntry> = gatewayKeyFile(DEFAULT_SYMMETRIC);

/** Parses and checks a key file, importing each key once. */
export function parseKeyFile(text: string, now: number = Date.now()): KeyEntry[] {
  return kit.parseKeyFile(GATEWAY_KEY_FILE, text, now);
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

/** Reads and checks a key file (for the CLI; the service uses `loadKeys`). */
export function readKeyFile(path: string, now: number = Date.now()): KeyEntry[] {
  return kit.readKeyFile(GATEWAY_KEY_FILE, path, now);
}

/** Writes a key file atomically with 0600 permissions: a reloading gateway never sees half a file. */
export function writeKeyFile(path: string, entries: readonly KeyEntry[]): void {
  kit.writeKeyFile(GATEWAY_KEY_FILE, path, entries);
}

/**
 * Creates a key file with one key per KEM in `kems` (X25519 alone unless told), each current
 * from `now`, the first with a random key identifier and the others after it. `npm start` and
 * `gateway-keys generate` ask for X-Wing and X25519 (DEFAULT_GENERATED_KEMS); production mounts a
 * file made with `gateway-keys generate` and rotated with `gateway-keys rotate`. It refuses to
 * overwrite an existing file.
 */
export function generateKeyFile(path: string, now: Date = new Date(), kems: readonly KemId[] = [DEFAULT_KEM]): void {
  if (kems.length === 0) throw new kit.KeyFileError("needs distinct KEMs");
  kit.generateKeyFile(GATEWAY_KEY_FILE, path, now, kems.map((k) => gatewayKem(k).fileName));
}

/**
 * Adds to an existing key file a key of each KEM in `kems` that no entry has, current from
 * `now`. Returns the KEMs it added; writes nothing when none is missing. `npm start` uses it so
 * that a `.dev` made before the post-quantum keys gets its X-Wing key.
 */
export function addMissingKems(path: string, kems: readonly KemId[], now: Date = new Date()): KemId[] {
  const added = kit.addMissingGroups(GATEWAY_KEY_FILE, path, kems.map((k) => gatewayKem(k).fileName), now);
  return kems.filter((k) => added.includes(gatewayKem(k).fileName));
}

export interface RotateOptions {
  readonly now: number;
  /** How long the new key is published before it becomes current; at least the key listing's max-age. */
  readonly publishLeadMs: number;
  /** How long a superseded key is still accepted after the new key becomes current. */
  readonly graceMs: number;
  readonly symmetric?: readonly SymmetricAlgorithm[];
  /** The KEM to rotate (the others keep their times); defaults to the file's one KEM; a file with several needs it. */
  readonly kemId?: KemId;
}

/** service-kit's rotateKeys for one KEM: a new key id after the newest key's, used by no key in the file. */
export function rotateKeyEntries(entries: readonly KeyEntry[], options: RotateOptions): kit.Rotation<KeyEntry> {
  const spec = options.symmetric === undefined ? GATEWAY_KEY_FILE : gatewayKeyFile(options.symmetric);
  return kit.rotateKeys(spec, entries, {
    now: options.now,
    leadMs: options.publishLeadMs,
    graceMs: options.graceMs,
    ...(options.kemId === undefined ? {} : { group: gatewayKem(options.kemId).fileName }),
  });
}
