/**
 * The issuer's signing keys: the key file format, the state of each key at a given time, and the
 * store that answers "which key signs now" and "what does the directory list now".
 *
 * Key file (ISSUER_KEYS_FILE, or the same JSON in ISSUER_KEYS), version 1:
 *
 *   {
 *     "version": 1,
 *     "keys": [
 *       {
 *         "tokenType": 2,                          RFC 9578 §6, Blind RSA (2048-bit)
 *         "privateKey": "<base64url PKCS#8 DER>",  RSA-2048, public exponent 65537
 *         "notBefore": "2026-01-02T00:00:00Z",     signs from (whole seconds); the directory's "not-before"
 *         "retireAt":  "2026-01-09T00:00:00Z"      optional: leaves the directory from
 *       }
 *     ]
 *   }
 *
 * States at time t:
 *   upcoming    t < notBefore                    listed (with its not-before), does not sign yet
 *   current     the key with the latest notBefore <= t that is not retired: listed, signs
 *   superseded  notBefore <= t, a newer key is current: still listed so that origins keep
 *               verifying tokens made with it, does not sign
 *   retired     retireAt <= t                    not listed, does not sign
 *
 * The directory lists keys newest first (RFC 9578 §4: "preference given to keys earlier in the
 * list"), so a client that takes the first key whose not-before has passed takes the current one.
 * Token requests name a key by its truncated identifier, the last byte of SHA-256(SPKI)
 * (RFC 9578 §6.1); it must be unique among keys that are not retired, which loading checks.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { TokenType, encodeTokenKey, tokenKeyId, truncatedTokenKeyId } from "@oblivious/privacypass";

export const KEY_FILE_VERSION = 1;
/** RFC 9578 §6: "Nk = 256" for type 0x0002, a 2048-bit modulus. */
export const MODULUS_BITS = 2048;
export const PUBLIC_EXPONENT = 65537n;

/** A key file that cannot be used. The message names the item, never a value. */
export class KeyFileError extends Error {
  override readonly name = "KeyFileError";
}

