/**
 * The gateway's keys: the key file format, the state of each key at a given time, and the store
 * the hot path looks keys up in.
 *
 * Key file (GATEWAY_KEYS_FILE, or the same JSON in GATEWAY_KEYS), version 1:
 *
 *   {
 *     "version": 1,
 *     "keys": [
 *       {
 *         "keyId": 17,                                  0-255, unique in the file
 *         "kem": "MLKEM768-X25519",                     optional: "DHKEM(X25519, HKDF-SHA256)" (the
 *                                                       default when absent, RFC 9180 §7.1),
 *                                                       "MLKEM768-X25519" (X-Wing) or "ML-KEM-768"
 *                                                       (draft-ietf-hpke-pq-04 §3, §4); key-kems.ts
 *         "privateKey": "<base64url>",                  Nsk bytes: 32 for X25519 and X-Wing (its
 *                                                       seed), 64 for ML-KEM-768 (its seed)
 *         "symmetric": [{ "kdf": "HKDF-SHA256", "aead": "AES-128-GCM" }, ...],
 *         "publishFrom": "2026-01-01T00:00:00Z",        listed and accepted from
 *         "activeFrom":  "2026-01-02T00:00:00Z",        current (listed first) from
 *         "retireAt":    "2026-01-09T00:00:00Z"         optional: refused from
 *       }
 *     ]
 *   }
 *
 * States at time t (RFC 9458 §6.4 asks for "a plan for replacing keys"), for each KEM on its own:
 * every KEM has its own current key and rotates on its own schedule.
 *   pending    t < publishFrom                 not listed, refused
 *   published  publishFrom <= t < activeFrom   listed after the current keys, accepted
 *   current    the key of its KEM with the latest activeFrom <= t that is not retired: listed
 *              first (X-Wing, then ML-KEM-768, then X25519), accepted
 *   grace      activeFrom <= t, superseded by a newer current key of its KEM: not listed, still accepted
 *   retired    retireAt <= t                   not listed, refused like an unknown key
 */
import { inspect } from "node:util";
import { AeadId, GatewayKey, KdfId, encodeKeyConfigs, type KemId, type SymmetricAlgorithm } from "@oblivious/ohttp";
import { KeyFileError } from "@oblivious/service-kit";
import { DEFAULT_KEM, GATEWAY_KEMS, gatewayKem, kemByFileName } from "./key-kems.js";

export const KEY_FILE_VERSION = 1;
/** The `kem` of an X25519 key (the default when an entry has none). */
export const KEM_NAME = gatewayKem(DEFAULT_KEM).fileName;

const KDF_BY_NAME: Readonly<Record<string, SymmetricAlgorithm["kdfId"]>> = { "HKDF-SHA256": KdfId.HkdfSha256 };
const AEAD_BY_NAME: Readonly<Record<string, SymmetricAlgorithm["aeadId"]>> = {
  "AES-128-GCM": AeadId.Aes128Gcm,
  "AES-256-GCM": AeadId.Aes256Gcm,
  ChaCha20Poly1305: AeadId.ChaCha20Poly1305,
};

/** What a new key accepts unless told otherwise. */
export const DEFAULT_SYMMETRIC: readonly SymmetricAlgorithm[] = [
  { kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes128Gcm },
  { kdfId: KdfId.HkdfSha256, aeadId: AeadId.ChaCha20Poly1305 },
];

export interface KeyEntry {
  /** The imported key; it redacts itself when printed. */
  readonly key: GatewayKey;
  readonly publishFrom: number;
  readonly activeFrom: number;
  readonly retireAt: number | undefined;
}

