import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { concat, fromHex, toHex } from "@oblivious/wire";
import {
  AeadId,
  GatewayKey,
  KdfId,
  OhttpErrorCode,
  SUPPORTED_SYMMETRIC_ALGORITHMS,
  decapsulateRequest,
  encapsulateRequest,
} from "../src/index.js";
import type { KeyConfig } from "../src/index.js";
import { catchOhttp, field, ohttpError, readVectors } from "./helpers.js";

const AEADS = [AeadId.Aes128Gcm, AeadId.Aes256Gcm, AeadId.ChaCha20Poly1305] as const;
const key = GatewayKey.generate(7, SUPPORTED_SYMMETRIC_ALGORITHMS);
const lookup = (keyId: number): GatewayKey | undefined => (keyId === key.keyId ? key : undefined);
const request = new TextEncoder().encode("a binary HTTP request");
const response = new TextEncoder().encode("a binary HTTP response, a little longer than the request");

const vectors = readVectors("rfc9458-appendix-a.json");
const rfcKey = GatewayKey.fromPrivateKey(1, fromHex(field(vectors, "gateway_private_key_skR")), [
  { kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes128Gcm },
  { kdfId: KdfId.HkdfSha256, aeadId: AeadId.ChaCha20Poly1305 },
]);
const rfcLookup = (keyId: number): GatewayKey | undefined => (keyId === 1 ? rfcKey : undefined);
const rfcRequest = fromHex(field(vectors, "encapsulated_request"));
const rfcResponse = fromHex(field(vectors, "encapsulated_response"));
const rfcClient = (): ReturnType<typeof encapsulateRequest> =>
  encapsulateRequest(rfcKey.config, fromHex(field(vectors, "request_bhttp")), { ephemeralPrivateKey: fromHex(field(vectors, "client_ephemeral_private_key_skE")) });

for (const aeadId of AEADS) {
  test(`round trip with AEAD ${aeadId}: sizes as RFC 9458 Section 4 gives them`, () => {
    const suite = { kdfId: KdfId.HkdfSha256, aeadId };
    const { encapsulatedRequest, context: client } = encapsulateRequest(key.config, request, { suite });
    assert.equal(encapsulatedRequest.length, 7 + 32 + request.length + 16);
    assert.deepEqual(client.suite, { kemId: 0x0020, ...suite });
    const { request: opened, keyId, enc, context: server } = decapsulateRequest(lookup, encapsulatedRequest);
    assert.deepEqual(opened, request);
    assert.equal(keyId, 7);
    assert.deepEqual(enc, encapsulatedRequest.subarray(7, 39));
    const encapsulatedResponse = server.encapsulateResponse(response);
    const nonceLength = aeadId === AeadId.Aes128Gcm ? 16 : 32;
    assert.equal(encapsulatedResponse.length, nonceLength + response.length + 16);
    assert.deepEqual(client.decapsulateResponse(encapsulatedResponse), response);
  });
}

test("empty request and response: the shortest messages", () => {
  const { encapsulatedRequest, context: client } = encapsulateRequest(key.config, new Uint8Array(0));
  assert.equal(encapsulatedRequest.length, 55);
  const { request: opened, context: server } = decapsulateRequest(lookup, encapsulatedRequest);
  assert.equal(opened.length, 0);
  const encapsulatedResponse = server.encapsulateResponse(new Uint8Array(0));
  assert.equal(encapsulatedResponse.length, 32);
  assert.equal(client.decapsulateResponse(encapsulatedResponse).length, 0);
});

test("labels are a parameter (RFC 9458 Section 4.6); both sides must agree", () => {
  const labels = { request: "message/example request", response: "message/example response" };
  const { encapsulatedRequest, context: client } = encapsulateRequest(key.config, request, { labels });
  assert.throws(() => decapsulateRequest(lookup, encapsulatedRequest), ohttpError(OhttpErrorCode.DecryptFailed));
  const { request: opened, context: server } = decapsulateRequest(lookup, encapsulatedRequest, { labels });
  assert.deepEqual(opened, request);
  assert.deepEqual(client.decapsulateResponse(server.encapsulateResponse(response)), response);

  // A response sealed under another response label does not open.
  const other = encapsulateRequest(key.config, request, { labels: { request: labels.request, response: "message/other response" } });
  const { context: server2 } = decapsulateRequest(lookup, other.encapsulatedRequest, { labels });
  assert.throws(() => other.context.decapsulateResponse(server2.encapsulateResponse(response)), ohttpError(OhttpErrorCode.DecryptFailed));

  assert.throws(() => encapsulateRequest(key.config, request, { labels: { request: "caf\u00e9", response: "x" } }), ohttpError(OhttpErrorCode.InvalidArgument));
  assert.throws(() => decapsulateRequest(lookup, encapsulatedRequest, { labels: { request: "x", response: "\u2603" } }), ohttpError(OhttpErrorCode.InvalidArgument));
});

