import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { fromHex, toHex } from "@oblivious/wire";
import { AeadId, KdfId, KemId } from "../src/algorithms.js";
import { decap, deserializePrivateKey, encap, generateKeyPair, serializePrivateKey } from "../src/dhkem-x25519.js";
import { Hpke } from "../src/hpke.js";
import { kemX25519 } from "../src/kem-x25519.js";
import { OhttpErrorCode } from "../src/errors.js";
import { field, list, ohttpError, readVectors } from "./helpers.js";

// RFC 9180 Appendix A (see the file's "source" for where each value comes from).
const vectors = readVectors("rfc9180-base-x25519.json");
const info = fromHex(field(vectors, "info"));
const plaintext = fromHex(field(vectors, "plaintext"));

for (const suiteVector of list(vectors, "suites")) {
  const name = field(suiteVector, "name");
  const v = (key: string): Uint8Array => fromHex(field(suiteVector, key));
  const hpke = Hpke.for({ kemId: KemId.DhkemX25519HkdfSha256, kdfId: KdfId.HkdfSha256, aeadId: Number(field(suiteVector, "aead_id")) });

  test(`RFC 9180 ${name}: Encap, Decap and KeySchedule give the appendix's values`, () => {
    const recipient = deserializePrivateKey(v("skRm"));
    assert.equal(toHex(recipient.publicKey), field(suiteVector, "pkRm"));
    const ephemeral = deserializePrivateKey(v("skEm"));
    assert.equal(toHex(ephemeral.publicKey), field(suiteVector, "pkEm"));

    const { sharedSecret, enc } = encap(v("pkRm"), ephemeral);
    assert.equal(toHex(enc), field(suiteVector, "enc"));
    assert.equal(toHex(sharedSecret), field(suiteVector, "shared_secret"));
    assert.equal(toHex(decap(enc, recipient)), field(suiteVector, "shared_secret"));

    const prepared = hpke.prepareInfo(info);
    if (name === "A.2.1") {
      assert.equal(toHex(prepared.keyScheduleContext), field(suiteVector, "key_schedule_context"));
      assert.equal(toHex(hpke.kdf.labeledExtract(sharedSecret, "secret", new Uint8Array(0))), field(suiteVector, "secret"));
    }
    for (const schedule of [hpke.keySchedule(sharedSecret, info), hpke.keySchedule(sharedSecret, prepared)]) {
      assert.equal(toHex(schedule.key), field(suiteVector, "key"));
      assert.equal(toHex(schedule.baseNonce), field(suiteVector, "base_nonce"));
      assert.equal(toHex(schedule.exporterSecret), field(suiteVector, "exporter_secret"));
    }
  });

  test(`RFC 9180 ${name}: Seal and Open at each sequence number, and Export`, () => {
    const { enc, context: sender } = hpke.setupBaseS(v("pkRm"), info, { ephemeralPrivateKey: v("skEm") });
    assert.equal(toHex(enc), field(suiteVector, "enc"));
    const recipient = hpke.setupBaseR(enc, kemX25519.deserializePrivateKey(v("skRm")), info);
    const expected = new Map(list(suiteVector, "encryptions").map((e) => [Number(field(e, "seq")), field(e, "ct")]));
    const last = Math.max(...expected.keys());
    for (let seq = 0; seq <= last; seq++) {
      const aad = new TextEncoder().encode(`Count-${seq}`);
      assert.equal(sender.seq, seq);
      const ct = sender.seal(aad, plaintext);
      const want = expected.get(seq);
      if (want !== undefined) assert.equal(toHex(ct), want, `ciphertext at sequence number ${seq}`);
      assert.deepEqual(new Uint8Array(recipient.open(aad, ct)), plaintext);
    }
    for (const e of list(suiteVector, "exports")) {
      const context = fromHex(field(e, "context"));
      const L = Number(field(e, "L"));
      assert.equal(toHex(sender.export(context, L)), field(e, "value"));
      assert.equal(toHex(recipient.export(context, L)), field(e, "value"));
    }
  });
}