/** A key file that cannot be used: service-kit's error, shared with the issuer's key file. */
export { KeyFileError };

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const ENTRY_FIELDS = new Set(["keyId", "kem", "privateKey", "symmetric", "publishFrom", "activeFrom", "retireAt"]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function time(v: unknown, where: string): number {
  const ms = typeof v === "string" && TIME.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new KeyFileError(`${where} must be a UTC time such as 2026-01-01T00:00:00Z`);
  return ms;
}

function symmetric(v: unknown, where: string): SymmetricAlgorithm[] {
  if (!Array.isArray(v) || v.length === 0) throw new KeyFileError(`${where}.symmetric must be a non-empty list`);
  return v.map((s: unknown, j) => {
    const kdfId = isObject(s) && typeof s["kdf"] === "string" ? KDF_BY_NAME[s["kdf"]] : undefined;
    const aeadId = isObject(s) && typeof s["aead"] === "string" ? AEAD_BY_NAME[s["aead"]] : undefined;
    if (kdfId === undefined || aeadId === undefined || Object.keys(s as object).length !== 2) {
      throw new KeyFileError(`${where}.symmetric[${j}] must be { kdf: HKDF-SHA256, aead: AES-128-GCM | AES-256-GCM | ChaCha20Poly1305 }`);
    }
    return { kdfId, aeadId };
  });
}

function entry(v: unknown, i: number): KeyEntry {
  const where = `keys[${i}]`;
  if (!isObject(v)) throw new KeyFileError(`${where} must be an object`);
  for (const name of Object.keys(v)) if (!ENTRY_FIELDS.has(name)) throw new KeyFileError(`${where} has an unknown field`);
  const keyId = v["keyId"];
  if (!Number.isInteger(keyId) || (keyId as number) < 0 || (keyId as number) > 255) throw new KeyFileError(`${where}.keyId must be an integer from 0 to 255`);
  const kem = v["kem"] === undefined ? gatewayKem(DEFAULT_KEM) : typeof v["kem"] === "string" ? kemByFileName(v["kem"]) : undefined;
  if (kem === undefined) throw new KeyFileError(`${where}.kem must be one of ${GATEWAY_KEMS.map((k) => `"${k.fileName}"`).join(", ")}`);
  const privateKey = v["privateKey"];
  if (typeof privateKey !== "string" || !BASE64URL.test(privateKey) || privateKey.length !== Math.ceil((kem.privateKeyBytes * 4) / 3)) {
    throw new KeyFileError(`${where}.privateKey must be ${kem.privateKeyBytes} bytes in unpadded base64url`);
  }
  const publishFrom = time(v["publishFrom"], `${where}.publishFrom`);
  const activeFrom = time(v["activeFrom"], `${where}.activeFrom`);
  const retireAt = v["retireAt"] === undefined ? undefined : time(v["retireAt"], `${where}.retireAt`);
  if (publishFrom > activeFrom) throw new KeyFileError(`${where}: publishFrom must not be after activeFrom`);
  if (retireAt !== undefined && retireAt <= activeFrom) throw new KeyFileError(`${where}: retireAt must be after activeFrom`);
  let key: GatewayKey;
  try {
    key = GatewayKey.fromPrivateKey(keyId as number, Buffer.from(privateKey, "base64url"), symmetric(v["symmetric"], where), kem.id);
  } catch (e) {
    if (e instanceof KeyFileError) throw e;
    throw new KeyFileError(`${where} is not a usable key`);
  }
  return { key, publishFrom, activeFrom, retireAt };
}

/** Parses and checks a key file, importing each key once. */
export function parseKeyFile(text: string): KeyEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new KeyFileError("not JSON");
  }
  if (!isObject(doc) || doc["version"] !== KEY_FILE_VERSION || !Array.isArray(doc["keys"])) {
    throw new KeyFileError(`must be { "version": ${KEY_FILE_VERSION}, "keys": [...] }`);
  }
  const entries = (doc["keys"] as unknown[]).map(entry);
  if (entries.length === 0) throw new KeyFileError("holds no key");
  const ids = new Set(entries.map((e) => e.key.keyId));
  if (ids.size !== entries.length) throw new KeyFileError("two keys share a keyId");
  return entries;
}