test("response contexts are single use, on both sides", () => {
  const { encapsulatedRequest, context: client } = encapsulateRequest(key.config, request);
  const { context: server } = decapsulateRequest(lookup, encapsulatedRequest);
  // A bad nonce is the caller's mistake and does not use the context up.
  assert.throws(() => server.encapsulateResponse(response, { responseNonce: new Uint8Array(15) }), ohttpError(OhttpErrorCode.InvalidArgument));
  const encapsulatedResponse = server.encapsulateResponse(response);
  assert.throws(() => server.encapsulateResponse(response), ohttpError(OhttpErrorCode.ContextUsed));
  assert.deepEqual(client.decapsulateResponse(encapsulatedResponse), response);
  assert.throws(() => client.decapsulateResponse(encapsulatedResponse), ohttpError(OhttpErrorCode.ContextUsed));

  // A failed first attempt uses the client's context up as well.
  const second = encapsulateRequest(key.config, request);
  const { context: server2 } = decapsulateRequest(lookup, second.encapsulatedRequest);
  const good = server2.encapsulateResponse(response);
  const bad = Uint8Array.from(good);
  bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
  assert.throws(() => second.context.decapsulateResponse(bad), ohttpError(OhttpErrorCode.DecryptFailed));
  assert.throws(() => second.context.decapsulateResponse(good), ohttpError(OhttpErrorCode.ContextUsed));
});

test("a response to another request does not open", () => {
  const a = encapsulateRequest(key.config, request);
  const b = encapsulateRequest(key.config, request);
  const { context: serverB } = decapsulateRequest(lookup, b.encapsulatedRequest);
  assert.throws(() => a.context.decapsulateResponse(serverB.encapsulateResponse(response)), ohttpError(OhttpErrorCode.DecryptFailed));
});

test("unknown key id, unaccepted KEM/KDF/AEAD, corrupted ciphertext: one code, one message", () => {
  const chachaOnly = GatewayKey.generate(3, [{ kdfId: KdfId.HkdfSha256, aeadId: AeadId.ChaCha20Poly1305 }]);
  const { encapsulatedRequest } = encapsulateRequest(chachaOnly.config, request);
  const only = (keyId: number): GatewayKey | undefined => (keyId === 3 ? chachaOnly : undefined);
  const withByte = (at: number, value: number): Uint8Array => {
    const copy = Uint8Array.from(encapsulatedRequest);
    copy[at] = value;
    return copy;
  };
  const corrupted = withByte(encapsulatedRequest.length - 1, (encapsulatedRequest[encapsulatedRequest.length - 1] as number) ^ 0x80);
  const errors = [
    catchOhttp(() => decapsulateRequest(only, withByte(0, 4))), // unknown key id
    catchOhttp(() => decapsulateRequest(() => undefined, encapsulatedRequest)), // no keys at all
    catchOhttp(() => decapsulateRequest(() => chachaOnly, withByte(0, 4))), // lookup returns a key with another id
    catchOhttp(() => decapsulateRequest(only, withByte(2, 0x21))), // KEM 0x0021
    catchOhttp(() => decapsulateRequest(only, withByte(4, 0x02))), // KDF 0x0002
    catchOhttp(() => decapsulateRequest(only, withByte(6, 0x01))), // AEAD AES-128-GCM, not accepted by this key
    catchOhttp(() => decapsulateRequest(only, withByte(6, 0x09))), // AEAD 0x0009, unknown
    catchOhttp(() => decapsulateRequest(only, corrupted)), // AEAD open fails
    catchOhttp(() => decapsulateRequest(only, concat(encapsulatedRequest.subarray(0, 7), new Uint8Array(32), encapsulatedRequest.subarray(39)))), // low-order enc
  ];
  for (const error of errors) {
    assert.equal(error.code, OhttpErrorCode.DecryptFailed);
    assert.equal(error.message, (errors[0] as Error).message);
  }
  assert.equal(decapsulateRequest(only, encapsulatedRequest).keyId, 3);
});

