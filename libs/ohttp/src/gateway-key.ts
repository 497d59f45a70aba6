import { AeadId, KdfId, KemId, isAeadId, isKdfId, isKemId } from "./algorithms.js";
import type { SymmetricAlgorithm } from "./algorithms.js";
import { buildInfo, encodeHeader } from "./encapsulation.js";
import { OhttpError, OhttpErrorCode } from "./errors.js";
import type { Hpke, PreparedInfo } from "./hpke.js";
import type { KemPrivateKey } from "./kem.js";
import { kemFor } from "./kem-registry.js";
import type { KeyConfig } from "./key-config.js";
import { INSPECT } from "./primitives.js";

/** Every KDF and AEAD pair this library implements, in a sensible order of preference. */
export const SUPPORTED_SYMMETRIC_ALGORITHMS: readonly SymmetricAlgorithm[] = Object.freeze([
  Object.freeze({ kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes128Gcm }),
  Object.freeze({ kdfId: KdfId.HkdfSha256, aeadId: AeadId.ChaCha20Poly1305 }),
  Object.freeze({ kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes256Gcm }),
]);

/** Few labels are ever used; a bound keeps a misuse from growing the cache without end. */
const MAX_PREPARED = 64;

/** What decapsulation needs of a key, kept out of the public API (see `gatewayKeyInternals`). */
export interface GatewayKeyInternals {
  readonly keyPair: KemPrivateKey;
  /** The prepared HPKE `info` for this key, a suite and a request label (RFC 9458 Section 4.3). */
  preparedInfo(hpke: Hpke, requestLabel: string): PreparedInfo;
}

let internalsOf: (key: GatewayKey) => GatewayKeyInternals;

function checkKem(kemId: number): KemId {
  if (!isKemId(kemId)) throw new OhttpError(OhttpErrorCode.InvalidArgument, "KEM");
  return kemId;
}

function checkArguments(keyId: number, symmetricAlgorithms: readonly SymmetricAlgorithm[]): readonly SymmetricAlgorithm[] {
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > 0xff) throw new OhttpError(OhttpErrorCode.InvalidArgument, "key identifier");
  if (symmetricAlgorithms.length === 0 || symmetricAlgorithms.length > 65532 / 4) throw new OhttpError(OhttpErrorCode.InvalidArgument, "symmetric algorithms count");
  const seen = new Set<number>();
  const copy: SymmetricAlgorithm[] = [];
  for (const { kdfId, aeadId } of symmetricAlgorithms) {
    if (!isKdfId(kdfId) || !isAeadId(aeadId)) throw new OhttpError(OhttpErrorCode.InvalidArgument, "symmetric algorithm");
    const id = kdfId * 0x10000 + aeadId;
    if (seen.has(id)) throw new OhttpError(OhttpErrorCode.InvalidArgument, "duplicate symmetric algorithm");
    seen.add(id);
    copy.push(Object.freeze({ kdfId, aeadId }));
  }
  return Object.freeze(copy);
}

/**
 * A gateway's HPKE key for one KEM (DHKEM(X25519, HKDF-SHA256) by default, ML-KEM-768 or X-Wing)
 * with its key identifier and the KDF and AEAD pairs it accepts. The private key is loaded once
 * into its KEM's handle (a node:crypto KeyObject, the key bytes, or an expanded key); printing
 * the object (toString, JSON, util.inspect) shows no key bytes. `exportPrivateKey()` is the one
 * way to get the private key out, for key files.
 */
export class GatewayKey {
  readonly keyId: number;
  readonly kemId: KemId;
  readonly symmetricAlgorithms: readonly SymmetricAlgorithm[];
  /** The key configuration to publish (RFC 9458 Section 3.1). */
  readonly config: KeyConfig;
  readonly #keyPair: KemPrivateKey;
  readonly #prepared = new Map<string, PreparedInfo>();
  readonly #internals: GatewayKeyInternals;

