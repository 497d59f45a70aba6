/**
 * A service's key file: the format's envelope and times, loading at start-up, reloading while
 * running (FileWatcher: a changed file that does not parse, or that has no usable key now, is
 * refused and the keys in use stay), and the key CLI's operations (generate, rotate), which write
 * atomically with 0600 permissions. What differs between services, the key material, comes in a
 * `KeyFileSpec`: how a key's fields are read and written, its identifier, how a new key is made.
 *
 *   { "version": 1, "keys": [ { <the key's fields>, <publishFrom>, <activeFrom>, <retireAt> } ] }
 *
 * The time fields keep each service's names (the issuer's file names activeFrom `notBefore` and
 * has no publishFrom). Keys may fall in groups that rotate apart, each with its own current key
 * (the gateway's KEMs). States and their meaning: key-lifecycle.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import { CodedError } from "@oblivious/wire";
import { evaluateKeys, type KeyEvaluation, type KeyTimes } from "./key-lifecycle.js";
import { FileWatcher, loadSecretSource, writeFileAtomic, type ReloadResult, type SecretSource } from "./file-watch.js";

export const KEY_FILE_VERSION = 1;

export const KeyFileErrorCode = { Malformed: "malformed", Exists: "exists", NoFreeId: "no-free-id" } as const;
export type KeyFileErrorCode = (typeof KeyFileErrorCode)[keyof typeof KeyFileErrorCode];

/** A key file that cannot be used. The message names the item, never a value. */
export class KeyFileError extends CodedError<KeyFileErrorCode> {
  override readonly name = "KeyFileError";

  constructor(message: string, code: KeyFileErrorCode = KeyFileErrorCode.Malformed) {
    super(code, message);
  }
}

export interface KeyFileSpec<E> {
  /** The time fields' names in this format; no `publishFrom` when the format has none. */
  readonly timeFields: { readonly publishFrom?: string; readonly activeFrom: string; readonly retireAt: string };
  /** "s": times are whole seconds (the issuer's directory publishes seconds). */
  readonly precision: "ms" | "s";
  /** The key's own fields (besides the times). */
  readonly keyFields: readonly string[];
  /** Reads a key's fields; throws KeyFileError naming `where`, never a value. */
  readonly parseKey: (fields: Readonly<Record<string, unknown>>, where: string, times: KeyTimes) => E;
  /** The key's own fields, private key included. */
  readonly serializeKey: (entry: E) => Record<string, unknown>;
  readonly times: (entry: E) => KeyTimes;
  readonly withRetireAt: (entry: E, retireAt: number) => E;
  /** The identifier clients name the key by (0-255), and its name in messages. */
  readonly id: (entry: E) => number;
  readonly idName: string;
  /** Unique among all keys in the file (retired ones too), or among keys not retired. */
  readonly idsUnique: "in-file" | "among-live";
  /**
   * Groups of keys that each have their own current key and rotate on their own schedule (the
   * gateway's KEMs); `name` names a group in messages ("KEM"). None: one group.
   */
  readonly groups?: { readonly of: (entry: E) => string; readonly name: string };
  /**
   * A new key with an identifier not in `used`, of `group` (undefined: the spec's default);
   * `newest` is the key with the latest activeFrom, or the key just made before it.
   */
  readonly create: (times: KeyTimes, used: ReadonlySet<number>, newest: E | undefined, group: string | undefined) => E;
  /** Further rules for the whole file; throws KeyFileError. */
  readonly check?: (entries: readonly E[], now: number) => void;
  /** Whether the service can run with these keys now, and what to say when it cannot. */
  readonly usable: (evaluation: KeyEvaluation<E>) => boolean;
  readonly unusable: string;
  /** The variables that name the file and that hold it inline. */
  readonly fileVariable: string;
  readonly inlineVariable: string;
}