const KDF_NAME = new Map(Object.entries(KDF_BY_NAME).map(([name, id]) => [id, name]));
const AEAD_NAME = new Map(Object.entries(AEAD_BY_NAME).map(([name, id]) => [id, name]));

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** The key file text for `entries`, private keys included: write it only to a 0600 file. */
export function serializeKeyFile(entries: readonly KeyEntry[]): string {
  const keys = entries.map((e) => ({
    keyId: e.key.keyId,
    kem: gatewayKem(e.key.kemId).fileName,
    privateKey: Buffer.from(e.key.exportPrivateKey()).toString("base64url"),
    symmetric: e.key.symmetricAlgorithms.map((s) => ({ kdf: KDF_NAME.get(s.kdfId), aead: AEAD_NAME.get(s.aeadId) })),
    publishFrom: iso(e.publishFrom),
    activeFrom: iso(e.activeFrom),
    ...(e.retireAt === undefined ? {} : { retireAt: iso(e.retireAt) }),
  }));
  return `${JSON.stringify({ version: KEY_FILE_VERSION, keys }, null, 2)}\n`;
}

export const KeyState = { Pending: "pending", Published: "published", Current: "current", Grace: "grace", Retired: "retired" } as const;
export type KeyState = (typeof KeyState)[keyof typeof KeyState];
export const KEY_STATES: readonly KeyState[] = Object.values(KeyState);

/** The state of each entry at `now`, in the order of `entries`; one current key per KEM. */
export function keyStates(entries: readonly KeyEntry[], now: number): KeyState[] {
  const retired = (e: KeyEntry): boolean => e.retireAt !== undefined && now >= e.retireAt;
  const current = new Map<KemId, KeyEntry>();
  for (const e of entries) {
    const c = current.get(e.key.kemId);
    // Ties go to the later entry in the file: the newer key.
    if (!retired(e) && e.activeFrom <= now && (c === undefined || e.activeFrom >= c.activeFrom)) current.set(e.key.kemId, e);
  }
  return entries.map((e) => {
    if (retired(e)) return KeyState.Retired;
    if (now < e.publishFrom) return KeyState.Pending;
    if (now < e.activeFrom) return KeyState.Published;
    return e === current.get(e.key.kemId) ? KeyState.Current : KeyState.Grace;
  });
}

/** The next instant after `now` at which some entry changes state; Infinity if none. */
function nextTransition(entries: readonly KeyEntry[], now: number): number {
  let next = Infinity;
  for (const e of entries) {
    for (const t of [e.publishFrom, e.activeFrom, e.retireAt]) if (t !== undefined && t > now && t < next) next = t;
  }
  return next;
}

export interface KeySnapshot {
  /** Accepted keys by key identifier (current, published, grace). */
  readonly accepted: readonly (GatewayKey | undefined)[];
  /**
   * The published listing: the current key of each KEM (X-Wing, ML-KEM-768, X25519), then
   * published keys by activeFrom (ties in the same KEM order).
   */
  readonly listed: readonly GatewayKey[];
  /** `application/ohttp-keys` for `listed`; undefined when nothing is listed. */
  readonly encoded: Uint8Array | undefined;
  readonly counts: Readonly<Record<KeyState, number>>;
  /** The first listed current key's identifier (X-Wing's when there is one). */
  readonly currentKeyId: number | undefined;
  /** The current key identifier of each KEM that has one, in listing order. */
  readonly currentKeyIds: readonly number[];
  readonly evaluatedAt: number;
  readonly validUntil: number;
}

