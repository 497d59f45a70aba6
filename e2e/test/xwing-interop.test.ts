/**
 * X-Wing interoperability with code nobody here wrote (issue 17): a client made of
 * `@noble/post-quantum`'s `ml_kem768_x25519` (X-Wing, draft-ietf-hpke-pq-04 §4), `bhttp-js` for
 * Binary HTTP, and an HPKE base-mode key schedule, Seal, Export (RFC 9180 §5.1, §5.2, §5.3) and
 * the OHTTP request and response encapsulation (RFC 9458 §4.3, §4.4) written out in this file
 * on node:crypto's HMAC and AEADs. Nothing comes from the project's libs/ohttp. The client reads
 * the gateway's mixed listing through our relay, seals to the X-Wing key, and opens the answer.
 *
 * The hand-written key schedule is first held to draft-ietf-hpke-pq-04's X-Wing vector with
 * HKDF-SHA256 (libs/ohttp/test/vectors/hpke-pq-04.json): noble's Encap from the vector's
 * randomness, then key, base_nonce, exporter_secret, the first encryption and the exports.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCipheriv, createDecipheriv, createHmac, type CipherGCMTypes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ml_kem768_x25519 } from "@noble/post-quantum/hybrid.js";
import { BHttpDecoder, BHttpEncoder } from "bhttp-js";
import { DEFAULT_GENERATED_KEMS } from "@oblivious/gateway";
import { ROOT } from "@oblivious/scripts/stack";
import { fetchBytes, post, startPath, TARGET_ORIGIN } from "./harness.js";

const te = new TextEncoder();
const XWING = 0x647a;
const HKDF_SHA256 = 0x0001;
const NH = 32;
const NN = 12;

function cat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
const u16 = (n: number): Uint8Array => Uint8Array.of(n >> 8, n & 0xff);
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

// RFC 5869 over HMAC-SHA256.
function extract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha256", salt.length === 0 ? new Uint8Array(NH) : salt).update(ikm).digest());
}
function expand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out: Uint8Array[] = [];
  let t = new Uint8Array(0);
  for (let i = 1; out.length * NH < length; i++) {
    t = new Uint8Array(createHmac("sha256", prk).update(t).update(info).update(Uint8Array.of(i)).digest());
    out.push(t);
  }
  return cat(...out).subarray(0, length);
}

interface Aead {
  readonly id: number;
  readonly nk: number;
  readonly cipher: CipherGCMTypes | "chacha20-poly1305";
}
const AES_128_GCM: Aead = { id: 0x0001, nk: 16, cipher: "aes-128-gcm" };
const CHACHA20_POLY1305: Aead = { id: 0x0003, nk: 32, cipher: "chacha20-poly1305" };

function seal(aead: Aead, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  const c = createCipheriv(aead.cipher as CipherGCMTypes, key, nonce, { authTagLength: 16 });
  c.setAAD(aad);
  return cat(c.update(pt), c.final(), c.getAuthTag());
}
function open(aead: Aead, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array {
  const d = createDecipheriv(aead.cipher as CipherGCMTypes, key, nonce, { authTagLength: 16 });
  d.setAAD(aad);
  d.setAuthTag(ct.subarray(ct.length - 16));
  return cat(d.update(ct.subarray(0, ct.length - 16)), d.final());
}

/** RFC 9180 §5.1 KeySchedule in base mode (no PSK), for KEM `kemId`, HKDF-SHA256 and `aead`. */
function keySchedule(kemId: number, aead: Aead, sharedSecret: Uint8Array, info: Uint8Array): { key: Uint8Array; baseNonce: Uint8Array; exporterSecret: Uint8Array; suiteId: Uint8Array } {
  const suiteId = cat(te.encode("HPKE"), u16(kemId), u16(HKDF_SHA256), u16(aead.id));
  const labeledExtract = (salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array => extract(salt, cat(te.encode("HPKE-v1"), suiteId, te.encode(label), ikm));
  const labeledExpand = (prk: Uint8Array, label: string, inf: Uint8Array, l: number): Uint8Array => expand(prk, cat(u16(l), te.encode("HPKE-v1"), suiteId, te.encode(label), inf), l);
  const empty = new Uint8Array(0);
  const context = cat(Uint8Array.of(0), labeledExtract(empty, "psk_id_hash", empty), labeledExtract(empty, "info_hash", info));
  const secret = labeledExtract(sharedSecret, "secret", empty);
  return {
    key: labeledExpand(secret, "key", context, aead.nk),
    baseNonce: labeledExpand(secret, "base_nonce", context, NN),
    exporterSecret: labeledExpand(secret, "exp", context, NH),
    suiteId,
  };
}

/** RFC 9180 §5.3 Export. */
function exportSecret(suiteId: Uint8Array, exporterSecret: Uint8Array, context: Uint8Array, length: number): Uint8Array {
  return expand(exporterSecret, cat(u16(length), te.encode("HPKE-v1"), suiteId, te.encode("sec"), context), length);
}

test("the test's own HPKE key schedule and noble's X-Wing reproduce draft-ietf-hpke-pq-04's X-Wing vector with HKDF-SHA256", () => {
  const doc = JSON.parse(readFileSync(join(ROOT, "libs/ohttp/test/vectors/hpke-pq-04.json"), "utf8")) as { vectors: Record<string, unknown>[] };
  const v = doc.vectors.find((x) => x["kem_id"] === XWING && x["kdf_id"] === HKDF_SHA256);
  assert.ok(v, "the vector file has an X-Wing entry with HKDF-SHA256");
  const s = (name: string): Uint8Array => hex(String(v[name]));
  const aead = [AES_128_GCM, CHACHA20_POLY1305].find((a) => a.id === v["aead_id"]);
  assert.ok(aead);
  const { cipherText, sharedSecret } = ml_kem768_x25519.encapsulate(s("pkRm"), s("ikmE"));
  assert.deepEqual(Buffer.from(cipherText), Buffer.from(s("enc")));
  assert.deepEqual(Buffer.from(sharedSecret), Buffer.from(s("shared_secret")));
  const ks = keySchedule(XWING, aead, sharedSecret, s("info"));
  assert.deepEqual(Buffer.from(ks.suiteId), Buffer.from(s("suite_id")));
  assert.deepEqual(Buffer.from(ks.key), Buffer.from(s("key")));
  assert.deepEqual(Buffer.from(ks.baseNonce), Buffer.from(s("base_nonce")));
  assert.deepEqual(Buffer.from(ks.exporterSecret), Buffer.from(s("exporter_secret")));
  const first = (v["encryptions"] as Record<string, string>[])[0];
  assert.ok(first);
  assert.deepEqual(Buffer.from(seal(aead, ks.key, hex(first["nonce"] ?? ""), hex(first["aad"] ?? ""), hex(first["pt"] ?? ""))), Buffer.from(hex(first["ct"] ?? "")));
  for (const e of v["exports"] as { exporter_context: string; L: number; exported_value: string }[]) {
    assert.deepEqual(Buffer.from(exportSecret(ks.suiteId, ks.exporterSecret, hex(e.exporter_context), e.L)), Buffer.from(hex(e.exported_value)));
  }
});

/** The X-Wing configuration of an application/ohttp-keys list (RFC 9458 §3.1, §3.2), read by hand. */
function xWingConfig(list: Uint8Array): { keyId: number; publicKey: Uint8Array; kems: number[] } {
  const kems: number[] = [];
  let found: { keyId: number; publicKey: Uint8Array } | undefined;
  for (let at = 0; at < list.length; ) {
    const length = ((list[at] ?? 0) << 8) | (list[at + 1] ?? 0);
    const c = list.subarray(at + 2, at + 2 + length);
    const kem = ((c[1] ?? 0) << 8) | (c[2] ?? 0);
    kems.push(kem);
    if (kem === XWING && found === undefined) {
      const publicKey = c.slice(3, 3 + 1216);
      const pairs = c.subarray(3 + 1216 + 2);
      const offers = Array.from({ length: pairs.length / 4 }, (_, i) => [((pairs[4 * i] ?? 0) << 8) | (pairs[4 * i + 1] ?? 0), ((pairs[4 * i + 2] ?? 0) << 8) | (pairs[4 * i + 3] ?? 0)]);
      assert.ok(offers.some(([kdf, aead]) => kdf === HKDF_SHA256 && aead === AES_128_GCM.id), "the X-Wing key accepts HKDF-SHA256 with AES-128-GCM");
      found = { keyId: c[0] ?? 0, publicKey };
    }
    at += 2 + length;
  }
  assert.ok(found, "the listing has an X-Wing configuration");
  return { ...found, kems };
}

test("interop: a noble X-Wing + hand-written HPKE + bhttp-js client through our relay and gateway, answer opened (RFC 9458 §4.4)", async () => {
  const path = await startPath({ kems: DEFAULT_GENERATED_KEMS });
  try {
    const listing = await fetchBytes(`${path.relayUrl}/ohttp-keys`);
    const { keyId, publicKey, kems } = xWingConfig(listing);
    assert.deepEqual(kems, [XWING, 0x0020], "X-Wing listed first, X25519 beside it");
    const aead = AES_128_GCM;
    for (const [method, body] of [["GET", undefined], ["POST", "sealed with X-Wing elsewhere"]] as const) {
      // RFC 9458 §4.3: hdr, info = "message/bhttp request" || 0x00 || hdr; enc || ct.
      const hdr = cat(Uint8Array.of(keyId), u16(XWING), u16(HKDF_SHA256), u16(aead.id));
      const info = cat(te.encode("message/bhttp request"), Uint8Array.of(0), hdr);
      const { cipherText: enc, sharedSecret } = ml_kem768_x25519.encapsulate(publicKey);
      assert.equal(enc.length, 1120);
      const ks = keySchedule(XWING, aead, sharedSecret, info);
      const inner = await new BHttpEncoder().encodeRequest(
        new Request(`${TARGET_ORIGIN}/v1/ping`, { method, headers: { date: new Date().toUTCString(), "content-type": "text/plain" }, ...(body ? { body } : {}) }),
      );
      const ct = seal(aead, ks.key, ks.baseNonce, new Uint8Array(0), inner); // sequence 0: nonce = base_nonce
      const answer = await post(`${path.relayUrl}/relay`, cat(hdr, enc, ct), { "content-type": "message/ohttp-req" });
      assert.equal(answer.status, 200, `outer status for ${method}`);
      assert.equal(answer.headers["content-type"], "message/ohttp-res");

      // RFC 9458 §4.4: secret = Export("message/bhttp response", max(Nn, Nk)); salt = enc || response_nonce.
      const secret = exportSecret(ks.suiteId, ks.exporterSecret, te.encode("message/bhttp response"), Math.max(NN, aead.nk));
      const responseNonce = answer.body.subarray(0, Math.max(NN, aead.nk));
      const prk = extract(cat(enc, responseNonce), secret);
      const plain = open(aead, expand(prk, te.encode("key"), aead.nk), expand(prk, te.encode("nonce"), NN), new Uint8Array(0), answer.body.subarray(responseNonce.length));
      const response = new BHttpDecoder().decodeResponse(plain);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("x-target"), "stub");
      assert.deepEqual(await response.json(), { method, url: "/v1/ping", length: body?.length ?? 0 });
    }
    assert.equal(path.target.received.length, 2);
  } finally {
    await path.stop();
  }
});
