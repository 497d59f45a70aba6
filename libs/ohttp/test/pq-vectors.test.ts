import { test } from "node:test";
import assert from "node:assert/strict";
import { fromHex, toHex } from "@oblivious/wire";
import { AEAD_PARAMETERS, KemId, isKemId } from "../src/algorithms.js";
import type { AeadId } from "../src/algorithms.js";
import { open, seal } from "../src/aead.js";
import { Hpke } from "../src/hpke.js";
import { kemImplementations } from "../src/kem-registry.js";
import { keyScheduleShake256 } from "../src/single-stage-key-schedule.js";
import { field, list, readVectors } from "./helpers.js";

// draft-ietf-hpke-pq-04's vectors for ML-KEM-768 (0x0041) and X-Wing (0x647A): every entry, on
// every implementation this runtime has (node:crypto where it has ML-KEM, and pure JavaScript).
// Encap from the vector's randomness (ikmE) takes @noble/post-quantum's deterministic ML-KEM
// Encaps in both (node:crypto has no such call); the node:crypto X-Wing still combines the
// X25519 half and the SHA3-256 combiner itself, and its Decap is node's ML-KEM.Decaps.
const vectors = list(readVectors("hpke-pq-04.json"), "vectors");
const TWO_STAGE_KDF = 0x0001;
const SHAKE256_KDF = 0x0011;

test("the vector file holds every ML-KEM-768 and X-Wing entry of the draft's (three)", () => {
  const ids = vectors.map((v) => `${field(v, "kem_id")}/${field(v, "kdf_id")}/${field(v, "aead_id")}`);
  assert.deepEqual(ids, ["65/1/1", "25722/1/3", "25722/17/3"]);
});

