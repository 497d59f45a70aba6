import { test } from "node:test";
import assert from "node:assert/strict";
import { fromHex, toHex } from "@oblivious/wire";
import { deriveResponseKeys, buildInfo, encodeHeader } from "../src/encapsulation.js";
import { Hpke } from "../src/hpke.js";
import { kemX25519 } from "../src/kem-x25519.js";
import {
  AeadId,
  GatewayKey,
  KdfId,
  KemId,
  OhttpErrorCode,
  decapsulateRequest,
  decodeKeyConfig,
  decodeKeyConfigs,
  encapsulateRequest,
  encodeKeyConfig,
  encodeKeyConfigs,
} from "../src/index.js";
import { field, ohttpError, readVectors } from "./helpers.js";

// RFC 9458 Appendix A, "Complete Example of a Request and Response" (source in the file).
const vectors = readVectors("rfc9458-appendix-a.json");
const hex = (key: string): Uint8Array => fromHex(field(vectors, key));

const gatewayKey = GatewayKey.fromPrivateKey(1, hex("gateway_private_key_skR"), [
  { kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes128Gcm },
  { kdfId: KdfId.HkdfSha256, aeadId: AeadId.ChaCha20Poly1305 },
]);
const lookup = (keyId: number): GatewayKey | undefined => (keyId === gatewayKey.keyId ? gatewayKey : undefined);

test("RFC 9458 A: the key configuration and its application/ohttp-keys encoding", () => {
  assert.equal(toHex(gatewayKey.publicKey), field(vectors, "gateway_public_key_pkR"));
  assert.equal(toHex(encodeKeyConfig(gatewayKey.config)), field(vectors, "key_config"));
  assert.equal(toHex(encodeKeyConfigs([gatewayKey.config])), field(vectors, "application_ohttp_keys_derived"));

  const config = decodeKeyConfig(hex("key_config"));
  assert.equal(config.keyId, Number.parseInt(field(vectors, "key_config_fields", "key_id"), 16));
  assert.equal(config.kemId, Number.parseInt(field(vectors, "key_config_fields", "kem_id"), 16));
  assert.equal(toHex(config.publicKey), field(vectors, "key_config_fields", "public_key"));
  assert.deepEqual(config.symmetricAlgorithms, [
    { kdfId: Number.parseInt(field(vectors, "key_config_fields", "symmetric_algorithms", 0, "kdf_id"), 16), aeadId: Number.parseInt(field(vectors, "key_config_fields", "symmetric_algorithms", 0, "aead_id"), 16) },
    { kdfId: Number.parseInt(field(vectors, "key_config_fields", "symmetric_algorithms", 1, "kdf_id"), 16), aeadId: Number.parseInt(field(vectors, "key_config_fields", "symmetric_algorithms", 1, "aead_id"), 16) },
  ]);
  assert.deepEqual(decodeKeyConfigs(hex("application_ohttp_keys_derived")), [config]);
  assert.equal(toHex(gatewayKey.exportPrivateKey()), field(vectors, "gateway_private_key_skR"));
});

test("RFC 9458 A: the gateway decapsulates the example request to its exact bytes", () => {
  const { request, keyId, enc } = decapsulateRequest(lookup, hex("encapsulated_request"));
  assert.equal(toHex(request), field(vectors, "request_bhttp"));
  assert.equal(keyId, 1);
  assert.equal(toHex(enc), field(vectors, "client_ephemeral_public_key_enc"));
  assert.equal(hex("encapsulated_request").length, Number(field(vectors, "encapsulated_request_length")));
});

test("RFC 9458 A: the client with the example's skE reproduces the encapsulated request", () => {
  const config = decodeKeyConfig(hex("key_config"));
  const { encapsulatedRequest } = encapsulateRequest(config, hex("request_bhttp"), {
    suite: { kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes128Gcm },
    ephemeralPrivateKey: hex("client_ephemeral_private_key_skE"),
  });
  assert.equal(toHex(encapsulatedRequest), field(vectors, "encapsulated_request"));
  // The default suite is the configuration's first, which is the example's.
  const again = encapsulateRequest(config, hex("request_bhttp"), { ephemeralPrivateKey: hex("client_ephemeral_private_key_skE") });
  assert.equal(toHex(again.encapsulatedRequest), field(vectors, "encapsulated_request"));
});

test("RFC 9458 A: the response opens for the client, and the gateway reproduces it with the example's nonce", () => {
  const { context: client } = encapsulateRequest(decodeKeyConfig(hex("key_config")), hex("request_bhttp"), {
    ephemeralPrivateKey: hex("client_ephemeral_private_key_skE"),
  });
  assert.equal(toHex(client.decapsulateResponse(hex("encapsulated_response"))), field(vectors, "response_bhttp"));

  const { context: server } = decapsulateRequest(lookup, hex("encapsulated_request"));
  const response = server.encapsulateResponse(hex("response_bhttp"), { responseNonce: hex("response_nonce") });
  assert.equal(toHex(response), field(vectors, "encapsulated_response"));
  assert.equal(response.length, Number(field(vectors, "encapsulated_response_length")));
});

test("RFC 9458 A: intermediate values (hdr, info, exported secret, salt, prk, AEAD key and nonce)", () => {
  const suite = { kemId: KemId.DhkemX25519HkdfSha256, kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes128Gcm } as const;
  const hdr = encodeHeader(1, suite);
  const info = buildInfo("message/bhttp request", hdr);
  assert.equal(toHex(info), field(vectors, "hpke_info"));
  assert.equal(toHex(hdr), field(vectors, "encapsulated_request").slice(0, 14));

  const hpke = Hpke.for(suite);
  const enc = hex("client_ephemeral_public_key_enc");
  const rctxt = hpke.setupBaseR(enc, kemX25519.deserializePrivateKey(hex("gateway_private_key_skR")), info);
  const keys = deriveResponseKeys(hpke, rctxt, enc, hex("response_nonce"), "message/bhttp response");
  assert.equal(toHex(keys.secret), field(vectors, "response_export_secret"));
  assert.equal(toHex(keys.salt), field(vectors, "response_salt"));
  assert.equal(toHex(keys.prk), field(vectors, "response_prk"));
  assert.equal(toHex(keys.aeadKey), field(vectors, "response_aead_key"));
  assert.equal(toHex(keys.aeadNonce), field(vectors, "response_aead_nonce"));

  const { enc: senderEnc } = hpke.setupBaseS(hex("gateway_public_key_pkR"), info, { ephemeralPrivateKey: hex("client_ephemeral_private_key_skE") });
  assert.equal(toHex(senderEnc), field(vectors, "client_ephemeral_public_key_enc"));
});

test("RFC 9458 A: the example request under other labels does not open", () => {
  assert.throws(
    () => decapsulateRequest(lookup, hex("encapsulated_request"), { labels: { request: "message/other request", response: "message/other response" } }),
    ohttpError(OhttpErrorCode.DecryptFailed),
  );
});
