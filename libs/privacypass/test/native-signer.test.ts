// NativeBlindSigner: RFC 9474 Section 4.3 checks (exact length, m < n, m' = m after signing) and
// agreement with the library path (blindrsa-ts) on random inputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { NativeBlindSigner, PrivacyPassErrorCode, blindSignWithLibrary, encodeTokenKey } from "../src/index.js";
import { rsaPublicComponents } from "../src/rsa-key.js";
import { asPssPrivateKey, atOffset, field, freshKey, fromHex, list, ppError, readVectors, rfc9578Key, toHex } from "./helpers.js";

const { privateKey, publicKey } = freshKey();
const signer = new NativeBlindSigner(privateKey);
const n = rsaPublicComponents(publicKey).n;

/** A uniformly random 256-byte value below n (the top bit of n is set; clear it in m). */
function randomBelowN(): Uint8Array {
  const m = new Uint8Array(randomBytes(256));
  m[0] = (m[0] as number) & 0x7f;
  return m;
}

/** Signing faults are simulated by corrupting RSASP1's output, as a glitch in one CRT half would. */
class FaultySigner extends NativeBlindSigner {
  protected override rsasp1(m: Uint8Array): Uint8Array {
    const s = Uint8Array.from(super.rsasp1(m));
    s[100] = (s[100] as number) ^ 0x10;
    return s;
  }
}

/** A signer whose RSASP1 output is shorter than modulus_len (a fault of another shape). */
class TruncatingSigner extends NativeBlindSigner {
  protected override rsasp1(m: Uint8Array): Uint8Array {
    return super.rsasp1(m).subarray(1);
  }
}

test("modulusBytes is 256 for RSA-2048 and the signature verifies: s^e mod n = m", () => {
  assert.equal(signer.modulusBytes, 256);
  const m = randomBelowN();
  const s = signer.sign(m);
  assert.equal(s.length, 256);
  assert.equal(s.byteOffset, 0);
  assert.equal(s.buffer.byteLength, 256, "a fresh array, not a view into a pooled Buffer");
  const [e, mod, sig, msg] = [BigInt(`0x${toHex(rsaPublicComponents(publicKey).e)}`), BigInt(`0x${toHex(n)}`), BigInt(`0x${toHex(s)}`), BigInt(`0x${toHex(m)}`)];
  let x = 1n;
  for (let i = 0n, b = sig; i < 17n; i++, b = (b * b) % mod) if ((e >> i) & 1n) x = (x * b) % mod;
  assert.equal(x, msg);
});

test("refuses an input of the wrong length (RFC 9474 'unexpected input size')", () => {
  for (const length of [0, 1, 255, 257, 512]) {
    assert.throws(() => signer.sign(new Uint8Array(length)), ppError(PrivacyPassErrorCode.InvalidInput), `length ${length}`);
  }
});

test("refuses m >= n and accepts m = n - 1 and m = 0", () => {
  assert.throws(() => signer.sign(n), ppError(PrivacyPassErrorCode.InvalidInput));
  assert.throws(() => signer.sign(new Uint8Array(256).fill(0xff)), ppError(PrivacyPassErrorCode.InvalidInput));
  // n + 1 with its carry (n is odd, but its last byte may be 0xff: 1 key in 128), and n - 1
  // (n is odd: its last byte is at least 1, so no borrow).
  const nPlus = fromHex((BigInt(`0x${toHex(n)}`) + 1n).toString(16).padStart(512, "0"));
  assert.equal(nPlus.length, 256);
  assert.throws(() => signer.sign(nPlus), ppError(PrivacyPassErrorCode.InvalidInput));
  const nMinus = Uint8Array.from(n);
  nMinus[255] = (nMinus[255] as number) - 1;
  assert.equal(signer.sign(nMinus).length, 256);
  assert.deepEqual(signer.sign(new Uint8Array(256)), new Uint8Array(256));
});

test("a corrupted private operation is caught by the m' = m check and never returned", () => {
  const m = randomBelowN();
  assert.throws(() => new FaultySigner(privateKey).sign(m), ppError(PrivacyPassErrorCode.SigningFailure));
  assert.throws(() => new TruncatingSigner(privateKey).sign(m), ppError(PrivacyPassErrorCode.SigningFailure));
});

test("input at a non-zero offset of a larger buffer signs the same", () => {
  const m = randomBelowN();
  assert.equal(toHex(signer.sign(atOffset(m))), toHex(signer.sign(m)));
});

test("identical output to the library path (blindrsa-ts) on random inputs", async () => {
  for (let i = 0; i < 3; i++) {
    const m = randomBelowN();
    assert.equal(toHex(signer.sign(m)), toHex(await blindSignWithLibrary(privateKey, m)));
  }
  await assert.rejects(blindSignWithLibrary(privateKey, new Uint8Array(255)), ppError(PrivacyPassErrorCode.InvalidInput));
  await assert.rejects(blindSignWithLibrary(privateKey, n), ppError(PrivacyPassErrorCode.InvalidInput));
});

test("an RSA-PSS private key (SHA-384, salt 48) signs exactly like the same key as rsaEncryption", () => {
  const rfc = rfc9578Key();
  const pss = asPssPrivateKey(rfc.privateKey);
  assert.equal(pss.asymmetricKeyType, "rsa-pss");
  const v = list(readVectors("rfc9578-type2.json"), "vectors")[0];
  const blindedMsg = fromHex(field(v, "token_request")).subarray(3);
  assert.equal(toHex(new NativeBlindSigner(pss).sign(blindedMsg)), field(v, "token_response"));
  assert.equal(toHex(encodeTokenKey(createPublicKey(pss))), toHex(rfc.pkS));
});

test("the RFC 9578 key works as rsa and refuses what is not an RSA private key", () => {
  assert.equal(new NativeBlindSigner(rfc9578Key().privateKey).modulusBytes, 256);
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  assert.throws(() => new NativeBlindSigner(ec.privateKey), ppError(PrivacyPassErrorCode.InvalidKey));
  assert.throws(() => new NativeBlindSigner(publicKey), ppError(PrivacyPassErrorCode.InvalidKey));
});

test("printing a signer shows no key material", () => {
  for (const text of [String(signer), JSON.stringify({ signer }), inspect(signer)]) {
    assert.match(text, /NativeBlindSigner\(2048-bit\)/);
  }
});
