import type { AeadCipher } from "./algorithms.js";
import type { MlKem768Backend } from "./ml-kem-768-backend.js";

/**
 * The one small interface between this library and a platform's cryptography. Everything else
 * (HPKE, the KEMs, OHTTP) is written once on top of it and runs unchanged in Node and browsers.
 * package.json's `#primitives` import picks the implementation per platform: node:crypto on Node
 * (primitives-node.ts: the gateway's hot path on OpenSSL), and @noble's audited pure-JavaScript
 * code elsewhere (primitives-web.ts: browsers, workers). Every call is synchronous, so the
 * library's API is the same on both and the gateway keeps its one async step; why not WebCrypto
 * is in docs/decisions/0040-one-implementation-per-platform.md.
 *
 * Bytes in and out are Uint8Arrays (a Node implementation may return Buffers, which are).
 */

/** An X25519 private key held in the platform's form (a KeyObject, or the scalar), never shown. */
export interface X25519Key {
  /** SerializePublicKey(pk(sk)): the 32-byte u-coordinate. */
  readonly publicKey: Uint8Array;
}

export interface X25519Primitives {
  /** A fresh random key. */
  generate(): X25519Key;
  /** A key from its 32 bytes (RFC 9180 Section 7.1.2); throws on a wrong length. */
  fromPrivate(sk: Uint8Array): X25519Key;
  /** The 32 bytes `fromPrivate` takes. Handle them as the secret they are. */
  exportPrivate(key: X25519Key): Uint8Array;
  /**
   * X25519(sk, pkXm): the raw shared value. Throws on a public key of the wrong length, a key
   * of another implementation, and the all-zero output (RFC 9180 Section 7.1.4).
   */
  dh(key: X25519Key, pkXm: Uint8Array): Uint8Array;
}

export interface Primitives {
  /** Which implementation this is: "node" (node:crypto) or "web" (@noble, Web Crypto's random). */
  readonly platform: "node" | "web";
  randomBytes(length: number): Uint8Array;
  /** HMAC-SHA256(key, concat(parts)). */
  hmacSha256(key: Uint8Array, parts: readonly Uint8Array[]): Uint8Array;
  /** SHA3-256(concat(parts)). */
  sha3_256(parts: readonly Uint8Array[]): Uint8Array;
  /** SHAKE256(concat(parts), 8 * length). */
  shake256(parts: readonly Uint8Array[], length: number): Uint8Array;
  /** Seal(key, nonce, aad, pt) = ct || 16-byte tag (RFC 5116). */
  seal(cipher: AeadCipher, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array;
  /** Open(key, nonce, aad, ct || tag); throws on any failure. */
  open(cipher: AeadCipher, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array;
  readonly x25519: X25519Primitives;
  /** A native ML-KEM-768, where the platform has one (undefined: the pure-JavaScript one is used). */
  readonly mlKem768: MlKem768Backend<unknown> | undefined;
}

/** util.inspect's hook by its registered symbol: no node:util import, same effect in Node. */
export const INSPECT = Symbol.for("nodejs.util.inspect.custom");