export function snapshot(entries: readonly KeyEntry[], now: number): KeySnapshot {
  const states = keyStates(entries, now);
  const accepted: (GatewayKey | undefined)[] = new Array<GatewayKey | undefined>(256).fill(undefined);
  const counts: Record<KeyState, number> = { pending: 0, published: 0, current: 0, grace: 0, retired: 0 };
  const current: GatewayKey[] = [];
  const published: KeyEntry[] = [];
  entries.forEach((e, i) => {
    const state = states[i] ?? KeyState.Retired;
    counts[state] += 1;
    if (state === KeyState.Current) current.push(e.key);
    if (state === KeyState.Published) published.push(e);
    if (state === KeyState.Current || state === KeyState.Published || state === KeyState.Grace) accepted[e.key.keyId] = e.key;
  });
  const rank = (k: GatewayKey): number => gatewayKem(k.kemId).listingRank;
  current.sort((a, b) => rank(a) - rank(b));
  published.sort((a, b) => a.activeFrom - b.activeFrom || rank(a.key) - rank(b.key));
  const listed = [...current, ...published.map((e) => e.key)];
  return {
    accepted,
    listed,
    encoded: listed.length === 0 ? undefined : encodeKeyConfigs(listed.map((k) => k.config)),
    counts,
    currentKeyId: current[0]?.keyId,
    currentKeyIds: current.map((k) => k.keyId),
    evaluatedAt: now,
    validUntil: nextTransition(entries, now),
  };
}

function listing(s: KeySnapshot): string {
  return s.listed.map((k) => k.keyId).join(",");
}

/**
 * The keys in use. Every read re-evaluates the states when the clock has passed the next
 * transition (or gone back), so a key turns current or retires at its exact time with no timer;
 * between transitions a read is one clock call and one comparison. The encoded key
 * configurations are computed once per transition, not per request.
 */
export class KeyStore {
  #entries: readonly KeyEntry[];
  #snapshot: KeySnapshot;
  readonly #now: () => number;
  readonly #onChange: ((s: KeySnapshot) => void) | undefined;

  constructor(entries: readonly KeyEntry[], now: () => number, onChange?: (s: KeySnapshot) => void) {
    this.#entries = entries;
    this.#now = now;
    this.#onChange = onChange;
    this.#snapshot = snapshot(entries, now());
  }

  /** The accepted key for a key identifier: the `lookup` that `decapsulateRequest` takes. */
  readonly lookup = (keyId: number): GatewayKey | undefined => this.current().accepted[keyId];

  current(): KeySnapshot {
    const now = this.#now();
    const s = this.#snapshot;
    if (now < s.validUntil && now >= s.evaluatedAt) return s;
    return this.#evaluate(now);
  }

  get entries(): readonly KeyEntry[] {
    return this.#entries;
  }

  /** Swaps in a reloaded key set. */
  replace(entries: readonly KeyEntry[]): void {
    this.#entries = entries;
    this.#evaluate(this.#now());
  }

  /** Whole seconds until the listing may next change (at least 0). */
  secondsUntilChange(): number {
    const s = this.current();
    return s.validUntil === Infinity ? Number.MAX_SAFE_INTEGER : Math.max(0, Math.floor((s.validUntil - this.#now()) / 1000));
  }

  /**
   * The listing's `max-age`, in whole seconds: `capMs` rounded down, and never past the next
   * change of any key's state. Every listed key's `retireAt` is such a change, so no cache that
   * honours it keeps a listed key past its retirement. What it cannot cover is a key file
   * replaced later with earlier times: `gateway-keys rotate` refuses those (rotation-timing.ts).
   */
  listingMaxAgeS(capMs: number): number {
    return Math.min(Math.floor(capMs / 1000), this.secondsUntilChange());
  }

  #evaluate(now: number): KeySnapshot {
    const before = this.#snapshot;
    const after = snapshot(this.#entries, now);
    this.#snapshot = after;
    if (listing(before) !== listing(after) || before.counts.grace !== after.counts.grace) this.#onChange?.(after);
    return after;
  }

  toString(): string {
    const current = this.#snapshot.currentKeyIds;
    return `KeyStore { keys: ${this.#entries.length}, current: ${current.length === 0 ? "none" : current.join(",")} }`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
