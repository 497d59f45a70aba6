/**
 * The gateway's keys: the key file's entries (read and written by key-file.ts on service-kit's
 * key file lifecycle), the state of each key at a given time, and the store the hot path looks
 * keys up in.
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
 * States at time t (service-kit's key-lifecycle.ts; RFC 9458 §6.4 asks for "a plan for replacing
 * keys"), for each KEM on its own: every KEM is a group with its own current key and rotates on
 * its own schedule.
 *   pending    t < publishFrom                 not listed, refused
 *   published  publishFrom <= t < activeFrom   listed after the current keys, accepted
 *   current    the key of its KEM with the latest activeFrom <= t that is not retired: listed
 *              first (X-Wing, then ML-KEM-768, then X25519), accepted
 *   grace      activeFrom <= t, superseded by a newer current key of its KEM: not listed, still accepted
 *   retired    retireAt <= t                   not listed, refused like an unknown key
 */
import { AeadId, GatewayKey, KdfId, encodeKeyConfigs, type SymmetricAlgorithm } from "@oblivious/ohttp";
import { KeyFileError, KeyState, TimedKeyStore, evaluateKeys, keyStates as kitKeyStates, type KeyTimes } from "@oblivious/service-kit";
import { DEFAULT_KEM, GATEWAY_KEMS, gatewayKem, kemByFileName } from "./key-kems.js";

export { KEY_FILE_VERSION, KEY_STATES, KeyState } from "@oblivious/service-kit";

const KDF_BY_NAME: Readonly<Record<string, SymmetricAlgorithm["kdfId"]>> = { "HKDF-SHA256": KdfId.HkdfSha256 };
const AEAD_BY_NAME: Readonly<Record<string, SymmetricAlgorithm["aeadId"]>> = {
  "AES-128-GCM": AeadId.Aes128Gcm,
  "AES-256-GCM": AeadId.Aes256Gcm,
  ChaCha20Poly1305: AeadId.ChaCha20Poly1305,
};
const KDF_NAME = new Map(Object.entries(KDF_BY_NAME).map(([name, id]) => [id, name]));
const AEAD_NAME = new Map(Object.entries(AEAD_BY_NAME).map(([name, id]) => [id, name]));

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

/** An entry's fields besides the times, as the key file names them. */
export const KEY_FIELDS: readonly string[] = ["keyId", "kem", "privateKey", "symmetric"];

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
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

/** Reads an entry's key fields (service-kit has read and checked the times); imports the key once. */
export function parseKey(v: Readonly<Record<string, unknown>>, where: string, times: KeyTimes): KeyEntry {
  const keyId = v["keyId"];
  if (!Number.isInteger(keyId) || (keyId as number) < 0 || (keyId as number) > 255) throw new KeyFileError(`${where}.keyId must be an integer from 0 to 255`);
  const kem = v["kem"] === undefined ? gatewayKem(DEFAULT_KEM) : typeof v["kem"] === "string" ? kemByFileName(v["kem"]) : undefined;
  if (kem === undefined) throw new KeyFileError(`${where}.kem must be one of ${GATEWAY_KEMS.map((k) => `"${k.fileName}"`).join(", ")}`);
  const privateKey = v["privateKey"];
  if (typeof privateKey !== "string" || !BASE64URL.test(privateKey) || privateKey.length !== Math.ceil((kem.privateKeyBytes * 4) / 3)) {
    throw new KeyFileError(`${where}.privateKey must be ${kem.privateKeyBytes} bytes in unpadded base64url`);
  }
  const suites = symmetric(v["symmetric"], where);
  let key: GatewayKey;
  try {
    key = GatewayKey.fromPrivateKey(keyId as number, Buffer.from(privateKey, "base64url"), suites, kem.id);
  } catch {
    throw new KeyFileError(`${where} is not a usable key`);
  }
  return { key, publishFrom: times.publishFrom ?? times.activeFrom, activeFrom: times.activeFrom, retireAt: times.retireAt };
}

