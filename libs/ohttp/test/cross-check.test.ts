import { test } from "node:test";
import assert from "node:assert/strict";
import { hkdfSync } from "node:crypto";
import { Aes128Gcm, Aes256Gcm, CipherSuite as CoreSuite, DhkemX25519HkdfSha256, HkdfSha256 } from "@hpke/core";
import type { EncryptionContext } from "@hpke/core";
import { Chacha20Poly1305 } from "@hpke/chacha20poly1305";
import { Aead, CipherSuite as HpkeJsSuite, Kdf, Kem } from "hpke-js";
import { concat } from "@oblivious/wire";
import { AeadId, GatewayKey, KdfId, SUPPORTED_SYMMETRIC_ALGORITHMS, decapsulateRequest, encapsulateRequest } from "../src/index.js";

/**
 * Interoperability with independent HPKE implementations: @hpke/core (with
 * @hpke/chacha20poly1305) and hpke-js. The OHTTP layer on their side is written here from
 * RFC 9458 Sections 4.3 and 4.4, with node's own HKDF (hkdfSync) for the response keys and the
 * library's AEAD for the response.
 */

const AEADS = [
  { aeadId: AeadId.Aes128Gcm, Nk: 16, Nn: 12 },
  { aeadId: AeadId.Aes256Gcm, Nk: 32, Nn: 12 },
  { aeadId: AeadId.ChaCha20Poly1305, Nk: 32, Nn: 12 },
] as const;
type AeadCase = (typeof AEADS)[number];

const LIBRARIES = {
  "@hpke/core": (aeadId: AeadId): CoreSuite =>
    new CoreSuite({
      kem: new DhkemX25519HkdfSha256(),
      kdf: new HkdfSha256(),
      aead: aeadId === AeadId.Aes128Gcm ? new Aes128Gcm() : aeadId === AeadId.Aes256Gcm ? new Aes256Gcm() : new Chacha20Poly1305(),
    }),
  "hpke-js": (aeadId: AeadId): CoreSuite =>
    new HpkeJsSuite({
      kem: Kem.DhkemX25519HkdfSha256,
      kdf: Kdf.HkdfSha256,
      aead: aeadId === AeadId.Aes128Gcm ? Aead.Aes128Gcm : aeadId === AeadId.Aes256Gcm ? Aead.Aes256Gcm : Aead.Chacha20Poly1305,
    }),
} as const;

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const buffer = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer;
const request = text("GET https://sticker-search.internal/v1/search");
const response = text("200 OK, three stickers");

function header(keyId: number, aeadId: AeadId): Uint8Array {
  return Uint8Array.of(keyId, 0x00, 0x20, 0x00, KdfId.HkdfSha256, 0x00, aeadId);
}

function info(hdr: Uint8Array): Uint8Array {
  return concat(text("message/bhttp request"), Uint8Array.of(0), hdr);
}

/** RFC 9458 Section 4.4 on the other library's context: the response AEAD key and nonce. */
async function responseKeys(context: EncryptionContext, aead: AeadCase, enc: Uint8Array, responseNonce: Uint8Array): Promise<{ key: ArrayBuffer; nonce: ArrayBuffer }> {
  const secret = new Uint8Array(await context.export(buffer(text("message/bhttp response")), Math.max(aead.Nn, aead.Nk)));
  const salt = concat(enc, responseNonce);
  // hkdfSync is Expand(Extract(salt, ikm), info, L): prk = Extract(salt, secret), then Expand.
  return {
    key: hkdfSync("sha256", secret, salt, "key", aead.Nk),
    nonce: hkdfSync("sha256", secret, salt, "nonce", aead.Nn),
  };
}

for (const [library, makeSuite] of Object.entries(LIBRARIES)) {
  for (const aead of AEADS) {
    test(`${library}, AEAD ${aead.aeadId}: our client, their gateway`, async () => {
      const key = GatewayKey.generate(5, SUPPORTED_SYMMETRIC_ALGORITHMS);
      const suite = makeSuite(aead.aeadId);
      const { encapsulatedRequest, context } = encapsulateRequest(key.config, request, { suite: { kdfId: KdfId.HkdfSha256, aeadId: aead.aeadId } });

      // Their gateway: parse hdr, enc, ct (Section 4.3), SetupBaseR, Open.
      const hdr = encapsulatedRequest.subarray(0, 7);
      assert.deepEqual(hdr, header(5, aead.aeadId));
      const enc = encapsulatedRequest.subarray(7, 39);
      const recipientKey = await suite.kem.importKey("raw", buffer(key.exportPrivateKey()), false);
      const rctxt = await suite.createRecipientContext({ recipientKey, enc: buffer(enc), info: buffer(info(hdr)) });
      assert.deepEqual(new Uint8Array(await rctxt.open(buffer(encapsulatedRequest.subarray(39)))), request);

      // Their response (Section 4.4), opened by our client context.
      const responseNonce = crypto.getRandomValues(new Uint8Array(Math.max(aead.Nn, aead.Nk)));
      const keys = await responseKeys(rctxt, aead, enc, responseNonce);
      const ct = await suite.aead.createEncryptionContext(keys.key).seal(keys.nonce, buffer(response), new ArrayBuffer(0));
      assert.deepEqual(context.decapsulateResponse(concat(responseNonce, new Uint8Array(ct))), response);
    });

    test(`${library}, AEAD ${aead.aeadId}: their client, our gateway`, async () => {
      const key = GatewayKey.generate(6, SUPPORTED_SYMMETRIC_ALGORITHMS);
      const suite = makeSuite(aead.aeadId);

      // Their client (Section 4.3).
      const hdr = header(6, aead.aeadId);
      const recipientPublicKey = await suite.kem.deserializePublicKey(buffer(key.config.publicKey));
      const sctxt = await suite.createSenderContext({ recipientPublicKey, info: buffer(info(hdr)) });
      const enc = new Uint8Array(sctxt.enc);
      const ct = new Uint8Array(await sctxt.seal(buffer(request)));
      const decapsulated = decapsulateRequest((keyId) => (keyId === 6 ? key : undefined), concat(hdr, enc, ct));
      assert.deepEqual(decapsulated.request, request);
      assert.deepEqual(decapsulated.enc, enc);

      // Our response, opened on their side.
      const encapsulatedResponse = decapsulated.context.encapsulateResponse(response);
      const nonceLength = Math.max(aead.Nn, aead.Nk);
      const keys = await responseKeys(sctxt, aead, enc, encapsulatedResponse.subarray(0, nonceLength));
      const opened = await suite.aead.createEncryptionContext(keys.key).open(keys.nonce, buffer(encapsulatedResponse.subarray(nonceLength)), new ArrayBuffer(0));
      assert.deepEqual(new Uint8Array(opened), response);
    });
  }
}
