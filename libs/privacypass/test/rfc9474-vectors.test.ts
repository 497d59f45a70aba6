// RFC 9474 Appendix A vectors (test/vectors/rfc9474.json, sources recorded in the file), byte for
// byte on three paths: our client steps (blind-rsa.ts), the native signer (OpenSSL) and the library
// path (@cloudflare/blindrsa-ts, for both BlindSign and, with its randomness replayed, Blind and
// Finalize). Vector 4 comes in two published variants (see its cross_check note); both run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey, webcrypto } from "node:crypto";
import { RSABSSA } from "@cloudflare/blindrsa-ts";
import { concat } from "@oblivious/wire";
import { blind, blindRsaPublicKey, emsaPssEncode, finalize, i2osp, inverseMod, prepareIdentity, prepareRandomize } from "../src/blind-rsa.js";
import { NativeBlindSigner, blindSignWithLibrary } from "../src/index.js";
import { rsaPublicComponents } from "../src/rsa-key.js";
import { field, fromHex, list, readVectors, rsaKeyFromVector, toHex } from "./helpers.js";

const file = readVectors("rfc9474.json");
const alternate = (file as { alternate_vector4_from_blindrsa_ts: Record<string, string> }).alternate_vector4_from_blindrsa_ts;
const base = list(file, "vectors");
const vectors: { label: string; v: unknown }[] = [
  ...base.map((v, i) => ({ label: `vector ${i + 1} ${field(v, "name")}`, v })),
  { label: "vector 4, blindrsa-ts variant", v: { ...(base[3] as Record<string, string>), ...alternate } },
];

function parts(v: unknown) {
  const privateKey = rsaKeyFromVector(v);
  const pk = blindRsaPublicKey(rsaPublicComponents(createPublicKey(privateKey)));
  const n = BigInt(`0x${field(v, "n")}`);
  const r = inverseMod(BigInt(`0x${field(v, "inv")}`), n);
  assert.ok(r !== undefined);
  return { privateKey, pk, r: i2osp(r, pk.modulusLength), saltLength: fromHex(field(v, "salt")).length };
}

test("the vectors' own notes hold: prepared_msg and key sizes", () => {
  for (const { label, v } of vectors) {
    const msg = fromHex(field(v, "msg"));
    const prefix = fromHex(field(v, "msg_prefix"));
    const prepared = prefix.length === 0 ? prepareIdentity(msg) : prepareRandomize(msg, prefix);
    assert.equal(toHex(prepared), field(v, "prepared_msg"), label);
    assert.equal(toHex(concat(prefix, msg)), field(v, "prepared_msg"), label);
    assert.equal(parts(v).pk.modulusLength, 512, label);
  }
});

test("client steps: EMSA-PSS-ENCODE, Blind and Finalize reproduce encoded_msg, blinded_msg and sig", () => {
  for (const { label, v } of vectors) {
    const { pk, r, saltLength } = parts(v);
    const msg = fromHex(field(v, "prepared_msg"));
    const salt = fromHex(field(v, "salt"));
    assert.equal(toHex(emsaPssEncode(msg, pk.modulusBits - 1, saltLength, salt)), field(v, "encoded_msg"), label);
    const out = blind(pk, msg, { saltLength, salt, r });
    assert.equal(toHex(out.blindedMsg), field(v, "blinded_msg"), label);
    assert.equal(out.inv, BigInt(`0x${field(v, "inv")}`), label);
    const sig = finalize(pk, msg, fromHex(field(v, "blind_sig")), out.inv, saltLength);
    assert.equal(toHex(sig), field(v, "sig"), label);
  }
});

test("native path: NativeBlindSigner reproduces blind_sig", () => {
  for (const { label, v } of vectors) {
    const signer = new NativeBlindSigner(parts(v).privateKey);
    assert.equal(signer.modulusBytes, 512);
    assert.equal(toHex(signer.sign(fromHex(field(v, "blinded_msg")))), field(v, "blind_sig"), label);
  }
});

test("library path: blindSignWithLibrary (blindrsa-ts, about 2.5 s per 4096-bit signature) reproduces blind_sig", async () => {
  for (const { label, v } of vectors) {
    const sig = await blindSignWithLibrary(parts(v).privateKey, fromHex(field(v, "blinded_msg")));
    assert.equal(toHex(sig), field(v, "blind_sig"), label);
  }
});

test("library path: blindrsa-ts Blind and Finalize, with the vector's salt and blind replayed, agree", async () => {
  const suites = {
    "RSABSSA-SHA384-PSS-Randomized": RSABSSA.SHA384.PSS.Randomized,
    "RSABSSA-SHA384-PSSZERO-Randomized": RSABSSA.SHA384.PSSZero.Randomized,
    "RSABSSA-SHA384-PSS-Deterministic": RSABSSA.SHA384.PSS.Deterministic,
    "RSABSSA-SHA384-PSSZERO-Deterministic": RSABSSA.SHA384.PSSZero.Deterministic,
  } as const;
  const original = webcrypto.getRandomValues.bind(webcrypto);
  for (const { label, v } of vectors) {
    const { privateKey, r } = parts(v);
    const suite = suites[field(v, "name") as keyof typeof suites]({ supportsRSARAW: false });
    const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
    const publicKey = await webcrypto.subtle.importKey("spki", spki, { name: "RSA-PSS", hash: "SHA-384" }, true, ["verify"]);
    // blindrsa-ts draws the salt (EMSA-PSS-ENCODE), then r (random_integer_uniform): replay both.
    const queue = [fromHex(field(v, "salt")), r];
    function replay<T extends Parameters<typeof original>[0]>(array: T): T {
      const next = queue.shift();
      if (next === undefined) return original(array);
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(next);
      return array;
    }
    Object.defineProperty(globalThis.crypto, "getRandomValues", { value: replay, configurable: true, writable: true });
    try {
      const msg = fromHex(field(v, "prepared_msg"));
      const { blindedMsg, inv } = await suite.blind(publicKey, msg);
      assert.equal(toHex(blindedMsg), field(v, "blinded_msg"), label);
      assert.equal(toHex(inv), field(v, "inv"), label);
      const sig = await suite.finalize(publicKey, msg, fromHex(field(v, "blind_sig")), inv);
      assert.equal(toHex(sig), field(v, "sig"), label);
    } finally {
      Object.defineProperty(globalThis.crypto, "getRandomValues", { value: original, configurable: true, writable: true });
    }
  }
});
