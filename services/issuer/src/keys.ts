/**
 * The issuer's signing keys: the key material in the key file, and the store that answers "which
 * key signs now" and "what does the directory list now". The file's envelope, the key states and
 * rotation are service-kit's (key-file.ts, key-lifecycle.ts), shared with the gateway.
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
 * `notBefore` is the lifecycle's activeFrom; the file has no publishFrom, so no key is pending.
 * What each state means here:
 *   published  t < notBefore: listed (with its not-before), does not sign yet
 *   current    listed, signs
 *   grace      superseded by a newer current key: still listed so that origins keep verifying
 *              tokens made with it, does not sign
 *   retired    not listed, does not sign
 *
 * The directory lists keys newest first (RFC 9578 §4: "preference given to keys earlier in the
 * list"), so a client that takes the first key whose not-before has passed takes the current one.
 * Token requests name a key by its truncated identifier, the last byte of SHA-256(SPKI)
 * (RFC 9578 §6.1); it must be unique among keys that are not retired, which loading checks.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { TokenType, encodeTokenKey, tokenKeyId, truncatedTokenKeyId } from "@oblivious/privacypass";
import { KeyFileError, KeyState, TimedKeyStore, entriesIn, evaluateKeys, type KeyTimes } from "@oblivious/service-kit";

export { KEY_STATES } from "@oblivious/service-kit";

/** RFC 9578 §6: "Nk = 256" for type 0x0002, a 2048-bit modulus. */
export const MODULUS_BITS = 2048;
export const PUBLIC_EXPONENT = 65537n;

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

const BASE64URL = /^[A-Za-z0-9_-]+$/;
export const KEY_FIELDS: readonly string[] = ["tokenType", "privateKey"];

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

/** Reads one entry's key fields (the times are read by service-kit's key file). */
export function parseKey(v: Readonly<Record<string, unknown>>, where: string, times: KeyTimes): IssuerKey {
  if (v["tokenType"] !== TokenType.BlindRsa2048) throw new KeyFileError(`${where}.tokenType must be ${TokenType.BlindRsa2048} (Blind RSA 2048)`);
  const encoded = v["privateKey"];
  if (typeof encoded !== "string" || !BASE64URL.test(encoded)) throw new KeyFileError(`${where}.privateKey must be a PKCS#8 DER key in unpadded base64url`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: Buffer.from(encoded, "base64url"), format: "der", type: "pkcs8" });
  } catch {
    throw new KeyFileError(`${where}.privateKey is not a PKCS#8 private key`);
  }
  try {
    return importIssuerKey(privateKey, { notBefore: times.activeFrom, retireAt: times.retireAt });
  } catch (e) {
    if (e instanceof KeyFileError) throw new KeyFileError(`${where}.privateKey ${e.message}`);
    throw new KeyFileError(`${where} is not a usable key`);
  }
}

/** One entry's key fields, private key included. */
export function serializeKey(k: IssuerKey): Record<string, unknown> {
  return { tokenType: k.tokenType, privateKey: k.privateKey.export({ format: "der", type: "pkcs8" }).toString("base64url") };
}

/** The key's times in the lifecycle: notBefore is when it becomes current; listed from the start. */
export function keyTimes(k: IssuerKey): KeyTimes {
  return { publishFrom: undefined, activeFrom: k.notBefore, retireAt: k.retireAt };
}

function live(key: IssuerKey, now: number): boolean {
  return key.retireAt === undefined || key.retireAt > now;
}

/**
 * What service-kit's check of truncated ids does not cover: the same key twice, or two keys that
 * are not retired at `now` with the same not-before (which one is current would be a tie).
 */
export function checkKeyPairs(keys: readonly IssuerKey[], now: number): void {
  const ids = new Set<string>();
  const notBefore = new Set<number>();
  for (const key of keys) {
    if (ids.has(key.id)) throw new KeyFileError("holds the same key twice");
    ids.add(key.id);
    if (!live(key, now)) continue;
    if (notBefore.has(key.notBefore)) throw new KeyFileError("has two live keys with the same notBefore");
    notBefore.add(key.notBefore);
  }
}

export interface KeySnapshot {
  /** The key that signs now, if any. */
  readonly current: IssuerKey | undefined;
  /** What the directory lists now, newest first. */
  readonly listed: readonly IssuerKey[];
  /** Every key that is not retired: the signer pool loads these. */
  readonly live: readonly IssuerKey[];
  readonly counts: Readonly<Record<KeyState, number>>;
  readonly evaluatedAt: number;
  /** When a state changes next (ms), or Infinity. */
  readonly validUntil: number;
}

export function snapshot(keys: readonly IssuerKey[], now: number): KeySnapshot {
  const ev = evaluateKeys(keys, keyTimes, now);
  const listed = entriesIn(ev, [KeyState.Published, KeyState.Current, KeyState.Grace]).sort((a, b) => b.notBefore - a.notBefore);
  const alive = entriesIn(ev, [KeyState.Pending, KeyState.Published, KeyState.Current, KeyState.Grace]);
  return { current: ev.current, listed, live: alive, counts: ev.counts, evaluatedAt: now, validUntil: ev.validUntil };
}

/** The keys in use, re-evaluated at each state change (service-kit's TimedKeyStore). */
export class KeyStore extends TimedKeyStore<IssuerKey, KeySnapshot> {
  constructor(keys: readonly IssuerKey[], now: () => number, onChange: (s: KeySnapshot) => void = () => undefined) {
    super(keys, { now, snapshot, onChange });
  }

  get keys(): readonly IssuerKey[] {
    return this.entries;
  }

  /** The key that may sign a request naming `truncatedId`: the current key, or none. */
  signer(truncatedId: number): IssuerKey | undefined {
    const current = this.current().current;
    return current !== undefined && current.truncatedTokenKeyId === truncatedId ? current : undefined;
  }
}
