import type { KemId } from "./algorithms.js";

/**
 * The KEM interface HPKE uses (RFC 9180 Section 4), one implementation per file: kem-x25519.ts
 * (DHKEM(X25519, HKDF-SHA256)), kem-ml-kem-768.ts (ML-KEM-768) and kem-x-wing.ts
 * (MLKEM768-X25519), chosen by KEM identifier in kem-registry.ts.
 *
 * Bytes in and out are plain Uint8Arrays, so that an implementation can sit on node:crypto, on
 * WebCrypto or on pure JavaScript alike. A private key is an opaque handle made by the KEM that
 * uses it (a KeyObject, or the expanded key, stays inside); `serializePrivateKey` is the one way
 * out of it.
 */
export interface KemPrivateKey {
  readonly kemId: KemId;
  /** pkRm = SerializePublicKey(pk(skR)). */
  readonly publicKey: Uint8Array;
}

/** What a KEM implementation runs on: node:crypto's native code, or pure JavaScript. */
export type KemBackend = "node" | "pure-js";

export interface Kem {
  readonly id: KemId;
  readonly name: string;
  readonly backend: KemBackend;
  readonly Nsecret: number;
  readonly Nenc: number;
  readonly Npk: number;
  readonly Nsk: number;
  /** GenerateKeyPair(). */
  generateKeyPair(): KemPrivateKey;
  /** DeriveKeyPair(ikm). */
  deriveKeyPair(ikm: Uint8Array): KemPrivateKey;
  /** DeserializePrivateKey(skm), with the public key; `invalid-argument` for a wrong length. */
  deserializePrivateKey(skm: Uint8Array): KemPrivateKey;
  /** SerializePrivateKey(sk): Nsk bytes. Handle them as the secret they are. */
  serializePrivateKey(sk: KemPrivateKey): Uint8Array;
  /**
   * Encap(pkR). `randomness` fixes Encap's random input for known-answer tests only: skEm for
   * DHKEM, the 32-byte m for ML-KEM-768, the 64-byte eseed for X-Wing (the vectors' ikmE). A
   * public key that cannot be used is `invalid-argument`.
   */
  encap(pkRm: Uint8Array, randomness?: Uint8Array): { readonly sharedSecret: Uint8Array; readonly enc: Uint8Array };
  /** Decap(enc, skR). Any failure is the uniform `decrypt-failed`. */
  decap(enc: Uint8Array, skR: KemPrivateKey): Uint8Array;
}
