import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  AeadId,
  GatewayKey,
  KdfId,
  KemId,
  OhttpErrorCode,
  SUPPORTED_SYMMETRIC_ALGORITHMS,
  decapsulateRequest,
  decodeKeyConfigs,
  encapsulateRequest,
  encodeKeyConfigs,
} from "../src/index.js";
import { kemFor, kemImplementations } from "../src/kem-registry.js";
import { catchOhttp, ohttpError } from "./helpers.js";

// OHTTP (RFC 9458) with the post-quantum KEMs of draft-ietf-hpke-pq-04 beside X25519: the KEM
// only changes Npk, Nenc and Nsk; everything else of Section 4 is the same.
const SIZES = [
  { kemId: KemId.DhkemX25519HkdfSha256, Npk: 32, Nenc: 32, Nsk: 32 },
  { kemId: KemId.MlKem768, Npk: 1184, Nenc: 1088, Nsk: 64 },
  { kemId: KemId.MlKem768X25519, Npk: 1216, Nenc: 1120, Nsk: 32 },
] as const;
const request = new TextEncoder().encode("a binary HTTP request");
const response = new TextEncoder().encode("a binary HTTP response");

for (const { kemId, Npk, Nenc, Nsk } of SIZES) {
  const name = `KEM 0x${kemId.toString(16).padStart(4, "0")} (${kemFor(kemId).name}, ${kemFor(kemId).backend})`;

  test(`${name}: key configuration, request and response round trip for every AEAD, with Section 4's sizes`, () => {
    const key = GatewayKey.generate(5, SUPPORTED_SYMMETRIC_ALGORITHMS, kemId);
    assert.equal(key.kemId, kemId);
    assert.equal(key.publicKey.length, Npk);
    const [config] = decodeKeyConfigs(encodeKeyConfigs([key.config]));
    assert.ok(config !== undefined);
    assert.equal(config.kemId, kemId);
    assert.deepEqual(config.publicKey, key.publicKey);
    const lookup = (keyId: number): GatewayKey | undefined => (keyId === 5 ? key : undefined);
    for (const aeadId of [AeadId.Aes128Gcm, AeadId.Aes256Gcm, AeadId.ChaCha20Poly1305]) {
      const { encapsulatedRequest, context } = encapsulateRequest(config, request, { suite: { kdfId: KdfId.HkdfSha256, aeadId } });
      assert.equal(encapsulatedRequest.length, 7 + Nenc + request.length + 16);
      assert.equal((encapsulatedRequest[1] as number) * 256 + (encapsulatedRequest[2] as number), kemId);
      const opened = decapsulateRequest(lookup, encapsulatedRequest);
      assert.deepEqual(opened.request, request);
      assert.deepEqual(opened.enc, encapsulatedRequest.subarray(7, 7 + Nenc));
      assert.deepEqual(context.decapsulateResponse(opened.context.encapsulateResponse(response)), response);
    }
  });

  test(`${name}: private keys export as Nsk bytes and load back to the same key; wrong lengths are refused`, () => {
    const key = GatewayKey.generate(9, SUPPORTED_SYMMETRIC_ALGORITHMS, kemId);
    const exported = key.exportPrivateKey();
    assert.equal(exported.length, Nsk);
    const restored = GatewayKey.fromPrivateKey(9, exported, SUPPORTED_SYMMETRIC_ALGORITHMS, kemId);
    assert.deepEqual(restored.publicKey, key.publicKey);
    const { encapsulatedRequest } = encapsulateRequest(key.config, request);
    assert.deepEqual(decapsulateRequest((id) => (id === 9 ? restored : undefined), encapsulatedRequest).request, request);
    for (const length of [Nsk - 1, Nsk + 1, 0]) {
      assert.throws(() => GatewayKey.fromPrivateKey(9, new Uint8Array(length), SUPPORTED_SYMMETRIC_ALGORITHMS, kemId), ohttpError(OhttpErrorCode.InvalidArgument));
    }
    const printed = `${String(key)} ${JSON.stringify(key)} ${inspect(key)}`;
    assert.ok(!printed.includes(Buffer.from(exported).toString("hex")));
    assert.ok(printed.includes(`kemId: ${kemId}`));
  });

  test(`${name}: shorter than hdr, enc and a tag is malformed; unknown key, other KEM, bad enc, bad tag are one error`, () => {
    const key = GatewayKey.generate(3, SUPPORTED_SYMMETRIC_ALGORITHMS, kemId);
    const lookup = (keyId: number): GatewayKey | undefined => (keyId === 3 ? key : undefined);
    const { encapsulatedRequest } = encapsulateRequest(key.config, new Uint8Array(0));
    assert.equal(encapsulatedRequest.length, 7 + Nenc + 16);
    for (const cut of [0, 6, 7, 7 + Nenc - 1, 7 + Nenc, encapsulatedRequest.length - 1]) {
      assert.equal(catchOhttp(() => decapsulateRequest(lookup, encapsulatedRequest.subarray(0, cut))).code, OhttpErrorCode.Malformed, `cut at ${cut}`);
    }
    const withByte = (at: number, xor: number): Uint8Array => {
      const copy = Uint8Array.from(encapsulatedRequest);
      copy[at] = (copy[at] as number) ^ xor;
      return copy;
    };
    const otherKem = SIZES.find((s) => s.kemId !== kemId && s.Nenc <= Nenc);
    const errors = [
      catchOhttp(() => decapsulateRequest(lookup, withByte(0, 1))), // unknown key id
      catchOhttp(() => decapsulateRequest(lookup, withByte(7, 1))), // enc, first byte
      catchOhttp(() => decapsulateRequest(lookup, withByte(7 + Nenc - 1, 0x40))), // enc, last byte
      catchOhttp(() => decapsulateRequest(lookup, withByte(encapsulatedRequest.length - 1, 1))), // tag
    ];
    if (otherKem !== undefined) {
      // The header names another KEM of ours for this key id: the dummy decryption of that KEM.
      const other = Uint8Array.from(encapsulatedRequest.subarray(0, 7 + otherKem.Nenc + 16));
      other[1] = otherKem.kemId >>> 8;
      other[2] = otherKem.kemId & 0xff;
      errors.push(catchOhttp(() => decapsulateRequest(lookup, other)));
    }
    for (const error of errors) {
      assert.equal(error.code, OhttpErrorCode.DecryptFailed);
      assert.equal(error.message, (errors[0] as Error).message);
    }
    assert.equal(decapsulateRequest(lookup, encapsulatedRequest).keyId, 3);
  });
}

