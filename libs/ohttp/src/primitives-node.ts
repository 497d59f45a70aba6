import { createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes } from "node:crypto";
import type { CipherGCMTypes, JsonWebKey, KeyObject } from "node:crypto";
import { nodeMlKem768 } from "./ml-kem-768-node.js";
import { Redacted } from "./redacted.js";
import type { AeadCipher } from "./algorithms.js";
import type { Primitives, X25519Key } from "./primitives.js";

/**
 * The primitives on node:crypto (OpenSSL): what the library runs on in Node, where the gateway's
 * hot path lives. Buffers stay in this file (they are Uint8Arrays to the rest).
 *
 * X25519 peer public keys are imported as JWK: node:crypto imports an X25519 JWK much faster than
 * the equivalent SPKI DER, and that import is on the gateway's hot path (measured in
 * docs/decisions/0001-node-crypto-hpke.md; the import's cost per Node.js release in
 * docs/decisions/0020-nodejs-lts.md). The private key is imported once into a KeyObject.
 */

/** RFC 8410 PrivateKeyInfo for X25519, up to the 32 key bytes (private keys only: once per key). */
const PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

/** The node:crypto X25519 key, never shown. */
class NodeX25519Key extends Redacted implements X25519Key {
  readonly publicKey: Uint8Array;
  readonly keyObject: KeyObject;

  constructor(keyObject: KeyObject, publicKey: Uint8Array) {
    super("X25519Key");
    this.keyObject = keyObject;
    this.publicKey = publicKey;
  }

}

function own(key: X25519Key): NodeX25519Key {
  if (!(key instanceof NodeX25519Key)) throw new TypeError("not an X25519 key of this implementation");
  return key;
}

/**
 * Decodes a JWK member into an array of its own: small Buffers share a pool, and key bytes must
 * neither stay there nor be reachable through the result's `.buffer`.
 */
function fromBase64url(value: string | undefined): Uint8Array {
  if (value === undefined) throw new TypeError("X25519 key export");
  const pooled = Buffer.from(value, "base64url");
  const bytes = Uint8Array.from(pooled);
  pooled.fill(0);
  return bytes;
}

function publicKeyObject(pkm: Uint8Array): KeyObject {
  if (pkm.length !== 32) throw new TypeError("X25519 public key length");
  const x = Buffer.from(pkm.buffer, pkm.byteOffset, pkm.byteLength).toString("base64url");
  return createPublicKey({ key: { kty: "OKP", crv: "X25519", x }, format: "jwk" });
}

function fromPrivate(sk: Uint8Array): NodeX25519Key {
  if (sk.length !== 32) throw new TypeError("X25519 private key length");
  const der = Buffer.alloc(PKCS8_PREFIX.length + 32);
  der.set(PKCS8_PREFIX);
  der.set(sk, PKCS8_PREFIX.length);
  try {
    const keyObject = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    return new NodeX25519Key(keyObject, fromBase64url(createPublicKey(keyObject).export({ format: "jwk" }).x));
  } finally {
    der.fill(0);
  }
}

/** generateKeyPairSync with JWK output (Node >= 15.12), an overload @types/node 20 lacks. */
const generateJwkPair = generateKeyPairSync as unknown as (
  type: "x25519",
  options: { publicKeyEncoding: { format: "jwk" }; privateKeyEncoding: { format: "jwk" } },
) => { publicKey: JsonWebKey; privateKey: JsonWebKey };

/**
 * A fresh key. The pair leaves the generation job as JWK and the private key is imported from
 * it, so no KeyObject shares its lock with the job. Node 20 can deadlock when a KeyGenJob is
 * collected while a key made by it holds that lock: seen here in a long benchmark, gdb showing
 * ExportJWK → GC → ~KeyGenJob → the same mutex (nodejs/node#64851 changes how that lock is
 * shared). The detour costs a client encapsulation a little; a gateway generates no key per request.
 */
function generate(): NodeX25519Key {
  const { privateKey: jwk } = generateJwkPair("x25519", { publicKeyEncoding: { format: "jwk" }, privateKeyEncoding: { format: "jwk" } });
  return new NodeX25519Key(createPrivateKey({ key: jwk, format: "jwk" }), fromBase64url(jwk.x));
}

/**
 * DH(skX, pkY), refusing the all-zero output (RFC 9180 Section 7.1.4: "recipients MUST check
 * whether the Diffie-Hellman shared secret is the all-zero value and abort if so"; OpenSSL also
 * refuses it, this keeps the check in our hands).
 */
function dh(key: X25519Key, pkXm: Uint8Array): Uint8Array {
  const out = diffieHellman({ privateKey: own(key).keyObject, publicKey: publicKeyObject(pkXm) });
  let acc = 0;
  for (const byte of out) acc |= byte;
  if (acc === 0) throw new Error("all-zero X25519 output");
  return out;
}

// @types/node has no overload for a union of cipher names; every name here is an AEAD with a
// 16-byte tag that takes the same calls (setAAD, getAuthTag, setAuthTag).
function cipherName(cipher: AeadCipher): CipherGCMTypes {
  return cipher as CipherGCMTypes;
}

const TAG_LENGTH = 16;

function seal(cipher: AeadCipher, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  const c = createCipheriv(cipherName(cipher), key, nonce, { authTagLength: TAG_LENGTH });
  if (aad.length > 0) c.setAAD(aad);
  const body = c.update(pt);
  const rest = c.final();
  return Buffer.concat([body, rest, c.getAuthTag()]);
}

function open(cipher: AeadCipher, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array {
  if (ct.length < TAG_LENGTH) throw new TypeError("ciphertext shorter than the tag");
  const split = ct.length - TAG_LENGTH;
  const d = createDecipheriv(cipherName(cipher), key, nonce, { authTagLength: TAG_LENGTH });
  d.setAuthTag(ct.subarray(split));
  if (aad.length > 0) d.setAAD(aad);
  const body = d.update(ct.subarray(0, split));
  const rest = d.final();
  return rest.length === 0 ? body : Buffer.concat([body, rest]);
}

export const primitives: Primitives = Object.freeze({
  platform: "node",
  randomBytes: (length: number) => randomBytes(length),
  hmacSha256: (key: Uint8Array, parts: readonly Uint8Array[]) => {
    const h = createHmac("sha256", key);
    for (const part of parts) h.update(part);
    return h.digest();
  },
  sha3_256: (parts: readonly Uint8Array[]) => {
    const h = createHash("sha3-256");
    for (const part of parts) h.update(part);
    return h.digest();
  },
  shake256: (parts: readonly Uint8Array[], length: number) => {
    const h = createHash("shake256", { outputLength: length });
    for (const part of parts) h.update(part);
    return h.digest();
  },
  seal,
  open,
  x25519: Object.freeze({ generate, fromPrivate, exportPrivate: (key: X25519Key) => fromBase64url(own(key).keyObject.export({ format: "jwk" }).d), dh }),
  mlKem768: nodeMlKem768(),
});
