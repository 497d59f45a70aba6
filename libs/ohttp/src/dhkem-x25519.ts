import { concat } from "@oblivious/wire";
import { primitives } from "#primitives";
import { KDF_PARAMETERS, KEM_PARAMETERS, KdfId, KemId } from "./algorithms.js";
import { decryptFailed, OhttpError, OhttpErrorCode } from "./errors.js";
import { LabeledKdf } from "./hkdf.js";
import type { X25519Key } from "./primitives.js";

/**
 * DHKEM(X25519, HKDF-SHA256) (RFC 9180 Sections 4.1 and 7.1) on the platform's X25519
 * (primitives.ts: node:crypto KeyObjects on Node, @noble/curves elsewhere).
 */

const { Nsecret, Npk, Nsk } = KEM_PARAMETERS[KemId.DhkemX25519HkdfSha256];
/** suite_id = concat("KEM", I2OSP(kem_id, 2)) */
const KEM_SUITE_ID = Uint8Array.of(0x4b, 0x45, 0x4d, 0x00, KemId.DhkemX25519HkdfSha256);
const kdf = new LabeledKdf(KDF_PARAMETERS[KdfId.HkdfSha256], KEM_SUITE_ID);

/** A recipient key: the platform's private key and its serialized public key pkRm. */
export interface KemKeyPair {
  readonly privateKey: X25519Key;
  readonly publicKey: Uint8Array;
}

function pair(key: X25519Key): KemKeyPair {
  return { privateKey: key, publicKey: key.publicKey };
}

/** SerializePrivateKey(skX): the 32 bytes as given to DeserializePrivateKey (RFC 9180 Section 7.1.2). */
export function serializePrivateKey(sk: X25519Key): Uint8Array {
  return primitives.x25519.exportPrivate(sk);
}

/** DeserializePrivateKey(skXm), with the public key it belongs to. */
export function deserializePrivateKey(skm: Uint8Array): KemKeyPair {
  if (skm.length !== Nsk) throw new OhttpError(OhttpErrorCode.InvalidArgument, "X25519 private key length");
  try {
    return pair(primitives.x25519.fromPrivate(skm));
  } catch {
    throw new OhttpError(OhttpErrorCode.InvalidArgument, "X25519 private key");
  }
}

/** GenerateKeyPair(): a fresh random key pair. */
export function generateKeyPair(): KemKeyPair {
  return pair(primitives.x25519.generate());
}

/**
 * X25519(sk, pkXm): the raw shared value, throwing on a public key of the wrong length or an
 * all-zero output (RFC 9180 Section 7.1.4); used by DHKEM below and by the hybrid KEM
 * (kem-x-wing.ts).
 */
export function x25519(sk: X25519Key, pkXm: Uint8Array): Uint8Array {
  if (pkXm.length !== Npk) throw new OhttpError(OhttpErrorCode.InvalidArgument, "X25519 public key length");
  return primitives.x25519.dh(sk, pkXm);
}

/**
 *   def DeriveKeyPair(ikm):
 *     dkp_prk = LabeledExtract("", "dkp_prk", ikm)
 *     sk = LabeledExpand(dkp_prk, "sk", "", Nsk)
 *     return (sk, pk(sk))
 *
 * RFC 9180 Section 7.1.3 (X25519 needs no rejection sampling: every 32-byte string is a key).
 */
export function deriveKeyPair(ikm: Uint8Array): KemKeyPair {
  const dkpPrk = kdf.labeledExtract(new Uint8Array(0), "dkp_prk", ikm);
  const sk = kdf.labeledExpand(dkpPrk, "sk", new Uint8Array(0), Nsk);
  try {
    return deserializePrivateKey(sk);
  } finally {
    sk.fill(0);
    dkpPrk.fill(0);
  }
}

/**
 *   def ExtractAndExpand(dh, kem_context):
 *     eae_prk = LabeledExtract("", "eae_prk", dh)
 *     shared_secret = LabeledExpand(eae_prk, "shared_secret", kem_context, Nsecret)
 *     return shared_secret
 */
export function extractAndExpand(dhOutput: Uint8Array, kemContext: Uint8Array): Uint8Array {
  const eaePrk = kdf.labeledExtract(new Uint8Array(0), "eae_prk", dhOutput);
  return kdf.labeledExpand(eaePrk, "shared_secret", kemContext, Nsecret);
}

/**
 *   def Encap(pkR):
 *     skE, pkE = GenerateKeyPair()
 *     dh = DH(skE, pkR)
 *     enc = SerializePublicKey(pkE)
 *     pkRm = SerializePublicKey(pkR)
 *     kem_context = concat(enc, pkRm)
 *     shared_secret = ExtractAndExpand(dh, kem_context)
 *     return shared_secret, enc
 *
 * `ephemeral` replaces GenerateKeyPair() for known-answer tests. A public key that cannot be
 * used (wrong length, or one giving the all-zero output) is the caller's invalid argument.
 */
export function encap(pkRm: Uint8Array, ephemeral: KemKeyPair = generateKeyPair()): { sharedSecret: Uint8Array; enc: Uint8Array } {
  if (pkRm.length !== Npk) throw new OhttpError(OhttpErrorCode.InvalidArgument, "X25519 public key length");
  let dhOutput: Uint8Array;
  try {
    dhOutput = primitives.x25519.dh(ephemeral.privateKey, pkRm);
  } catch {
    throw new OhttpError(OhttpErrorCode.InvalidArgument, "X25519 public key");
  }
  const enc = ephemeral.publicKey;
  const kemContext = concat(enc, pkRm);
  return { sharedSecret: extractAndExpand(dhOutput, kemContext), enc };
}

/**
 *   def Decap(enc, skR):
 *     pkE = DeserializePublicKey(enc)
 *     dh = DH(skR, pkE)
 *     pkRm = SerializePublicKey(pk(skR))
 *     kem_context = concat(enc, pkRm)
 *     shared_secret = ExtractAndExpand(dh, kem_context)
 *     return shared_secret
 *
 * Any failure is the uniform decryption error.
 */
export function decap(enc: Uint8Array, skR: KemKeyPair): Uint8Array {
  let dhOutput: Uint8Array;
  try {
    dhOutput = primitives.x25519.dh(skR.privateKey, enc);
  } catch {
    throw decryptFailed();
  }
  const kemContext = concat(enc, skR.publicKey);
  return extractAndExpand(dhOutput, kemContext);
}
