/**
 * The issuer's ARC keys (token type 0xE5AC, draft-ietf-privacypass-arc-protocol): one key file
 * per token-gated origin (docs/decisions/0031-arc-verification-key.md: one ARC key per origin),
 * each on service-kit's key file lifecycle like the RSA keys, rotated with `issuer-keys arc
 * rotate`. ISSUER_ARC_KEYS_FILES lists the files, comma-separated; the issuer reloads each.
 *
 *   {
 *     "version": 1,
 *     "keys": [
 *       {
 *         "tokenType": 58796,                      0xE5AC, ARC(P-256)
 *         "privateKey": "<base64url, 128 bytes>",  SerializeServerPrivateKey: x0, x1, x2, x0Blinding
 *         "notBefore": "2026-01-02T00:00:00Z",     issues from (whole seconds); the directory's "not-before"
 *         "retireAt":  "2026-01-09T00:00:00Z"      optional
 *       }
 *     ]
 *   }
 *
 * States as for the RSA keys (keys.ts), with one difference: ARC is privately verifiable, so the
 * origin verifies with the key it holds and the issuer cannot know which of an origin's keys the
 * origin offers at this instant during a rotation. The issuer therefore answers credential
 * requests for a key that is current *or in grace* (not for a key that is only published, nor a
 * retired one); the origin moves to the new key when its own key file is replaced.
 *
 * A credential request names its key by the truncated issuer key id (the last byte of
 * SHA-256(SerializeServerPublicKey)); it must be unique among the live ARC keys of all files,
 * which loading checks (a reload that breaks it is refused and the keys in use stay).
 */
import { randomBytes } from "node:crypto";
import {
  ARC_SERVER_PRIVATE_KEY_LENGTH,
  ARC_TOKEN_TYPE,
  PrivacyPassError,
  arcIssuerKeyId,
  arcServerPublicKey,
  arcTruncatedIssuerKeyId,
  decodeArcServerPrivateKey,
  encodeArcServerPrivateKey,
  encodeArcServerPublicKey,
  type ArcServerPrivateKey,
  type ArcServerPublicKey,
} from "@oblivious/privacypass";
import { KeyFileError, KeyState, TimedKeyStore, entriesIn, evaluateKeys, type KeyFileSpec, type KeyTimes } from "@oblivious/service-kit";

export const ARC_KEYS_FILES_VARIABLE = "ISSUER_ARC_KEYS_FILES";