test("BoringSSL X25519/HKDF-SHA256/AES-256-GCM: sequence-0 ciphertext", () => {
  const v = (key: string): Uint8Array => fromHex(field(vectors, "aes256gcm", key));
  const hpke = Hpke.for({ kemId: KemId.DhkemX25519HkdfSha256, kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes256Gcm });
  const { context } = hpke.setupBaseS(v("pkRm"), info, { ephemeralPrivateKey: v("skEm") });
  assert.equal(toHex(context.seal(v("aad"), plaintext)), field(vectors, "aes256gcm", "ct"));
});

test("a failed Open leaves the sequence number where it was", () => {
  const hpke = Hpke.for({ kemId: KemId.DhkemX25519HkdfSha256, kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes128Gcm });
  const recipientKey = kemX25519.generateKeyPair();
  const { enc, context: sender } = hpke.setupBaseS(recipientKey.publicKey, info);
  const recipient = hpke.setupBaseR(enc, recipientKey, info);
  const ct = sender.seal(new Uint8Array(0), plaintext);
  const bad = Uint8Array.from(ct);
  bad[0] = (bad[0] as number) ^ 1;
  assert.throws(() => recipient.open(new Uint8Array(0), bad), ohttpError(OhttpErrorCode.DecryptFailed));
  assert.throws(() => recipient.open(new Uint8Array(0), ct.subarray(0, 15)), ohttpError(OhttpErrorCode.DecryptFailed));
  assert.equal(recipient.seq, 0);
  assert.deepEqual(new Uint8Array(recipient.open(new Uint8Array(0), ct)), plaintext);
  assert.equal(recipient.seq, 1);
});

test("Decap refuses a low-order enc (all-zero X25519 output) with the uniform error", () => {
  const recipient = generateKeyPair();
  for (const enc of [new Uint8Array(32), Uint8Array.of(1, ...new Array<number>(31).fill(0)), new Uint8Array(31)]) {
    assert.throws(() => decap(enc, recipient), ohttpError(OhttpErrorCode.DecryptFailed));
  }
  assert.throws(() => encap(new Uint8Array(32)), ohttpError(OhttpErrorCode.InvalidArgument));
});

test("Export lengths: up to 255 * Nh, longer is an invalid argument", () => {
  const hpke = Hpke.for({ kemId: KemId.DhkemX25519HkdfSha256, kdfId: KdfId.HkdfSha256, aeadId: AeadId.ChaCha20Poly1305 });
  const key = generateKeyPair();
  const { context } = hpke.setupBaseS(key.publicKey, info);
  const long = context.export(new Uint8Array(0), 255 * 32);
  assert.equal(long.length, 255 * 32);
  // L is part of LabeledExpand's info, so a shorter export is not a prefix of a longer one.
  assert.notEqual(toHex(context.export(new Uint8Array(0), 32)), toHex(long.subarray(0, 32)));
  assert.equal(context.export(new Uint8Array(0), 0).length, 0);
  assert.throws(() => context.export(new Uint8Array(0), 255 * 32 + 1), ohttpError(OhttpErrorCode.InvalidArgument));
});

test("private keys round-trip through their 32 bytes, and contexts print no secrets", () => {
  const key = generateKeyPair();
  const bytes = serializePrivateKey(key.privateKey);
  assert.equal(bytes.length, 32);
  assert.deepEqual(deserializePrivateKey(bytes).publicKey, key.publicKey);
  assert.throws(() => deserializePrivateKey(new Uint8Array(31)), ohttpError(OhttpErrorCode.InvalidArgument));

  const hpke = Hpke.for({ kemId: KemId.DhkemX25519HkdfSha256, kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes128Gcm });
  const { context } = hpke.setupBaseS(key.publicKey, info);
  assert.equal(inspect(context), "SenderContext { [redacted] }");
  assert.equal(String(context), "SenderContext { [redacted] }");
  assert.equal(JSON.stringify(context), '{"redacted":true}');
});

test("Hpke.for refuses identifiers it does not implement", () => {
  for (const suite of [
    { kemId: 0x0010, kdfId: 1, aeadId: 1 },
    { kemId: 0x0020, kdfId: 2, aeadId: 1 },
    { kemId: 0x0020, kdfId: 1, aeadId: 0xffff },
  ]) {
    assert.throws(() => Hpke.for(suite), ohttpError(OhttpErrorCode.InvalidArgument));
  }
});