for (const vector of vectors) {
  const kemId = Number(field(vector, "kem_id"));
  const kdfId = Number(field(vector, "kdf_id"));
  const aeadId = Number(field(vector, "aead_id"));
  assert.ok(isKemId(kemId));
  const v = (key: string): Uint8Array => fromHex(field(vector, key));
  const label = `KEM 0x${kemId.toString(16)} KDF 0x${kdfId.toString(16)} AEAD 0x${aeadId.toString(16)}`;

  for (const kem of kemImplementations(kemId)) {
    const name = `${label} (${kem.backend})`;

    test(`${name}: DeriveKeyPair(ikmR) gives skRm and pkRm; DeserializePrivateKey(skRm) gives pkRm`, () => {
      const derived = kem.deriveKeyPair(v("ikmR"));
      assert.equal(toHex(kem.serializePrivateKey(derived)), field(vector, "skRm"));
      assert.equal(toHex(derived.publicKey), field(vector, "pkRm"));
      const loaded = kem.deserializePrivateKey(v("skRm"));
      assert.equal(toHex(loaded.publicKey), field(vector, "pkRm"));
      assert.equal(toHex(kem.serializePrivateKey(loaded)), field(vector, "skRm"));
    });

    test(`${name}: Encap(pkRm) with the vector's randomness gives enc and shared_secret; Decap(enc) gives shared_secret`, () => {
      const { enc, sharedSecret } = kem.encap(v("pkRm"), v("ikmE"));
      assert.equal(toHex(enc), field(vector, "enc"));
      assert.equal(toHex(sharedSecret), field(vector, "shared_secret"));
      assert.equal(toHex(kem.decap(v("enc"), kem.deserializePrivateKey(v("skRm")))), field(vector, "shared_secret"));
      assert.equal(toHex(kem.decap(v("enc"), kem.deriveKeyPair(v("ikmR")))), field(vector, "shared_secret"));
    });

    if (kdfId === SHAKE256_KDF) {
      test(`${name}: the single-stage (SHAKE256) key schedule, every encryption and every export`, () => {
        const aead = AEAD_PARAMETERS[aeadId as AeadId];
        const { sharedSecret } = kem.encap(v("pkRm"), v("ikmE"));
        const schedule = keyScheduleShake256({ kemId, aeadId, Nk: aead.Nk, Nn: aead.Nn }, sharedSecret, v("info"));
        assert.equal(toHex(schedule.key), field(vector, "key"));
        assert.equal(toHex(schedule.baseNonce), field(vector, "base_nonce"));
        assert.equal(toHex(schedule.exporterSecret), field(vector, "exporter_secret"));
        list(vector, "encryptions").forEach((e, seq) => {
          const nonce = Uint8Array.from(schedule.baseNonce);
          nonce[nonce.length - 1] = (nonce[nonce.length - 1] as number) ^ seq;
          assert.equal(toHex(nonce), field(e, "nonce"));
          const ct = seal(aead, schedule.key, nonce, fromHex(field(e, "aad")), fromHex(field(e, "pt")));
          assert.equal(toHex(ct), field(e, "ct"), `ciphertext at sequence number ${seq}`);
          assert.equal(toHex(open(aead, schedule.key, nonce, fromHex(field(e, "aad")), ct)), field(e, "pt"));
        });
        for (const e of list(vector, "exports")) {
          assert.equal(toHex(schedule.export(fromHex(field(e, "exporter_context")), Number(field(e, "L")))), field(e, "exported_value"));
        }
      });
    }
    if (kdfId !== TWO_STAGE_KDF) continue;

    const hpke = Hpke.for({ kemId, kdfId, aeadId }, kem);
    test(`${name}: the key schedule, every encryption and every export`, () => {
      const info = v("info");
      const schedule = hpke.keySchedule(v("shared_secret"), info);
      assert.equal(toHex(schedule.key), field(vector, "key"));
      assert.equal(toHex(schedule.baseNonce), field(vector, "base_nonce"));
      assert.equal(toHex(schedule.exporterSecret), field(vector, "exporter_secret"));

      const { enc, context: sender } = hpke.setupBaseS(v("pkRm"), info, { ephemeralPrivateKey: v("ikmE") });
      assert.equal(toHex(enc), field(vector, "enc"));
      const recipient = hpke.setupBaseR(v("enc"), kem.deserializePrivateKey(v("skRm")), info);
      const encryptions = list(vector, "encryptions");
      assert.equal(encryptions.length, 10);
      const baseNonce = v("base_nonce");
      encryptions.forEach((e, seq) => {
        // The vector's nonce is base_nonce XOR I2OSP(seq, Nn), seq = its position.
        const nonce = Uint8Array.from(baseNonce);
        nonce[nonce.length - 1] = (nonce[nonce.length - 1] as number) ^ seq;
        assert.equal(toHex(nonce), field(e, "nonce"));
        assert.equal(sender.seq, seq);
        const ct = sender.seal(fromHex(field(e, "aad")), fromHex(field(e, "pt")));
        assert.equal(toHex(ct), field(e, "ct"), `ciphertext at sequence number ${seq}`);
        assert.equal(toHex(recipient.open(fromHex(field(e, "aad")), ct)), field(e, "pt"));
      });
      const exports = list(vector, "exports");
      assert.equal(exports.length, 5);
      for (const e of exports) {
        const context = fromHex(field(e, "exporter_context"));
        const L = Number(field(e, "L"));
        assert.equal(toHex(sender.export(context, L)), field(e, "exported_value"));
        assert.equal(toHex(recipient.export(context, L)), field(e, "exported_value"));
      }
    });
  }
}

test("both X-Wing and both ML-KEM-768 implementations agree on random keys, in both directions", () => {
  for (const kemId of [KemId.MlKem768, KemId.MlKem768X25519]) {
    const implementations = kemImplementations(kemId);
    for (const a of implementations) {
      for (const b of implementations) {
        const seed = a.serializePrivateKey(a.generateKeyPair());
        const keyA = a.deserializePrivateKey(seed);
        const keyB = b.deserializePrivateKey(seed);
        assert.deepEqual(keyA.publicKey, keyB.publicKey);
        const { enc, sharedSecret } = a.encap(keyB.publicKey);
        assert.equal(toHex(b.decap(enc, keyB)), toHex(sharedSecret), `${a.backend} to ${b.backend}`);
      }
    }
  }
});