/** One origin's ARC key, imported once. Printing it shows public information only. */
export interface ArcIssuerKey {
  readonly tokenType: typeof ARC_TOKEN_TYPE;
  readonly privateKey: ArcServerPrivateKey;
  readonly publicKey: ArcServerPublicKey;
  /** SerializeServerPublicKey(pkI), as published in the directory's "token-key". */
  readonly tokenKey: Uint8Array;
  readonly issuerKeyId: Uint8Array;
  readonly truncatedIssuerKeyId: number;
  /** Hex of issuerKeyId. */
  readonly id: string;
  readonly notBefore: number;
  readonly retireAt: number | undefined;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function importArcKey(privateKey: ArcServerPrivateKey, times: { readonly notBefore: number; readonly retireAt?: number | undefined }): ArcIssuerKey {
  const publicKey = arcServerPublicKey(privateKey);
  const tokenKey = encodeArcServerPublicKey(publicKey);
  const issuerKeyId = arcIssuerKeyId(publicKey);
  const key: ArcIssuerKey = {
    tokenType: ARC_TOKEN_TYPE,
    privateKey,
    publicKey,
    tokenKey,
    issuerKeyId,
    truncatedIssuerKeyId: arcTruncatedIssuerKeyId(issuerKeyId),
    id: Buffer.from(issuerKeyId).toString("hex"),
    notBefore: times.notBefore,
    retireAt: times.retireAt,
  };
  Object.defineProperty(key, "privateKey", { enumerable: false });
  return Object.freeze(key);
}

/** A fresh ARC key (SetupServer on the system CSPRNG). */
export function newArcKey(times: { readonly notBefore: number; readonly retireAt?: number }): ArcIssuerKey {
  for (;;) {
    try {
      // Four scalars from 128 random bytes; a value not below the group order is drawn again.
      return importArcKey(decodeArcServerPrivateKey(new Uint8Array(randomBytes(ARC_SERVER_PRIVATE_KEY_LENGTH))), times);
    } catch (e) {
      if (!(e instanceof PrivacyPassError)) throw e;
    }
  }
}

function parseArcKey(v: Readonly<Record<string, unknown>>, where: string, times: KeyTimes): ArcIssuerKey {
  if (v["tokenType"] !== ARC_TOKEN_TYPE) throw new KeyFileError(`${where}.tokenType must be ${ARC_TOKEN_TYPE} (ARC P-256)`);
  const encoded = v["privateKey"];
  if (typeof encoded !== "string" || !BASE64URL.test(encoded)) throw new KeyFileError(`${where}.privateKey must be a serialized ARC private key in unpadded base64url`);
  let privateKey: ArcServerPrivateKey;
  try {
    privateKey = decodeArcServerPrivateKey(new Uint8Array(Buffer.from(encoded, "base64url")));
  } catch {
    throw new KeyFileError(`${where}.privateKey is not a serialized ARC private key (${ARC_SERVER_PRIVATE_KEY_LENGTH} bytes)`);
  }
  return importArcKey(privateKey, { notBefore: times.activeFrom, retireAt: times.retireAt });
}

function arcKeyTimes(k: ArcIssuerKey): KeyTimes {
  return { publishFrom: undefined, activeFrom: k.notBefore, retireAt: k.retireAt };
}

function live(k: ArcIssuerKey, now: number): boolean {
  return k.retireAt === undefined || k.retireAt > now;
}

/**
 * The key file spec of one origin's ARC keys. `others` gives the live keys of the other origins'
 * files: a truncated id they use is refused here too (and never made by `create`).
 */
export function arcKeyFileSpec(others: () => readonly ArcIssuerKey[] = () => []): KeyFileSpec<ArcIssuerKey> {
  return {
    timeFields: { activeFrom: "notBefore", retireAt: "retireAt" },
    precision: "s",
    keyFields: ["tokenType", "privateKey"],
    parseKey: parseArcKey,
    serializeKey: (k) => ({ tokenType: k.tokenType, privateKey: Buffer.from(encodeArcServerPrivateKey(k.privateKey)).toString("base64url") }),
    times: arcKeyTimes,
    withRetireAt: (k, retireAt) => importArcKey(k.privateKey, { notBefore: k.notBefore, retireAt }),
    id: (k) => k.truncatedIssuerKeyId,
    idName: "truncated issuer key id",
    idsUnique: "among-live",
    create: (times, used) => {
      const taken = new Set([...used, ...others().map((k) => k.truncatedIssuerKeyId)]);
      if (taken.size >= 256) throw new KeyFileError("has no free truncated issuer key id");
      for (;;) {
        const key = newArcKey({ notBefore: times.activeFrom });
        if (!taken.has(key.truncatedIssuerKeyId)) return key;
      }
    },
    check: (entries, now) => {
      const ids = new Set<string>();
      for (const k of entries) {
        if (ids.has(k.id)) throw new KeyFileError("holds the same key twice");
        ids.add(k.id);
      }
      const theirs = new Set(others().filter((k) => live(k, now)).map((k) => k.truncatedIssuerKeyId));
      if (entries.some((k) => live(k, now) && theirs.has(k.truncatedIssuerKeyId))) {
        throw new KeyFileError("has a live key whose truncated issuer key id another ARC key file uses");
      }
    },
    usable: (ev) => ev.current !== undefined,
    unusable: "no ARC key is current now (every key is published or retired)",
    fileVariable: ARC_KEYS_FILES_VARIABLE,
    inlineVariable: ARC_KEYS_FILES_VARIABLE,
  };
}

export interface ArcKeySnapshot {
  readonly current: ArcIssuerKey | undefined;
  /** What the directory lists: published, current and grace keys, newest first. */
  readonly listed: readonly ArcIssuerKey[];
  /** Keys credential requests may name: current and grace. */
  readonly issuing: readonly ArcIssuerKey[];
  /** Every key not retired. */
  readonly live: readonly ArcIssuerKey[];
  readonly counts: Readonly<Record<KeyState, number>>;
  readonly evaluatedAt: number;
  readonly validUntil: number;
}

export function arcSnapshot(keys: readonly ArcIssuerKey[], now: number): ArcKeySnapshot {
  const ev = evaluateKeys(keys, arcKeyTimes, now);
  const newestFirst = (a: ArcIssuerKey, b: ArcIssuerKey): number => b.notBefore - a.notBefore;
  return {
    current: ev.current,
    listed: entriesIn(ev, [KeyState.Published, KeyState.Current, KeyState.Grace]).sort(newestFirst),
    issuing: entriesIn(ev, [KeyState.Current, KeyState.Grace]).sort(newestFirst),
    live: entriesIn(ev, [KeyState.Pending, KeyState.Published, KeyState.Current, KeyState.Grace]),
    counts: ev.counts,
    evaluatedAt: now,
    validUntil: ev.validUntil,
  };
}

/** One origin's ARC keys, re-evaluated at each state change. */
export class ArcKeyStore extends TimedKeyStore<ArcIssuerKey, ArcKeySnapshot> {
  constructor(keys: readonly ArcIssuerKey[], now: () => number, onChange: (s: ArcKeySnapshot) => void = () => undefined) {
    super(keys, { now, snapshot: arcSnapshot, onChange });
  }
}

/** Every origin's ARC keys: the lookup of credential requests and the directory's ARC entries. */
export class ArcKeys {
  readonly stores: readonly ArcKeyStore[];

  constructor(stores: readonly ArcKeyStore[]) {
    this.stores = stores;
  }

  snapshots(): ArcKeySnapshot[] {
    return this.stores.map((s) => s.current());
  }

  /** The key a credential request naming `truncatedId` is answered with, or none. */
  issuer(truncatedId: number): ArcIssuerKey | undefined {
    for (const s of this.stores) {
      const key = s.current().issuing.find((k) => k.truncatedIssuerKeyId === truncatedId);
      if (key !== undefined) return key;
    }
    return undefined;
  }

  /** The live keys of every store but `except` (for the cross-file id check). */
  liveExcept(except: number, now: number): ArcIssuerKey[] {
    return this.stores.flatMap((s, i) => (i === except ? [] : s.entries.filter((k) => live(k, now))));
  }
}

/**
 * What the origin mounts as TOKEN_ARC_KEY_FILE: the key current at `at`, its serialized private
 * key in base64url on one line; undefined when no key is current.
 */
export function originKeyText(keys: readonly ArcIssuerKey[], at: number): string | undefined {
  const current = arcSnapshot(keys, at).current;
  return current === undefined ? undefined : `${Buffer.from(encodeArcServerPrivateKey(current.privateKey)).toString("base64url")}\n`;
}