test("an application/ohttp-keys list with X-Wing and X25519 keys decodes to both, in order; each opens its own requests", () => {
  const xWing = GatewayKey.generate(1, SUPPORTED_SYMMETRIC_ALGORITHMS, KemId.MlKem768X25519);
  const x25519 = GatewayKey.generate(2, SUPPORTED_SYMMETRIC_ALGORITHMS);
  const configs = decodeKeyConfigs(encodeKeyConfigs([xWing.config, x25519.config]));
  assert.deepEqual(
    configs.map((c) => [c.keyId, c.kemId, c.publicKey.length]),
    [
      [1, KemId.MlKem768X25519, 1216],
      [2, KemId.DhkemX25519HkdfSha256, 32],
    ],
  );
  const lookup = (keyId: number): GatewayKey | undefined => [xWing, x25519].find((k) => k.keyId === keyId);
  for (const config of configs) {
    const { encapsulatedRequest } = encapsulateRequest(config, request);
    assert.equal(decapsulateRequest(lookup, encapsulatedRequest).keyId, config.keyId);
  }
});

test("encapsulation to a post-quantum key refuses randomness of the wrong length and a public key of the wrong length", () => {
  const key = GatewayKey.generate(4, SUPPORTED_SYMMETRIC_ALGORITHMS, KemId.MlKem768X25519);
  assert.throws(() => encapsulateRequest(key.config, request, { ephemeralPrivateKey: new Uint8Array(32) }), ohttpError(OhttpErrorCode.InvalidArgument));
  assert.throws(() => encapsulateRequest({ ...key.config, publicKey: key.publicKey.subarray(1) }, request), ohttpError(OhttpErrorCode.InvalidArgument));
  const mlKem = GatewayKey.generate(4, SUPPORTED_SYMMETRIC_ALGORITHMS, KemId.MlKem768);
  assert.throws(() => encapsulateRequest(mlKem.config, request, { ephemeralPrivateKey: new Uint8Array(64) }), ohttpError(OhttpErrorCode.InvalidArgument));
});

test("X-Wing: an unknown key id costs a full decryption with the X-Wing dummy key (timing does not reveal it)", () => {
  const key = GatewayKey.generate(6, SUPPORTED_SYMMETRIC_ALGORITHMS, KemId.MlKem768X25519);
  const lookup = (keyId: number): GatewayKey | undefined => (keyId === 6 ? key : undefined);
  const { encapsulatedRequest } = encapsulateRequest(key.config, request);
  const unknown = Uint8Array.from(encapsulatedRequest);
  unknown[0] = 99;
  const corrupted = Uint8Array.from(encapsulatedRequest);
  corrupted[corrupted.length - 1] = (corrupted[corrupted.length - 1] as number) ^ 1;
  // The two kinds alternate, so that the machine's drift hits both alike; medians of 61 each.
  const time = (input: Uint8Array): number => {
    const start = process.hrtime.bigint();
    assert.throws(() => decapsulateRequest(lookup, input), ohttpError(OhttpErrorCode.DecryptFailed));
    return Number(process.hrtime.bigint() - start);
  };
  time(unknown); // warm-up
  time(corrupted);
  const knownTimes: number[] = [];
  const missingTimes: number[] = [];
  for (let i = 0; i < 61; i++) {
    knownTimes.push(time(corrupted));
    missingTimes.push(time(unknown));
  }
  const known = knownTimes.sort((x, y) => x - y)[30] as number;
  const missing = missingTimes.sort((x, y) => x - y)[30] as number;
  assert.ok(missing > known * 0.5, `unknown key id ${missing} ns vs. corrupted ciphertext ${known} ns`);
});

test("private key handles of every KEM and backend print no key bytes (toString, JSON, util.inspect)", () => {
  for (const kemId of [KemId.DhkemX25519HkdfSha256, KemId.MlKem768, KemId.MlKem768X25519]) {
    for (const kem of kemImplementations(kemId)) {
      const key = kem.generateKeyPair();
      const secret = Buffer.from(kem.serializePrivateKey(key)).toString("hex");
      const printed = `${String(key)} ${JSON.stringify(key)} ${inspect(key, { depth: 10, showHidden: true })}`;
      assert.ok(printed.includes("redacted"), `${kem.name} (${kem.backend})`);
      assert.ok(!printed.includes(secret.slice(0, 16)), `${kem.name} (${kem.backend})`);
      assert.ok(!/\b[0-9a-f]{2}(?: [0-9a-f]{2}){15}/.test(printed), `${kem.name} (${kem.backend}) shows bytes`);
    }
  }
});
