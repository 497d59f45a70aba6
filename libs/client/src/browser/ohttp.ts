/**
 * Oblivious HTTP on web APIs (RFC 9458): the key configuration list (Section 3), the request
 * encapsulation (Section 4.3) through @hpke/core, and the response (Section 4.4) through
 * WebCrypto's HKDF and the suite's AEAD. `@oblivious/ohttp` is the reference on Node.
 */
import { Aes128Gcm, Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from "@hpke/core";
import { Chacha20Poly1305 } from "@hpke/chacha20poly1305";
import { ByteReader } from "@oblivious/wire";
import type { OhttpSealer, SealedRequest } from "../backend.js";

const te = new TextEncoder();
/** "message/bhttp request" and "message/bhttp response" (Sections 4.3 and 4.4). */
const REQUEST_LABEL = te.encode("message/bhttp request");
const RESPONSE_LABEL = te.encode("message/bhttp response");
const KEY_LABEL = te.encode("key");
const NONCE_LABEL = te.encode("nonce");

/** RFC 9180 Section 7: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, and the three AEADs with Nk. */
const KEM_X25519 = 0x0020;
const KDF_HKDF_SHA256 = 0x0001;
const AEAD_NK: ReadonlyMap<number, number> = new Map([
  [0x0001, 16],
  [0x0002, 32],
  [0x0003, 32],
]);
const NN = 12;
const NPK = 32;

export interface BrowserKeyConfig {
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  readonly aeadId: number;
}

export class OhttpFormatError extends Error {
  override readonly name = "OhttpFormatError";
}

/** A copy as an exact ArrayBuffer (WebCrypto takes views too, but not every engine honours their offset). */
function exact(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The first configuration of an application/ohttp-keys list (Section 3.2) with X25519, HKDF-SHA256
 * and a supported AEAD. Section 3.2: a wrongly encoded list is discarded whole; entries with
 * another KEM are skipped.
 */
export function firstUsableKeyConfig(list: Uint8Array): BrowserKeyConfig {
  let chosen: BrowserKeyConfig | undefined;
  try {
    const r = new ByteReader(list);
    if (r.remaining === 0) throw new OhttpFormatError("empty list");
    while (r.remaining > 0) {
      const c = new ByteReader(r.uint16Prefixed());
      const keyId = c.uint8();
      if (c.uint16() !== KEM_X25519) continue;
      const publicKey = c.bytes(NPK).slice();
      const length = c.uint16();
      if (length < 4 || length % 4 !== 0) throw new OhttpFormatError("symmetric algorithms");
      const pairs = new ByteReader(c.bytes(length));
      c.end();
      while (pairs.remaining > 0) {
        const kdfId = pairs.uint16();
        const aeadId = pairs.uint16();
        if (chosen === undefined && kdfId === KDF_HKDF_SHA256 && AEAD_NK.has(aeadId)) chosen = { keyId, publicKey, aeadId };
      }
    }
  } catch (error) {
    if (error instanceof OhttpFormatError) throw error;
    throw new OhttpFormatError("malformed key configuration list", { cause: error });
  }
  if (chosen === undefined) throw new OhttpFormatError("no usable key configuration");
  return chosen;
}

function suiteFor(aeadId: number): CipherSuite {
  const aead = aeadId === 0x0001 ? new Aes128Gcm() : aeadId === 0x0002 ? new Aes256Gcm() : new Chacha20Poly1305();
  return new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead });
}

/** HKDF-Expand(HKDF-Extract(salt, ikm), info, length) on WebCrypto. */
async function hkdf(ikm: ArrayBuffer, salt: Uint8Array, info: Uint8Array, length: number): Promise<ArrayBuffer> {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: exact(salt), info: exact(info) }, key, length * 8);
}

export function browserSealer(config: BrowserKeyConfig): OhttpSealer {
  const suite = suiteFor(config.aeadId);
  const nk = AEAD_NK.get(config.aeadId) ?? 16;
  // hdr = key_id (8), kem_id (16), kdf_id (16), aead_id (16)
  const hdr = Uint8Array.of(config.keyId, 0, KEM_X25519, 0, KDF_HKDF_SHA256, config.aeadId >> 8, config.aeadId & 0xff);
  const info = concat(REQUEST_LABEL, Uint8Array.of(0), hdr);
  const recipientPublicKey = suite.kem.deserializePublicKey(exact(config.publicKey));
  return {
    kem: "x25519",
    async seal(request: Uint8Array): Promise<SealedRequest> {
      // A fresh sender context (fresh skE) for every request: nothing links two requests.
      const sender = await suite.createSenderContext({ recipientPublicKey: await recipientPublicKey, info: exact(info) });
      const ct = new Uint8Array(await sender.seal(exact(request)));
      const enc = new Uint8Array(sender.enc);
      const secret = await sender.export(exact(RESPONSE_LABEL), Math.max(NN, nk));
      let used = false;
      return {
        encapsulatedRequest: concat(hdr, enc, ct),
        async open(response: Uint8Array): Promise<Uint8Array> {
          if (used) throw new OhttpFormatError("response context already used");
          used = true;
          // enc_response = response_nonce (max(Nn, Nk)) || ct; ct holds at least a 16-byte tag.
          const nonceLength = Math.max(NN, nk);
          if (response.length < nonceLength + 16) throw new OhttpFormatError("encapsulated response too short");
          const salt = concat(enc, response.subarray(0, nonceLength));
          const key = await hkdf(secret, salt, KEY_LABEL, nk);
          const nonce = await hkdf(secret, salt, NONCE_LABEL, NN);
          const plain = await suite.aead.createEncryptionContext(key).open(nonce, exact(response.subarray(nonceLength)), new ArrayBuffer(0));
          return new Uint8Array(plain);
        },
      };
    },
  };
}