/** An entry's key fields, private key included. Every entry names its KEM. */
export function serializeKey(e: KeyEntry): Record<string, unknown> {
  return {
    keyId: e.key.keyId,
    kem: gatewayKem(e.key.kemId).fileName,
    privateKey: Buffer.from(e.key.exportPrivateKey()).toString("base64url"),
    symmetric: e.key.symmetricAlgorithms.map((s) => ({ kdf: KDF_NAME.get(s.kdfId), aead: AEAD_NAME.get(s.aeadId) })),
  };
}

/** An entry's KEM, by its key file name: the group each KEM's keys rotate in. */
export function kemGroup(e: KeyEntry): string {
  return gatewayKem(e.key.kemId).fileName;
}

/** The state of each entry at `now`, in the order of `entries`; one current key per KEM. */
export function keyStates(entries: readonly KeyEntry[], now: number): KeyState[] {
  return kitKeyStates(entries, now, entries.map(kemGroup));
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
  const ev = evaluateKeys(entries, (e) => e, now, kemGroup);
  const accepted: (GatewayKey | undefined)[] = new Array<GatewayKey | undefined>(256).fill(undefined);
  const published: KeyEntry[] = [];
  entries.forEach((e, i) => {
    const state = ev.states[i];
    if (state === KeyState.Published) published.push(e);
    if (state === KeyState.Current || state === KeyState.Published || state === KeyState.Grace) accepted[e.key.keyId] = e.key;
  });
  const rank = (k: GatewayKey): number => gatewayKem(k.kemId).listingRank;
  const current = ev.currents.map((e) => e.key).sort((a, b) => rank(a) - rank(b));
  published.sort((a, b) => a.activeFrom - b.activeFrom || rank(a.key) - rank(b.key));
  const listed = [...current, ...published.map((e) => e.key)];
  return {
    accepted,
    listed,
    encoded: listed.length === 0 ? undefined : encodeKeyConfigs(listed.map((k) => k.config)),
    counts: ev.counts,
    currentKeyId: current[0]?.keyId,
    currentKeyIds: current.map((k) => k.keyId),
    evaluatedAt: now,
    validUntil: ev.validUntil,
  };
}

function listing(s: KeySnapshot): string {
  return s.listed.map((k) => k.keyId).join(",");
}

/**
 * The keys in use (service-kit's TimedKeyStore: re-evaluated at each state change, so a key turns
 * current or retires at its exact time with no timer). The encoded key configurations are
 * computed once per transition, not per request; a change is reported when the listing or the
 * number of keys in grace changes.
 */
export class KeyStore extends TimedKeyStore<KeyEntry, KeySnapshot> {
  constructor(entries: readonly KeyEntry[], now: () => number, onChange?: (s: KeySnapshot) => void) {
    super(entries, {
      now,
      snapshot,
      changed: (before, after) => listing(before) !== listing(after) || before.counts.grace !== after.counts.grace,
      ...(onChange === undefined ? {} : { onChange }),
    });
  }

  /** The accepted key for a key identifier: the `lookup` that `decapsulateRequest` takes. */
  readonly lookup = (keyId: number): GatewayKey | undefined => this.current().accepted[keyId];

  /**
   * The listing's `max-age`, in whole seconds: `capMs` rounded down, and never past the next
   * change of any key's state. Every listed key's `retireAt` is such a change, so no cache that
   * honours it keeps a listed key past its retirement. What it cannot cover is a key file
   * replaced later with earlier times: `gateway-keys rotate` refuses those (rotation-timing.ts).
   */
  listingMaxAgeS(capMs: number): number {
    return Math.min(Math.floor(capMs / 1000), this.secondsUntilChange());
  }

  override toString(): string {
    const current = this.latest().currentKeyIds;
    return `KeyStore { keys: ${this.entries.length}, current: ${current.length === 0 ? "none" : current.join(",")} }`;
  }
}