const TIME_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;
const TIME_S = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseTime(precision: "ms" | "s", v: unknown, where: string): number {
  const pattern = precision === "s" ? TIME_S : TIME_MS;
  const ms = typeof v === "string" && pattern.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new KeyFileError(`${where} must be a UTC time${precision === "s" ? " in whole seconds" : ""} such as 2026-01-01T00:00:00Z`);
  return ms;
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

function parseEntry<E>(spec: KeyFileSpec<E>, v: unknown, i: number): E {
  const where = `keys[${i}]`;
  if (!isObject(v)) throw new KeyFileError(`${where} must be an object`);
  const names = spec.timeFields;
  const allowed = new Set([...spec.keyFields, ...Object.values(names)]);
  for (const name of Object.keys(v)) if (!allowed.has(name)) throw new KeyFileError(`${where} has an unknown field`);
  const time = (name: string | undefined): number | undefined => (name === undefined ? undefined : parseTime(spec.precision, v[name], `${where}.${name}`));
  const optional = (name: string): number | undefined => (v[name] === undefined ? undefined : time(name));
  const publishFrom = time(names.publishFrom);
  const activeFrom = parseTime(spec.precision, v[names.activeFrom], `${where}.${names.activeFrom}`);
  const retireAt = optional(names.retireAt);
  if (publishFrom !== undefined && publishFrom > activeFrom) throw new KeyFileError(`${where}: ${names.publishFrom} must not be after ${names.activeFrom}`);
  if (retireAt !== undefined && retireAt <= activeFrom) throw new KeyFileError(`${where}: ${names.retireAt} must be after ${names.activeFrom}`);
  return spec.parseKey(v, where, { publishFrom, activeFrom, retireAt });
}

/** The spec's own rules, then refuses identifiers that clients could confuse. */
export function checkKeys<E>(spec: KeyFileSpec<E>, entries: readonly E[], now: number): void {
  spec.check?.(entries, now);
  const ids = new Set<number>();
  for (const e of entries) {
    const t = spec.times(e);
    if (spec.idsUnique === "among-live" && t.retireAt !== undefined && t.retireAt <= now) continue;
    if (ids.has(spec.id(e))) throw new KeyFileError(spec.idsUnique === "in-file" ? `has two keys with the same ${spec.idName}` : `has two live keys with the same ${spec.idName}`);
    ids.add(spec.id(e));
  }
}

/** Parses and checks a key file, importing each key once. */
export function parseKeyFile<E>(spec: KeyFileSpec<E>, text: string, now: number): E[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new KeyFileError("is not JSON");
  }
  if (!isObject(doc) || doc["version"] !== KEY_FILE_VERSION || !Array.isArray(doc["keys"]) || Object.keys(doc).length !== 2) {
    throw new KeyFileError(`must be { "version": ${KEY_FILE_VERSION}, "keys": [...] }`);
  }
  const entries = (doc["keys"] as unknown[]).map((v, i) => parseEntry(spec, v, i));
  if (entries.length === 0) throw new KeyFileError("holds no key");
  checkKeys(spec, entries, now);
  return entries;
}

/** The key file text, private keys included: write it only to a 0600 file. */
export function serializeKeyFile<E>(spec: KeyFileSpec<E>, entries: readonly E[]): string {
  const names = spec.timeFields;
  const keys = entries.map((e) => {
    const t = spec.times(e);
    return {
      ...spec.serializeKey(e),
      ...(names.publishFrom === undefined || t.publishFrom === undefined ? {} : { [names.publishFrom]: formatTime(t.publishFrom) }),
      [names.activeFrom]: formatTime(t.activeFrom),
      ...(t.retireAt === undefined ? {} : { [names.retireAt]: formatTime(t.retireAt) }),
    };
  });
  return `${JSON.stringify({ version: KEY_FILE_VERSION, keys }, null, 2)}\n`;
}

/** Reads and checks a key file (for the CLI; a service uses `loadKeyFile`). */
export function readKeyFile<E>(spec: KeyFileSpec<E>, path: string, now: number): E[] {
  return parseKeyFile(spec, readFileSync(path, "utf8"), now);
}

