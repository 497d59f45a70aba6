import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type JsonWebKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { KDF_PARAMETERS, KEM_PARAMETERS, KdfId, KemId } from "./algorithms.js";
import { decryptFailed, OhttpError, OhttpErrorCode } from "./errors.js";
import { LabeledKdf } from "./hkdf.js";

/**
 * DHKEM(X25519, HKDF-SHA256) (RFC 9180 Sections 4.1 and 7.1) on node:crypto KeyObjects.
 *
 * Peer public keys are imported as JWK: node:crypto imports an X25519 JWK much faster than the
 * equivalent SPKI DER, and that import is on the gateway's hot path (measured in
 * docs/decisions/0001-node-crypto-hpke.md; the import's cost per Node.js release in
 * docs/decisions/0020-nodejs-lts.md).
 */

const { Nsecret, Npk, Nsk } = KEM_PARAMETERS[KemId.DhkemX25519HkdfSha256];
/** suite_id = concat("KEM", I2OSP(kem_id, 2)) */
const KEM_SUITE_ID = Uint8Array.of(0x4b, 0x45, 0x4d, 0x00, KemId.DhkemX25519HkdfSha256);
const kdf = new LabeledKdf(KDF_PARAMETERS[KdfId.HkdfSha256], KEM_SUITE_ID);
/** RFC 8410 PrivateKeyInfo for X25519, up to the 32 key bytes (private keys only: once per key). */
const PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

/** A recipient key: the private KeyObject and its serialized public key pkRm. */
export interface KemKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: Uint8Array;
}

/**
 * Decodes a JWK member into an array of its own: small Buffers share a pool, and key bytes must
 * neither stay there nor be reachable through the result's `.buffer`.
 */
function fromBase64url(value: string | undefined): Uint8Array {
  if (value === undefined) throw new OhttpError(OhttpErrorCode.InvalidArgument, "X25519 key export");
  const pooled = Buffer.from(value, "base64url");
  const bytes = Uint8Array.from(pooled);
  pooled.fill(0);
  return bytes;
}

/** SerializePublicKey(pkX): the 32-byte u-coordinate. */
export function serializePublicKey(pk: KeyObject): Uint8Array {
  return fromBase64url(pk.export({ format: "jwk" }).x);
}

/** DeserializePublicKey(pkXm). Throws on a wrong length; every 32-byte string is a key. */
export function deserializePublicKey(pkm: Uint8Array): KeyObject {
  if (pkm.length !== Npk) throw new OhttpError(OhttpErrorCode.InvalidArgument, "X25519 public key length");
  const x = Buffer.from(pkm.buffer, pkm.byteOffset, pkm.byteLength).toString("base64url");
  return createPublicKey({ key: { kty: "OKP", crv: "X25519", x }, format: "jwk" });
}

/** SerializePrivateKey(skX): the 32 bytes as given to DeserializePrivateKey (RFC 9180 Section 7.1.2). */
export function serializePrivateKey(sk: KeyObject): Uint8Array {
  return fromBase64url(sk.export({ format: "jwk" }).d);
}

/** DeserializePrivateKey(skXm), with the public key it belongs to. */
export function deserializePrivateKey(skm: Uint8Array): KemKeyPair {
  if (skm.length !== Nsk) throw new OhttpError(OhttpErrorCode.InvalidArgument, "X25519 private key length");
  const der = Buffer.alloc(PKCS8_PREFIX.length + Nsk);
  der.set(PKCS8_PREFIX);
  der.set(skm, PKCS8_PREFIX.length);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  } catch {
    throw new OhttpError(OhttpErrorCode.InvalidArgument, "X25519 private key");
  } finally {
    der.fill(0);
  }
  return { privateKey, publicKey: serializePublicKey(createPublicKey(privateKey)) };
}

/** generateKeyPairSync with JWK output (Node >= 15.12), an overload @types/node 20 lacks. */
const generateJwkPair = generateKeyPairSync as unknown as (
  type: "x25519",
  options: { publicKeyEncoding: { format: "jwk" }; privateKeyEncoding: { format: "jwk" } },
) => { publicKey: JsonWebKey; privateKey: JsonWebKey };

/**
 * GenerateKeyPair(): a fresh random key pair.
 *
 * The pair leaves the generation job as JWK and the private key is imported from it, so no
 * KeyObject shares its lock with the job. Node 20 can deadlock when a KeyGenJob is collected while
 * a key made by it holds that lock: seen here in a long benchmark, gdb showing ExportJWK → GC →
 * ~KeyGenJob → the same mutex (nodejs/node#64851 changes how that lock is shared). The detour costs
 * a client encapsulation a little (docs/decisions/0001-node-crypto-hpke.md); a gateway generates no
 * key per request.
 */
export function generateKeyPair(): KemKeyPair {
  const { privateKey: jwk } = generateJwkPair("x25519", { publicKeyEncoding: { format: "jwk" }, privateKeyEncoding: { format: "jwk" } });
  return { privateKey: createPrivateKey({ key: jwk, format: "jwk" }), publicKey: fromBase64url(jwk.x) };
}

/**
 * DH(skX, pkY), refusing the all-zero output (RFC 9180 Section 7.1.4: "recipients MUST check
 * whether the Diffie-Hellman shared secret is the all-zero value and abort if so"; OpenSSL also
 * refuses it, this keeps the check in our hands).
 */
function dh(sk: KeyObject, pk: KeyObject): Buffer {
  const out = diffieHellman({ privateKey: sk, publicKey: pk });
  let acc = 0;
  for (const byte of out) acc |= byte;
  if (acc === 0) throw new Error("all-zero X25519 output");
  return out;
}

/**
 * X25519(sk, pkXm) for the hybrid KEM (kem-x-wing.ts): the raw shared value, throwing on a
 * public key of the wrong length or an all-zero output.
 */
export function x25519(sk: KeyObject, pkXm: Uint8Array): Buffer {
  return dh(sk, deserializePublicKey(pkXm));
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
export function extractAndExpand(dhOutput: Uint8Array, kemContext: Uint8Array): Buffer {
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
export function encap(pkRm: Uint8Array, ephemeral: KemKeyPair = generateKeyPair()): { sharedSecret: Buffer; enc: Uint8Array } {
  const pkR = deserializePublicKey(pkRm);
  let dhOutput: Buffer;
  try {
    dhOutput = dh(ephemeral.privateKey, pkR);
  } catch {
    throw new OhttpError(OhttpErrorCode.InvalidArgument, "X25519 public key");
  }
  const enc = ephemeral.publicKey;
  const kemContext = Buffer.concat([enc, pkRm]);
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
export function decap(enc: Uint8Array, skR: KemKeyPair): Buffer {
  let dhOutput: Buffer;
  try {
    dhOutput = dh(skR.privateKey, deserializePublicKey(enc));
  } catch {
    throw decryptFailed();
  }
  const kemContext = Buffer.concat([enc, skR.publicKey]);
  return extractAndExpand(dhOutput, kemContext);
}
