/**
 * The gateway's keys: the key material in the key file, and the store the hot path looks keys up
 * in. The file's envelope, the key states and rotation are service-kit's (key-file.ts,
 * key-lifecycle.ts), shared with the issuer.
 *
 * Key file (GATEWAY_KEYS_FILE, or the same JSON in GATEWAY_KEYS), version 1:
 *
 *   {
 *     "version": 1,
 *     "keys": [
 *       {
 *         "keyId": 17,                                  0-255, unique in the file
 *         "kem": "DHKEM(X25519, HKDF-SHA256)",          the only KEM (RFC 9180 §7.1)
 *         "privateKey": "<43 base64url characters>",    the 32-byte X25519 private key
 *         "symmetric": [{ "kdf": "HKDF-SHA256", "aead": "AES-128-GCM" }, ...],
 *         "publishFrom": "2026-01-01T00:00:00Z",        listed and accepted from
 *         "activeFrom":  "2026-01-02T00:00:00Z",        current (listed first) from
 *         "retireAt":    "2026-01-09T00:00:00Z"         optional: refused from
 *       }
 *     ]
 *   }
 *
 * What each state means here (RFC 9458 §6.4 asks for "a plan for replacing keys"):
 *   pending    not listed, refused
 *   published  listed after the current key, accepted
 *   current    listed first, accepted
 *   grace      not listed, still accepted
 *   retired    not listed, refused like an unknown key
 */
import { AeadId, GatewayKey, KdfId, encodeKeyConfigs, type SymmetricAlgorithm } from "@oblivious/ohttp";
import { KeyFileError, KeyState, TimedKeyStore, entriesIn, evaluateKeys, type KeyTimes } from "@oblivious/service-kit";

export { KEY_STATES } from "@oblivious/service-kit";

export const KEM_NAME = "DHKEM(X25519, HKDF-SHA256)";

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

export interface KeyEntry extends KeyTimes {
  /** The imported key; it redacts itself when printed. */
  readonly key: GatewayKey;
  readonly publishFrom: number;
}

export const KEY_FIELDS: readonly string[] = ["keyId", "kem", "privateKey", "symmetric"];
const PRIVATE_KEY = /^[A-Za-z0-9_-]{43}$/;

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

/** Reads one entry's key fields (the times are read by service-kit's key file). */
export function parseKey(v: Readonly<Record<string, unknown>>, where: string, times: KeyTimes): KeyEntry {
  const keyId = v["keyId"];
  if (typeof keyId !== "number" || !Number.isInteger(keyId) || keyId < 0 || keyId > 255) throw new KeyFileError(`${where}.keyId must be an integer from 0 to 255`);
  if (v["kem"] !== KEM_NAME) throw new KeyFileError(`${where}.kem must be "${KEM_NAME}"`);
  const privateKey = v["privateKey"];
  if (typeof privateKey !== "string" || !PRIVATE_KEY.test(privateKey)) throw new KeyFileError(`${where}.privateKey must be 32 bytes in unpadded base64url`);
  const suites = symmetric(v["symmetric"], where);
  let key: GatewayKey;
  try {
    key = GatewayKey.fromPrivateKey(keyId, Buffer.from(privateKey, "base64url"), suites);
  } catch {
    throw new KeyFileError(`${where} is not a usable key`);
  }
  return { key, publishFrom: times.publishFrom ?? times.activeFrom, activeFrom: times.activeFrom, retireAt: times.retireAt };
}

/** One entry's key fields, private key included. */
export function serializeKey(e: KeyEntry): Record<string, unknown> {
  return {
    keyId: e.key.keyId,
    kem: KEM_NAME,
    privateKey: Buffer.from(e.key.exportPrivateKey()).toString("base64url"),
    symmetric: e.key.symmetricAlgorithms.map((s) => ({ kdf: KDF_NAME.get(s.kdfId), aead: AEAD_NAME.get(s.aeadId) })),
  };
}

export interface KeySnapshot {
  /** Accepted keys by key identifier (current, published, grace). */
  readonly accepted: readonly (GatewayKey | undefined)[];
  /** The published listing: current first, then published keys by activeFrom. */
  readonly listed: readonly GatewayKey[];
  /** `application/ohttp-keys` for `listed`; undefined when nothing is listed. */
  readonly encoded: Uint8Array | undefined;
  readonly counts: Readonly<Record<KeyState, number>>;
  readonly currentKeyId: number | undefined;
  readonly evaluatedAt: number;
  readonly validUntil: number;
}

export function snapshot(entries: readonly KeyEntry[], now: number): KeySnapshot {
  const ev = evaluateKeys(entries, (e) => e, now);
  const accepted = new Array<GatewayKey | undefined>(256).fill(undefined);
  for (const e of entriesIn(ev, [KeyState.Current, KeyState.Published, KeyState.Grace])) accepted[e.key.keyId] = e.key;
  const published = entriesIn(ev, [KeyState.Published]).sort((a, b) => a.activeFrom - b.activeFrom);
  const listed = [...(ev.current === undefined ? [] : [ev.current.key]), ...published.map((e) => e.key)];
  return {
    accepted,
    listed,
    encoded: listed.length === 0 ? undefined : encodeKeyConfigs(listed.map((k) => k.config)),
    counts: ev.counts,
    currentKeyId: ev.current?.key.keyId,
    evaluatedAt: now,
    validUntil: ev.validUntil,
  };
}

function listing(s: KeySnapshot): string {
  return s.listed.map((k) => k.keyId).join(",");
}

/** The keys in use, re-evaluated at each state change (service-kit's TimedKeyStore). */
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
    return `KeyStore { keys: ${this.entries.length}, current: ${this.current().currentKeyId ?? "none"} }`;
  }
}
