/**
 * The client half of the library on both platforms: `#primitives` resolves to node:crypto under
 * Node and to @noble under the `browser` condition; both give the same digests, the client reads
 * token keys without node:crypto, its bigint RSASSA-PSS-VERIFY agrees with OpenSSL's, and the
 * vector and client test files pass again in a child Node that resolves the package as a browser
 * bundler does.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { expectedPlatform, runUnderBrowserCondition } from "@oblivious/wire/test-support";
import { primitives } from "#primitives";
import { blindRsaPublicKey, rsassaPssVerify } from "../src/blind-rsa.js";
import { NativeBlindSigner, beginTokenRequest, decodeTokenKey, encodeTokenChallenge, encodeTokenKey, verifyToken } from "../src/index.js";
import { primitives as nodePrimitives } from "../src/primitives-node.js";
import { primitives as webPrimitives } from "../src/primitives-web.js";
import { rsaPublicComponents } from "../src/rsa-key.js";
import { tokenKeyComponents } from "../src/token-key-spki.js";
import { ppError, rfc9578Key } from "./helpers.js";

/** An RSASSA-PSS public key as OpenSSL writes it (@types/node 20 lacks these option names). */
function pssKey(modulusLength: number, saltLength: number): KeyObject {
  const generate = generateKeyPairSync as unknown as (type: "rsa-pss", options: Record<string, unknown>) => { publicKey: KeyObject };
  return generate("rsa-pss", { modulusLength, hashAlgorithm: "sha384", mgf1HashAlgorithm: "sha384", saltLength }).publicKey;
}
const expected = expectedPlatform();

test(`the client resolves its primitives to the ${expected} implementation`, () => {
  assert.equal(primitives.platform, expected);
});

test("node:crypto and @noble digests agree", () => {
  for (let i = 0; i < 50; i++) {
    const parts = [randomBytes(i), randomBytes(7 * i)];
    assert.deepEqual(webPrimitives.sha256(parts), nodePrimitives.sha256(parts));
    assert.deepEqual(webPrimitives.sha384(parts), nodePrimitives.sha384(parts));
  }
  assert.equal(webPrimitives.randomBytes(70_000).length, 70_000);
});

test("token keys read without node:crypto: the RFC 9578 form and OpenSSL's, nothing else", () => {
  const { pkS, publicKey } = rfc9578Key();
  assert.deepEqual(tokenKeyComponents(pkS), { n: new Uint8Array(rsaPublicComponents(publicKey).n), e: new Uint8Array(rsaPublicComponents(publicKey).e) });
  const pss = pssKey(2048, 48);
  const openssl = new Uint8Array(pss.export({ format: "der", type: "spki" }));
  assert.deepEqual(tokenKeyComponents(openssl).n, new Uint8Array(rsaPublicComponents(pss).n));
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey;
  assert.throws(() => tokenKeyComponents(new Uint8Array(rsa.export({ format: "der", type: "spki" }))), ppError("invalid-key"));
  const salt32 = pssKey(2048, 32);
  assert.throws(() => tokenKeyComponents(new Uint8Array(salt32.export({ format: "der", type: "spki" }))), ppError("invalid-key"));
  const small = pssKey(1024, 48);
  assert.throws(() => tokenKeyComponents(new Uint8Array(small.export({ format: "der", type: "spki" }))), ppError("invalid-key"));
  assert.throws(() => tokenKeyComponents(Uint8Array.of(...pkS, 0)), ppError("malformed"));
  assert.throws(() => tokenKeyComponents(pkS.subarray(0, 100)), ppError("malformed"));
});

test("the bigint RSASSA-PSS-VERIFY agrees with OpenSSL's on valid and tampered tokens", async () => {
  const { privateKey, pkS } = rfc9578Key();
  const signer = new NativeBlindSigner(privateKey);
  const challenge = encodeTokenChallenge({ tokenType: 2, issuerName: "issuer.example", redemptionContext: new Uint8Array(0), originInfo: [] });
  const pk = blindRsaPublicKey(tokenKeyComponents(pkS));
  for (let i = 0; i < 6; i++) {
    const pending = await beginTokenRequest({ challenge, tokenKey: pkS });
    const token = await pending.finalize({ blindSig: signer.sign(pending.request.blindedMsg) });
    const input = new Uint8Array([0, 2, ...token.nonce, ...token.challengeDigest, ...token.tokenKeyId]);
    assert.equal(rsassaPssVerify(pk, input, token.authenticator, 48), true);
    assert.equal(verifyToken(token, decodeTokenKey(encodeTokenKey(createPublicKey(privateKey)))), true);
    const bad = Uint8Array.from(token.authenticator);
    bad[i * 40] = (bad[i * 40] as number) ^ 0x10;
    assert.equal(rsassaPssVerify(pk, input, bad, 48), false);
    assert.equal(verifyToken({ ...token, authenticator: bad }, decodeTokenKey(pkS)), false);
    assert.equal(rsassaPssVerify(pk, input.map((b, j) => (j === 3 ? b ^ 1 : b)), token.authenticator, 48), false);
    assert.equal(rsassaPssVerify(pk, input, token.authenticator, 32), false);
  }
});

const FILES = ["platforms", "rfc9474-vectors", "rfc9578-vectors", "batched", "client", "auth-header", "codecs", "directory-and-keys", "interop"];

test("under the browser condition the vector and client tests pass on the @noble primitives", { skip: expected !== "node", timeout: 300_000 }, async () => {
  const run = await runUnderBrowserCondition(new URL(".", import.meta.url), FILES);
  assert.equal(run.fail, 0, run.tail);
  assert.ok(run.pass >= 60, `passed ${run.pass}`);
});