/** One signing key, imported once. Printing it shows public information only. */
export interface IssuerKey {
  readonly tokenType: number;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo, as published in the directory (RFC 9578 §6.5). */
  readonly tokenKey: Uint8Array;
  readonly tokenKeyId: Uint8Array;
  readonly truncatedTokenKeyId: number;
  /** Hex of tokenKeyId: how the signer pool names the key. */
  readonly id: string;
  /** The RSA modulus n, big-endian, 256 bytes: a blinded message must be below it. */
  readonly modulus: Uint8Array;
  readonly notBefore: number;
  readonly retireAt: number | undefined;
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const ENTRY_FIELDS = new Set(["tokenType", "privateKey", "notBefore", "retireAt"]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function time(v: unknown, where: string): number {
  const ms = typeof v === "string" && TIME.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new KeyFileError(`${where} must be a UTC time in whole seconds such as 2026-01-01T00:00:00Z`);
  return ms;
}

/** Imports an RSA-2048 private key and derives everything the issuer needs from it, once. */
export function importIssuerKey(privateKey: KeyObject, times: { readonly notBefore: number; readonly retireAt?: number | undefined }): IssuerKey {
  const details = privateKey.asymmetricKeyDetails;
  if (
    privateKey.type !== "private" ||
    (privateKey.asymmetricKeyType !== "rsa" && privateKey.asymmetricKeyType !== "rsa-pss") ||
    details?.modulusLength !== MODULUS_BITS ||
    details.publicExponent !== PUBLIC_EXPONENT
  ) {
    throw new KeyFileError(`must be an RSA private key with a ${MODULUS_BITS}-bit modulus and public exponent 65537`);
  }
  const publicKey = createPublicKey(privateKey);
  const tokenKey = encodeTokenKey(publicKey);
  const id = tokenKeyId(tokenKey);
  const n = publicKey.export({ format: "jwk" }).n;
  if (typeof n !== "string") throw new KeyFileError("has no modulus");
  const modulus = new Uint8Array(Buffer.from(n, "base64url"));
  if (modulus.length !== MODULUS_BITS / 8) throw new KeyFileError("has a modulus of the wrong size");
  const key: IssuerKey = {
    tokenType: TokenType.BlindRsa2048,
    privateKey,
    publicKey,
    tokenKey,
    tokenKeyId: id,
    truncatedTokenKeyId: truncatedTokenKeyId(tokenKey),
    id: Buffer.from(id).toString("hex"),
    modulus,
    notBefore: times.notBefore,
    retireAt: times.retireAt,
  };
  // The private key is a KeyObject (which never prints its material); hide it from enumeration too.
  Object.defineProperty(key, "privateKey", { enumerable: false });
  return Object.freeze(key);
}

function entry(v: unknown, i: number): IssuerKey {
  const where = `keys[${i}]`;
  if (!isObject(v)) throw new KeyFileError(`${where} must be an object`);
  for (const name of Object.keys(v)) if (!ENTRY_FIELDS.has(name)) throw new KeyFileError(`${where} has an unknown field`);
  if (v["tokenType"] !== TokenType.BlindRsa2048) throw new KeyFileError(`${where}.tokenType must be ${TokenType.BlindRsa2048} (Blind RSA 2048)`);
  const encoded = v["privateKey"];
  if (typeof encoded !== "string" || !BASE64URL.test(encoded)) throw new KeyFileError(`${where}.privateKey must be a PKCS#8 DER key in unpadded base64url`);
  const notBefore = time(v["notBefore"], `${where}.notBefore`);
  const retireAt = v["retireAt"] === undefined ? undefined : time(v["retireAt"], `${where}.retireAt`);
  if (retireAt !== undefined && retireAt <= notBefore) throw new KeyFileError(`${where}: retireAt must be after notBefore`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: Buffer.from(encoded, "base64url"), format: "der", type: "pkcs8" });
  } catch {
    throw new KeyFileError(`${where}.privateKey is not a PKCS#8 private key`);
  }
  try {
    return importIssuerKey(privateKey, { notBefore, retireAt });
  } catch (e) {
    if (e instanceof KeyFileError) throw new KeyFileError(`${where}.privateKey ${e.message}`);
    throw new KeyFileError(`${where} is not a usable key`);
  }
}

function live(key: IssuerKey, now: number): boolean {
  return key.retireAt === undefined || key.retireAt > now;
}

/**
 * Refuses keys that clients or origins could confuse: two keys that are not retired at `now`
 * with the same truncated identifier (a token request could not name one of them) or the same
 * not-before (which one is current would be a tie), or the same key twice.
 */
export function checkCollisions(keys: readonly IssuerKey[], now: number): void {
  const ids = new Set<string>();
  const truncated = new Set<number>();
  const notBefore = new Set<number>();
  for (const key of keys) {
    if (ids.has(key.id)) throw new KeyFileError("holds the same key twice");
    ids.add(key.id);
    if (!live(key, now)) continue;
    if (truncated.has(key.truncatedTokenKeyId)) throw new KeyFileError("has two live keys with the same truncated token key id");
    truncated.add(key.truncatedTokenKeyId);
    if (notBefore.has(key.notBefore)) throw new KeyFileError("has two live keys with the same notBefore");
    notBefore.add(key.notBefore);
  }
}

/** Parses and checks a key file, importing each key once. */
export function parseKeyFile(text: string, now: number): IssuerKey[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new KeyFileError("is not JSON");
  }
  if (!isObject(doc) || doc["version"] !== KEY_FILE_VERSION || !Array.isArray(doc["keys"]) || Object.keys(doc).length !== 2) {
    throw new KeyFileError(`must be { "version": ${KEY_FILE_VERSION}, "keys": [...] }`);
  }
  const keys = (doc["keys"] as unknown[]).map(entry);
  if (keys.length === 0) throw new KeyFileError("holds no key");
  checkCollisions(keys, now);
  return keys;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** The key file text, private keys included: write it only to a 0600 file. */