test("too short for hdr, enc and a tag is malformed, whatever the header says", () => {
  const { encapsulatedRequest } = encapsulateRequest(key.config, new Uint8Array(0));
  for (let cut = 0; cut < encapsulatedRequest.length; cut++) {
    const error = catchOhttp(() => decapsulateRequest(lookup, encapsulatedRequest.subarray(0, cut)));
    assert.equal(error.code, OhttpErrorCode.Malformed, `request cut at byte ${cut}`);
  }
  const { context } = decapsulateRequest(lookup, encapsulatedRequest);
  const encapsulatedResponse = context.encapsulateResponse(new Uint8Array(0));
  for (let cut = 0; cut < encapsulatedResponse.length; cut++) {
    const { encapsulatedRequest: again, context: client } = encapsulateRequest(key.config, new Uint8Array(0));
    decapsulateRequest(lookup, again);
    const error = catchOhttp(() => client.decapsulateResponse(encapsulatedResponse.subarray(0, cut)));
    assert.equal(error.code, OhttpErrorCode.Malformed, `response cut at byte ${cut}`);
  }
});

test("every single-bit flip of the RFC's request and response fails with the uniform error", () => {
  assert.equal(toHex(decapsulateRequest(rfcLookup, rfcRequest).request), field(vectors, "request_bhttp"));
  for (let bit = 0; bit < rfcRequest.length * 8; bit++) {
    const flipped = Uint8Array.from(rfcRequest);
    flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
    const error = catchOhttp(() => decapsulateRequest(rfcLookup, flipped));
    assert.equal(error.code, OhttpErrorCode.DecryptFailed, `request bit ${bit}`);
  }
  for (let bit = 0; bit < rfcResponse.length * 8; bit++) {
    const flipped = Uint8Array.from(rfcResponse);
    flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
    const error = catchOhttp(() => rfcClient().context.decapsulateResponse(flipped));
    assert.equal(error.code, OhttpErrorCode.DecryptFailed, `response bit ${bit}`);
  }
  assert.equal(toHex(rfcClient().context.decapsulateResponse(rfcResponse)), field(vectors, "response_bhttp"));
});

test("messages given at a non-zero offset of a larger buffer", () => {
  const before = new Uint8Array(13).fill(0xee);
  const after = new Uint8Array(5).fill(0xdd);
  const big = concat(before, rfcRequest, after);
  const view = big.subarray(before.length, before.length + rfcRequest.length);
  const { request: opened, context } = decapsulateRequest(rfcLookup, view);
  assert.equal(toHex(opened), field(vectors, "request_bhttp"));
  const encapsulatedResponse = context.encapsulateResponse(fromHex(field(vectors, "response_bhttp")), { responseNonce: fromHex(field(vectors, "response_nonce")) });
  const bigResponse = concat(before, encapsulatedResponse, after);
  const responseView = bigResponse.subarray(before.length, before.length + encapsulatedResponse.length);
  assert.equal(toHex(rfcClient().context.decapsulateResponse(responseView)), field(vectors, "response_bhttp"));
  // The same bytes with their neighbours are not the same message.
  assert.throws(() => decapsulateRequest(rfcLookup, big.subarray(before.length)), ohttpError(OhttpErrorCode.DecryptFailed));
});

test("the returned enc is a copy: reusing the input buffer changes nothing", () => {
  const { encapsulatedRequest, context: client } = encapsulateRequest(key.config, request);
  const input = Uint8Array.from(encapsulatedRequest);
  const { enc, context: server } = decapsulateRequest(lookup, input);
  input.fill(0);
  assert.deepEqual(enc, encapsulatedRequest.subarray(7, 39));
  assert.deepEqual(client.decapsulateResponse(server.encapsulateResponse(response)), response);
});

