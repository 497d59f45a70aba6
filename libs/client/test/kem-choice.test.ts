/**
 * Which gateway key a client pins from a listing that mixes KEMs (issue 17): X-Wing when offered
 * and X25519 otherwise (or the KEM it is told). The SDK is one on both platforms; the browser
 * bundle test (browser-bundle.test.ts) reruns this file under the browser condition.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { GatewayKey, KdfId, AeadId, KemId, decapsulateRequest, decodeKeyConfigs, encodeKeyConfigs } from "@oblivious/ohttp";
// The shared backend itself, without ARC (the package entries pass arc-client.js to it).
import { chooseKeyConfig, protocolBackend } from "../src/protocol-backend.js";

const SUITES = [{ kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes128Gcm }];
const xwing = GatewayKey.generate(20, SUITES, KemId.MlKem768X25519);
const mlkem = GatewayKey.generate(30, SUITES, KemId.MlKem768);
const x25519 = GatewayKey.generate(10, SUITES);
const keys = [xwing, mlkem, x25519];
const lookup = (id: number): GatewayKey | undefined => keys.find((k) => k.keyId === id);
const te = new TextEncoder();

test("X-Wing from a mixed listing, X25519 when there is no X-Wing, the KEM asked for, none when it is missing", async () => {
  const mixed = decodeKeyConfigs(encodeKeyConfigs([x25519.config, mlkem.config, xwing.config]));
  assert.deepEqual(chooseKeyConfig(mixed)?.config.keyId, 20, "X-Wing wherever it is in the list");
  assert.equal(chooseKeyConfig(mixed)?.kem, "x-wing");
  assert.equal(chooseKeyConfig(mixed, "x25519")?.config.keyId, 10);
  assert.equal(chooseKeyConfig(mixed, "ml-kem-768")?.config.keyId, 30);
  const classic = decodeKeyConfigs(encodeKeyConfigs([mlkem.config, x25519.config]));
  assert.equal(chooseKeyConfig(classic)?.kem, "x25519", "ML-KEM-768 alone is not taken without being asked for");
  assert.equal(chooseKeyConfig(classic, "x-wing"), undefined);

  for (const [kem, keyId] of [[undefined, 20], ["x25519", 10]] as const) {
    const sealer = await protocolBackend(kem === undefined ? {} : { kem }).importKeys(encodeKeyConfigs(keys.map((k) => k.config)));
    assert.equal(sealer.kem, kem ?? "x-wing");
    const sealed = await sealer.seal(te.encode("q"));
    assert.equal(sealed.encapsulatedRequest[0], keyId);
    const opened = decapsulateRequest(lookup, sealed.encapsulatedRequest);
    assert.equal(new TextDecoder().decode(await sealed.open(opened.context.encapsulateResponse(te.encode("a")))), "a");
  }
  await assert.rejects(protocolBackend({ kem: "x-wing" }).importKeys(encodeKeyConfigs([x25519.config])), /no usable key configuration/);
});