export function serializeKeyFile(keys: readonly IssuerKey[]): string {
  const entries = keys.map((k) => ({
    tokenType: k.tokenType,
    privateKey: k.privateKey.export({ format: "der", type: "pkcs8" }).toString("base64url"),
    notBefore: iso(k.notBefore),
    ...(k.retireAt === undefined ? {} : { retireAt: iso(k.retireAt) }),
  }));
  return `${JSON.stringify({ version: KEY_FILE_VERSION, keys: entries }, null, 2)}\n`;
}

export const KeyState = { Upcoming: "upcoming", Current: "current", Superseded: "superseded", Retired: "retired" } as const;
export type KeyState = (typeof KeyState)[keyof typeof KeyState];
export const KEY_STATES: readonly KeyState[] = Object.values(KeyState);

export interface KeySnapshot {
  /** The key that signs now, if any. */
  readonly current: IssuerKey | undefined;
  /** What the directory lists now, newest first. */
  readonly listed: readonly IssuerKey[];
  /** Every key that is not retired, by truncated identifier: the signer pool loads these. */
  readonly live: readonly IssuerKey[];
  readonly counts: Readonly<Record<KeyState, number>>;
  /** When a state changes next (ms), or Infinity. */
  readonly nextChange: number;
}

export function keyState(keys: readonly IssuerKey[], key: IssuerKey, now: number): KeyState {
  if (!live(key, now)) return KeyState.Retired;
  if (key.notBefore > now) return KeyState.Upcoming;
  return snapshot(keys, now).current === key ? KeyState.Current : KeyState.Superseded;
}

export function snapshot(keys: readonly IssuerKey[], now: number): KeySnapshot {
  const alive = keys.filter((k) => live(k, now));
  const listed = [...alive].sort((a, b) => b.notBefore - a.notBefore);
  const current = listed.find((k) => k.notBefore <= now);
  const counts: Record<KeyState, number> = { upcoming: 0, current: 0, superseded: 0, retired: keys.length - alive.length };
  for (const k of alive) counts[k.notBefore > now ? "upcoming" : k === current ? "current" : "superseded"] += 1;
  let nextChange = Infinity;
  for (const k of keys) {
    if (k.notBefore > now) nextChange = Math.min(nextChange, k.notBefore);
    if (k.retireAt !== undefined && k.retireAt > now) nextChange = Math.min(nextChange, k.retireAt);
  }
  return { current, listed, live: alive, counts, nextChange };
}

/**
 * The keys in use. A snapshot is computed once per state change (keys reaching not-before or
 * retirement, or a reload), not per request.
 */
export class KeyStore {
  #keys: readonly IssuerKey[];
  #snapshot: KeySnapshot;
  readonly #now: () => number;
  readonly #onChange: (s: KeySnapshot) => void;

  constructor(keys: readonly IssuerKey[], now: () => number, onChange: (s: KeySnapshot) => void = () => undefined) {
    this.#keys = keys;
    this.#now = now;
    this.#onChange = onChange;
    this.#snapshot = snapshot(keys, now());
  }

  get keys(): readonly IssuerKey[] {
    return this.#keys;
  }

  current(): KeySnapshot {
    const now = this.#now();
    if (now >= this.#snapshot.nextChange) {
      this.#snapshot = snapshot(this.#keys, now);
      this.#onChange(this.#snapshot);
    }
    return this.#snapshot;
  }

  /** The key that may sign a request naming `truncatedId`: the current key, or none. */
  signer(truncatedId: number): IssuerKey | undefined {
    const current = this.current().current;
    return current !== undefined && current.truncatedTokenKeyId === truncatedId ? current : undefined;
  }

  replace(keys: readonly IssuerKey[]): void {
    this.#keys = keys;
    this.#snapshot = snapshot(keys, this.#now());
    this.#onChange(this.#snapshot);
  }
}