test("encapsulation refuses bad arguments with invalid-argument", () => {
  const aesOnly = GatewayKey.generate(2, [{ kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes128Gcm }]);
  const bad: [KeyConfig, object][] = [
    [aesOnly.config, { suite: { kdfId: KdfId.HkdfSha256, aeadId: AeadId.ChaCha20Poly1305 } }],
    [aesOnly.config, { ephemeralPrivateKey: new Uint8Array(31) }],
    [{ ...aesOnly.config, publicKey: new Uint8Array(31) }, {}],
    [{ ...aesOnly.config, publicKey: new Uint8Array(32) }, {}], // low order: no usable shared secret
    [{ ...aesOnly.config, keyId: 256 }, {}],
    [{ ...aesOnly.config, symmetricAlgorithms: [] }, {}],
  ];
  for (const [config, options] of bad) {
    assert.throws(() => encapsulateRequest(config, request, options), ohttpError(OhttpErrorCode.InvalidArgument));
  }
});

test("an unknown key id costs a full decryption (timing does not reveal it)", () => {
  const { encapsulatedRequest } = encapsulateRequest(key.config, request);
  const unknown = Uint8Array.from(encapsulatedRequest);
  unknown[0] = 99;
  const corrupted = Uint8Array.from(encapsulatedRequest);
  corrupted[corrupted.length - 1] = (corrupted[corrupted.length - 1] as number) ^ 1;
  const median = (input: Uint8Array): number => {
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      const start = process.hrtime.bigint();
      try {
        decapsulateRequest(lookup, input);
      } catch {
        // expected
      }
      times.push(Number(process.hrtime.bigint() - start));
    }
    return times.sort((a, b) => a - b)[150] as number;
  };
  median(unknown); // warm-up
  const known = median(corrupted);
  const missing = median(unknown);
  // Without the dummy decryption an unknown key id costs a small fraction of a real one; the bound is loose
  // so that a busy machine does not fail the test.
  assert.ok(missing > known * 0.5, `unknown key id ${missing} ns vs. corrupted ciphertext ${known} ns`);
});

test("gateway keys: constructors, export, redaction", () => {
  const generated = GatewayKey.generate(9, SUPPORTED_SYMMETRIC_ALGORITHMS);
  const privateKey = generated.exportPrivateKey();
  assert.equal(privateKey.length, 32);
  const restored = GatewayKey.fromPrivateKey(9, privateKey, SUPPORTED_SYMMETRIC_ALGORITHMS);
  assert.deepEqual(restored.publicKey, generated.publicKey);
  assert.deepEqual(restored.config, generated.config);
  assert.equal(restored.config.keyId, 9);
  assert.ok(restored.supports(KdfId.HkdfSha256, AeadId.Aes256Gcm));
  assert.ok(!rfcKey.supports(KdfId.HkdfSha256, AeadId.Aes256Gcm));

  const privateHex = toHex(privateKey);
  const publicHex = toHex(generated.publicKey);
  for (const printed of [String(generated), `${generated}`, JSON.stringify(generated), inspect(generated), inspect({ nested: generated }, { depth: 5 })]) {
    assert.ok(printed.includes("[redacted]"), printed);
    assert.ok(!printed.includes(privateHex) && !printed.includes(publicHex), printed);
    assert.ok(!printed.includes(Buffer.from(privateKey).toString("base64url")), printed);
  }
  const { encapsulatedRequest, context: client } = encapsulateRequest(generated.config, request);
  const { context: server } = decapsulateRequest(() => restored, encapsulatedRequest);
  for (const context of [client, server]) {
    assert.match(inspect(context), /^\w+ResponseContext \{ \[redacted\] \}$/);
    assert.equal(JSON.stringify(context), '{"redacted":true}');
  }

  for (const make of [
    () => GatewayKey.generate(256, SUPPORTED_SYMMETRIC_ALGORITHMS),
    () => GatewayKey.generate(-1, SUPPORTED_SYMMETRIC_ALGORITHMS),
    () => GatewayKey.generate(1, []),
    () => GatewayKey.generate(1, [SUPPORTED_SYMMETRIC_ALGORITHMS[0], SUPPORTED_SYMMETRIC_ALGORITHMS[0]].filter((a) => a !== undefined)),
    () => GatewayKey.generate(1, [{ kdfId: 2 as KdfId, aeadId: AeadId.Aes128Gcm }]),
    () => GatewayKey.fromPrivateKey(1, new Uint8Array(31), SUPPORTED_SYMMETRIC_ALGORITHMS),
    () => GatewayKey.fromPrivateKey(1, new Uint8Array(33), SUPPORTED_SYMMETRIC_ALGORITHMS),
  ]) {
    assert.throws(make, ohttpError(OhttpErrorCode.InvalidArgument));
  }
});