/** Writes a key file atomically (writeFileAtomic): a reloading service never sees half a file. */
export function writeKeyFile<E>(spec: KeyFileSpec<E>, path: string, entries: readonly E[]): void {
  writeFileAtomic(path, serializeKeyFile(spec, entries));
}

function usable<E>(spec: KeyFileSpec<E>, entries: readonly E[], now: number): boolean {
  return spec.usable(evaluateKeys(entries, spec.times, now, spec.groups?.of));
}

/** Loads the keys at start-up: a ConfigError naming the variable for any problem, never a random key. */
export async function loadKeyFile<E>(spec: KeyFileSpec<E>, source: SecretSource, now: number): Promise<{ readonly entries: E[]; readonly content: Buffer | undefined }> {
  const { value, content } = await loadSecretSource(source, {
    fileVariable: spec.fileVariable,
    inlineVariable: spec.inlineVariable,
    parse: (text) => parseKeyFile(spec, text, now),
    describe: (e) => (e instanceof KeyFileError ? `key file ${e.message}` : undefined),
    usable: (entries) => usable(spec, entries, now),
    unusable: spec.unusable,
  });
  return { entries: value, content };
}

/** Re-reads the key file and puts its keys in use when its content changed and is usable. */
export class KeyFileWatcher<E> extends FileWatcher<E[]> {
  constructor(options: {
    readonly spec: KeyFileSpec<E>;
    readonly path: string;
    readonly content: Buffer;
    readonly now: () => number;
    readonly apply: (entries: E[]) => void;
    readonly onResult: (r: ReloadResult) => void;
  }) {
    const { spec } = options;
    super({
      path: options.path,
      content: options.content,
      parse: (text) => parseKeyFile(spec, text, options.now()),
      usable: (entries) => usable(spec, entries, options.now()),
      apply: options.apply,
      onResult: options.onResult,
    });
  }
}

/** The watcher of a mounted key file, or none when the keys came inline (nothing to reload). */
export function watchKeyFile<E>(
  spec: KeyFileSpec<E>,
  source: SecretSource,
  content: Buffer | undefined,
  options: { readonly now: () => number; readonly apply: (entries: E[]) => void; readonly onResult: (r: ReloadResult) => void },
): KeyFileWatcher<E> | undefined {
  if (source.kind !== "file" || content === undefined) return undefined;
  return new KeyFileWatcher({ spec, path: source.path, content, ...options });
}

function round(precision: "ms" | "s", ms: number): number {
  return precision === "s" ? Math.floor(ms / 1000) * 1000 : ms;
}

/** New keys current from `at`, one per group, identifiers after the previous one's. */
function addKeys<E>(spec: KeyFileSpec<E>, entries: E[], groups: readonly (string | undefined)[], at: number): void {
  const times = { publishFrom: spec.timeFields.publishFrom === undefined ? undefined : at, activeFrom: at, retireAt: undefined };
  for (const group of groups) {
    const used = new Set(entries.map(spec.id));
    if (used.size >= 256) throw new KeyFileError(`has no free ${spec.idName}`, KeyFileErrorCode.NoFreeId);
    entries.push(spec.create(times, used, entries.at(-1), group));
  }
}

/**
 * Creates a key file with one key, current from `now`: one of each group in `groups` when the
 * spec has groups (the spec's default group when none is named). Development uses this (`npm
 * start`); production mounts a file made with the key CLI's `generate` and rotated with its
 * `rotate`. It refuses to overwrite an existing file.
 */
export function generateKeyFile<E>(spec: KeyFileSpec<E>, path: string, now: Date = new Date(), groups: readonly string[] = []): void {
  if (existsSync(path)) throw new KeyFileError("already exists; refusing to overwrite it", KeyFileErrorCode.Exists);
  if (new Set(groups).size !== groups.length) throw new KeyFileError(`needs distinct ${spec.groups?.name ?? "group"}s`);
  const entries: E[] = [];
  addKeys(spec, entries, groups.length === 0 ? [undefined] : groups, round(spec.precision, now.getTime()));
  writeKeyFile(spec, path, entries);
}

