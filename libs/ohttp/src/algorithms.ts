/**
 * The HPKE algorithms this library implements, as registries (RFC 9180 Section 7, IANA "HPKE"
 * registries) with the constants the RFC gives for each. Only these identifiers are accepted
 * anywhere in the library; a value outside them is unsupported.
 */

/**
 * RFC 9180 Section 7.1, Table 2 (0x0020), and draft-ietf-hpke-pq-04 Sections 3 and 4 (0x0041
 * ML-KEM-768, 0x647A MLKEM768-X25519, which is X-Wing).
 */
export const KemId = {
  DhkemX25519HkdfSha256: 0x0020,
  MlKem768: 0x0041,
  MlKem768X25519: 0x647a,
} as const;
export type KemId = (typeof KemId)[keyof typeof KemId];

/** RFC 9180 Section 7.2, Table 3. */
export const KdfId = {
  HkdfSha256: 0x0001,
} as const;
export type KdfId = (typeof KdfId)[keyof typeof KdfId];

/** RFC 9180 Section 7.3, Table 5 (the export-only AEAD 0xFFFF cannot carry a message). */
export const AeadId = {
  Aes128Gcm: 0x0001,
  Aes256Gcm: 0x0002,
  ChaCha20Poly1305: 0x0003,
} as const;
export type AeadId = (typeof AeadId)[keyof typeof AeadId];

/** A KDF and AEAD pair (RFC 9458 Section 3.1, "HPKE Symmetric Algorithms"). */
export interface SymmetricAlgorithm {
  readonly kdfId: KdfId;
  readonly aeadId: AeadId;
}

/** A full HPKE ciphersuite. */
export interface CipherSuite extends SymmetricAlgorithm {
  readonly kemId: KemId;
}

export interface KemParameters {
  /** Length of the KEM shared secret. */
  readonly Nsecret: number;
  /** Length of an encapsulated key. */
  readonly Nenc: number;
  /** Length of a serialized public key. */
  readonly Npk: number;
  /** Length of a serialized private key. */
  readonly Nsk: number;
}

export interface KdfParameters {
  /** Output length of the hash. */
  readonly Nh: number;
  /** The hash (HMAC-SHA256 is the one primitives.ts offers). */
  readonly hash: "sha256";
}

/** The AEADs of RFC 9180 Section 7.3 by their names in primitives.ts. */
export type AeadCipher = "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305";

export interface AeadParameters {
  /** Key length. */
  readonly Nk: number;
  /** Nonce length. */
  readonly Nn: number;
  /** Tag length. */
  readonly Nt: number;
  /** The cipher's name in primitives.ts. */
  readonly cipher: AeadCipher;
}

export const KEM_PARAMETERS: Readonly<Record<KemId, KemParameters>> = Object.freeze({
  [KemId.DhkemX25519HkdfSha256]: Object.freeze({ Nsecret: 32, Nenc: 32, Npk: 32, Nsk: 32 }),
  // draft-ietf-hpke-pq-04 Section 3: Nsk 64 is the seed (d, z); Nenc and Npk those of FIPS 203.
  [KemId.MlKem768]: Object.freeze({ Nsecret: 32, Nenc: 1088, Npk: 1184, Nsk: 64 }),
  // draft-ietf-hpke-pq-04 Section 4: Nsecret = Nss, Nenc = Nct, Npk = Nek, Nsk = Ndk (a 32-byte seed).
  [KemId.MlKem768X25519]: Object.freeze({ Nsecret: 32, Nenc: 1120, Npk: 1216, Nsk: 32 }),
});

export const KDF_PARAMETERS: Readonly<Record<KdfId, KdfParameters>> = Object.freeze({
  [KdfId.HkdfSha256]: Object.freeze({ Nh: 32, hash: "sha256" }),
});

export const AEAD_PARAMETERS: Readonly<Record<AeadId, AeadParameters>> = Object.freeze({
  [AeadId.Aes128Gcm]: Object.freeze({ Nk: 16, Nn: 12, Nt: 16, cipher: "aes-128-gcm" }),
  [AeadId.Aes256Gcm]: Object.freeze({ Nk: 32, Nn: 12, Nt: 16, cipher: "aes-256-gcm" }),
  [AeadId.ChaCha20Poly1305]: Object.freeze({ Nk: 32, Nn: 12, Nt: 16, cipher: "chacha20-poly1305" }),
});

export function isKemId(value: number): value is KemId {
  return value === KemId.DhkemX25519HkdfSha256 || value === KemId.MlKem768 || value === KemId.MlKem768X25519;
}

export function isKdfId(value: number): value is KdfId {
  return value === KdfId.HkdfSha256;
}

export function isAeadId(value: number): value is AeadId {
  return value === AeadId.Aes128Gcm || value === AeadId.Aes256Gcm || value === AeadId.ChaCha20Poly1305;
}