  static {
    internalsOf = (key) => key.#internals;
  }

  private constructor(keyId: number, keyPair: KemPrivateKey, symmetricAlgorithms: readonly SymmetricAlgorithm[]) {
    this.keyId = keyId;
    this.kemId = keyPair.kemId;
    this.#keyPair = keyPair;
    this.#internals = Object.freeze({ keyPair, preparedInfo: (hpke: Hpke, requestLabel: string) => this.#preparedInfo(hpke, requestLabel) });
    this.symmetricAlgorithms = symmetricAlgorithms;
    this.config = Object.freeze({ keyId, kemId: this.kemId, publicKey: Uint8Array.from(keyPair.publicKey), symmetricAlgorithms });
    Object.freeze(this);
  }

  /**
   * A key from its private key bytes as `exportPrivateKey()` gives them (Nsk bytes: 32 for
   * X25519, the 64-byte seed for ML-KEM-768, the 32-byte seed for X-Wing).
   */
  static fromPrivateKey(keyId: number, privateKey: Uint8Array, symmetricAlgorithms: readonly SymmetricAlgorithm[], kemId: KemId = KemId.DhkemX25519HkdfSha256): GatewayKey {
    const algorithms = checkArguments(keyId, symmetricAlgorithms);
    return new GatewayKey(keyId, kemFor(checkKem(kemId)).deserializePrivateKey(privateKey), algorithms);
  }

  /** A fresh random key. */
  static generate(keyId: number, symmetricAlgorithms: readonly SymmetricAlgorithm[], kemId: KemId = KemId.DhkemX25519HkdfSha256): GatewayKey {
    const algorithms = checkArguments(keyId, symmetricAlgorithms);
    return new GatewayKey(keyId, kemFor(checkKem(kemId)).generateKeyPair(), algorithms);
  }

  /** The serialized public key pkR (a copy). */
  get publicKey(): Uint8Array {
    return Uint8Array.from(this.#keyPair.publicKey);
  }

  /** Whether this key accepts the given KDF and AEAD pair. */
  supports(kdfId: number, aeadId: number): boolean {
    return this.symmetricAlgorithms.some((a) => a.kdfId === kdfId && a.aeadId === aeadId);
  }

  /** The private key bytes (Nsk of the KEM), for writing a key file. Handle them as the secret they are. */
  exportPrivateKey(): Uint8Array {
    return kemFor(this.kemId).serializePrivateKey(this.#keyPair);
  }

  #preparedInfo(hpke: Hpke, requestLabel: string): PreparedInfo {
    const { kdfId, aeadId } = hpke.suite;
    const cacheKey = `${kdfId} ${aeadId} ${requestLabel}`;
    let prepared = this.#prepared.get(cacheKey);
    if (prepared === undefined) {
      prepared = hpke.prepareInfo(buildInfo(requestLabel, encodeHeader(this.keyId, hpke.suite)));
      if (this.#prepared.size < MAX_PREPARED) this.#prepared.set(cacheKey, prepared);
    }
    return prepared;
  }

  toString(): string {
    const suites = this.symmetricAlgorithms.map((a) => `${a.kdfId}/${a.aeadId}`).join(", ");
    return `GatewayKey { keyId: ${this.keyId}, kemId: ${this.kemId}, symmetricAlgorithms: [${suites}], privateKey: [redacted] }`;
  }

  toJSON(): { keyId: number; kemId: number; symmetricAlgorithms: readonly SymmetricAlgorithm[]; privateKey: "[redacted]" } {
    return { keyId: this.keyId, kemId: this.kemId, symmetricAlgorithms: this.symmetricAlgorithms, privateKey: "[redacted]" };
  }

  [INSPECT](): string {
    return this.toString();
  }
}

/** Module-internal access to a key's private parts; not exported from the package. */
export function gatewayKeyInternals(key: GatewayKey): GatewayKeyInternals {
  return internalsOf(key);
}
