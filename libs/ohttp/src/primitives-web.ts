import { gcm } from "@noble/ciphers/aes.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { sha3_256, shake256 } from "@noble/hashes/sha3.js";
import { Redacted } from "./redacted.js";
import type { AeadCipher } from "./algorithms.js";
import type { Primitives, X25519Key } from "./primitives.js";

/**
 * The primitives on @noble's pure JavaScript (pinned exactly; audited) and Web Crypto's
 * `getRandomValues`: what the library runs on in browsers and workers, and in Node when it is
 * loaded under the `browser` condition (the vector tests run it so).
 */

/** The X25519 key as its 32 bytes, never shown. */
class WebX25519Key extends Redacted implements X25519Key {
  readonly publicKey: Uint8Array;
  readonly #scalar: Uint8Array;

  constructor(scalar: Uint8Array) {
    super("X25519Key");
    this.#scalar = Uint8Array.from(scalar);
    this.publicKey = x25519.getPublicKey(this.#scalar);
  }

  /** @internal */
  scalar(): Uint8Array {
    return this.#scalar;
  }

}

function own(key: X25519Key): WebX25519Key {
  if (!(key instanceof WebX25519Key)) throw new TypeError("not an X25519 key of this implementation");
  return key;
}

function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let at = 0; at < length; at += 65536) globalThis.crypto.getRandomValues(out.subarray(at, Math.min(length, at + 65536)));
  return out;
}

function aead(cipher: AeadCipher, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array) {
  if (cipher === "chacha20-poly1305") return chacha20poly1305(key, nonce, aad);
  if (key.length !== (cipher === "aes-128-gcm" ? 16 : 32)) throw new TypeError("AEAD key length");
  return gcm(key, nonce, aad);
}

export const primitives: Primitives = Object.freeze({
  platform: "web",
  randomBytes,
  hmacSha256: (key: Uint8Array, parts: readonly Uint8Array[]) => {
    const h = hmac.create(sha256, key);
    for (const part of parts) h.update(part);
    return h.digest();
  },
  sha3_256: (parts: readonly Uint8Array[]) => {
    const h = sha3_256.create();
    for (const part of parts) h.update(part);
    return h.digest();
  },
  shake256: (parts: readonly Uint8Array[], length: number) => {
    const h = shake256.create({ dkLen: length });
    for (const part of parts) h.update(part);
    return h.digest();
  },
  seal: (cipher: AeadCipher, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array) => aead(cipher, key, nonce, aad).encrypt(pt),
  open: (cipher: AeadCipher, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array) => aead(cipher, key, nonce, aad).decrypt(ct),
  x25519: Object.freeze({
    generate: () => new WebX25519Key(randomBytes(32)),
    fromPrivate: (sk: Uint8Array) => {
      if (sk.length !== 32) throw new TypeError("X25519 private key length");
      return new WebX25519Key(sk);
    },
    exportPrivate: (key: X25519Key) => Uint8Array.from(own(key).scalar()),
    dh: (key: X25519Key, pkXm: Uint8Array) => {
      if (pkXm.length !== 32) throw new TypeError("X25519 public key length");
      const out = x25519.getSharedSecret(own(key).scalar(), pkXm);
      let acc = 0;
      for (const byte of out) acc |= byte;
      if (acc === 0) throw new Error("all-zero X25519 output");
      return out;
    },
  }),
  mlKem768: undefined,
});