/**
 * Adds to an existing key file a key of each group in `groups` that no key has, current from
 * `now`: a group the file lacks has no clients to move over, so it needs no lead. Returns the
 * groups it added; writes nothing when none is missing (`npm start` gives an old `.dev` file the
 * gateway's X-Wing key this way).
 */
export function addMissingGroups<E>(spec: KeyFileSpec<E>, path: string, groups: readonly string[], now: Date = new Date()): string[] {
  const entries = readKeyFile(spec, path, now.getTime());
  const missing = groups.filter((g) => !entries.some((e) => spec.groups?.of(e) === g));
  if (missing.length === 0) return [];
  addKeys(spec, entries, missing, round(spec.precision, now.getTime()));
  writeKeyFile(spec, path, entries);
  return missing;
}

export interface RotateOptions {
  readonly now: number;
  /** How long the new key is listed before it is in use: at least the listing's max-age plus any cache's bound (rotation-timing.ts). */
  readonly leadMs: number;
  /** How long a superseded key is still accepted (or listed) after the new key is in use; the same minimum. */
  readonly graceMs: number;
  /** The group to rotate when the spec has groups; needed when the file holds several. */
  readonly group?: string;
}

export interface Rotation<E> {
  readonly entries: E[];
  readonly added: E;
  readonly pruned: number;
}

/** The group a rotation is for: the one named, else the file's only group; undefined without groups. */
function rotatedGroup<E>(spec: KeyFileSpec<E>, entries: readonly E[], named: string | undefined): string | undefined {
  if (spec.groups === undefined || named !== undefined) return named;
  const present = new Set(entries.map(spec.groups.of));
  if (present.size > 1) throw new KeyFileError(`holds keys of several ${spec.groups.name}s: name the one to rotate`);
  return present.values().next().value;
}

/**
 * Adds a key, published now and in use after the lead; gives every older key (of its group) a
 * retire time of at most the new key's activation plus the grace; drops keys retired by `now`.
 * A group the file has no key of yet gets its first key in use now: no client uses it yet, so
 * none needs the lead. The new key's identifier is not used by any key the spec counts
 * (`idsUnique`), so no client holding an older listing can name two keys with it.
 */
export function rotateKeys<E>(spec: KeyFileSpec<E>, entries: readonly E[], options: RotateOptions): Rotation<E> {
  const { now, leadMs, graceMs } = options;
  const group = rotatedGroup(spec, entries, options.group);
  const inGroup = (e: E): boolean => spec.groups === undefined || spec.groups.of(e) === group;
  const activeFrom = round(spec.precision, spec.groups !== undefined && !entries.some(inGroup) ? now : now + leadMs);
  const retireBy = activeFrom + graceMs;
  const kept = entries
    .map((e) => {
      const t = spec.times(e);
      return inGroup(e) && t.activeFrom < activeFrom && (t.retireAt === undefined || t.retireAt > retireBy) ? spec.withRetireAt(e, retireBy) : e;
    })
    .filter((e) => {
      const r = spec.times(e).retireAt;
      return r === undefined || r > now;
    });
  const used = new Set((spec.idsUnique === "in-file" ? entries : kept).map(spec.id));
  if (used.size >= 256) throw new KeyFileError(`has no free ${spec.idName}`, KeyFileErrorCode.NoFreeId);
  const newest = entries.reduce<E | undefined>((a, e) => (a === undefined || spec.times(e).activeFrom >= spec.times(a).activeFrom ? e : a), undefined);
  const added = spec.create({ publishFrom: spec.timeFields.publishFrom === undefined ? undefined : now, activeFrom, retireAt: undefined }, used, newest, group);
  const result = [...kept, added];
  checkKeys(spec, result, now);
  return { entries: result, added, pruned: entries.length - kept.length };
}
