// The type 0x0002 client (RFC 9578 Sections 6.1, 6.3), the RFC 9474 client steps, and verifyToken.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import {
  NativeBlindSigner,
  PrivacyPassErrorCode,
  beginTokenRequest,
  challengeDigest,
  decodeTokenKey,
  encodeTokenChallenge,
  encodeTokenKey,
  tokenKeyId,
  verifyToken,
} from "../src/index.js";
import type { Token } from "../src/index.js";
import { i2osp, inverseMod, isCoprime, os2ip } from "../src/blind-rsa.js";
import { rsaPublicComponents } from "../src/rsa-key.js";
import { freshKey, ppError, toHex } from "./helpers.js";

const { privateKey, publicKey } = freshKey();
const tokenKey = encodeTokenKey(publicKey);
const signer = new NativeBlindSigner(privateKey);
const challenge = encodeTokenChallenge({ tokenType: 2, issuerName: "issuer.internal", redemptionContext: new Uint8Array(0), originInfo: ["sticker-search.internal"] });

async function issue(): Promise<Token> {
  const pending = await beginTokenRequest({ challenge, tokenKey });
  return pending.finalize({ blindSig: signer.sign(pending.request.blindedMsg) });
}

test("a token issued through the client and the native signer verifies, bound to challenge and key", async () => {
  const token = await issue();
  assert.equal(token.tokenType, 2);
  assert.equal(toHex(token.challengeDigest), toHex(challengeDigest(challenge)));
  assert.equal(toHex(token.tokenKeyId), toHex(tokenKeyId(tokenKey)));
  assert.equal(verifyToken(token, decodeTokenKey(tokenKey)), true);
  assert.equal(verifyToken(token, publicKey), true);
  const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
  assert.equal(verifyToken(token, other.publicKey), false);
});

test("verifyToken answers false, never throws, for tokens or keys of the wrong shape", async () => {
  const token = await issue();
  const key = decodeTokenKey(tokenKey);
  assert.equal(verifyToken({ ...token, tokenType: 1 }, key), false);
  assert.equal(verifyToken({ ...token, nonce: new Uint8Array(31) }, key), false);
  assert.equal(verifyToken({ ...token, authenticator: token.authenticator.subarray(1) }, key), false);
  assert.equal(verifyToken({ ...token, authenticator: new Uint8Array(256) }, key), false);
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  assert.equal(verifyToken(token, ec.publicKey), false);
  const big = generateKeyPairSync("rsa", { modulusLength: 3072 });
  assert.equal(verifyToken(token, big.publicKey), false);
});

test("blinding: two requests for one nonce differ, and so do their tokens (fresh blinds and salts)", async () => {
  const nonce = new Uint8Array(32).fill(9);
  const a = await beginTokenRequest({ challenge, tokenKey, nonce });
  const b = await beginTokenRequest({ challenge, tokenKey, nonce });
  assert.notEqual(toHex(a.request.blindedMsg), toHex(b.request.blindedMsg));
  const ta = await a.finalize({ blindSig: signer.sign(a.request.blindedMsg) });
  const tb = await b.finalize({ blindSig: signer.sign(b.request.blindedMsg) });
  assert.equal(toHex(ta.nonce), toHex(tb.nonce));
  assert.notEqual(toHex(ta.authenticator), toHex(tb.authenticator), "fresh PSS salts");
});

test("finalize is single use and refuses a wrong or misshapen signature", async () => {
  const pending = await beginTokenRequest({ challenge, tokenKey });
  const other = await beginTokenRequest({ challenge, tokenKey });
  await assert.rejects(pending.finalize({ blindSig: signer.sign(other.request.blindedMsg) }), ppError(PrivacyPassErrorCode.InvalidSignature));
  await assert.rejects(pending.finalize({ blindSig: signer.sign(pending.request.blindedMsg) }), ppError(PrivacyPassErrorCode.InvalidArgument));
  const short = await beginTokenRequest({ challenge, tokenKey });
  await assert.rejects(short.finalize({ blindSig: new Uint8Array(255) }), ppError(PrivacyPassErrorCode.InvalidSignature));
  const ok = await beginTokenRequest({ challenge, tokenKey });
  const token = await ok.finalize({ blindSig: signer.sign(ok.request.blindedMsg) });
  assert.equal(verifyToken(token, publicKey), true);
  await assert.rejects(ok.finalize({ blindSig: signer.sign(ok.request.blindedMsg) }), ppError(PrivacyPassErrorCode.InvalidArgument));
});

test("the client validates the challenge and the key before blinding", async () => {
  const type1 = encodeTokenChallenge({ tokenType: 1, issuerName: "issuer.internal", redemptionContext: new Uint8Array(0), originInfo: [] });
  await assert.rejects(beginTokenRequest({ challenge: type1, tokenKey }), ppError(PrivacyPassErrorCode.UnsupportedTokenType));
  await assert.rejects(beginTokenRequest({ challenge: challenge.subarray(1), tokenKey }), ppError(PrivacyPassErrorCode.Malformed));
  // origin_info is ["sticker-search.internal"]: compared case-insensitively when the origin is given.
  await assert.rejects(beginTokenRequest({ challenge, tokenKey, origin: "telemetry.internal" }), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.ok(await beginTokenRequest({ challenge, tokenKey, origin: "Sticker-Search.Internal" }));
  const crossOrigin = encodeTokenChallenge({ tokenType: 2, issuerName: "issuer.internal", redemptionContext: new Uint8Array(0), originInfo: [] });
  assert.ok(await beginTokenRequest({ challenge: crossOrigin, tokenKey, origin: "anything.example" }));
  const rsaEncryption = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
  await assert.rejects(beginTokenRequest({ challenge, tokenKey: rsaEncryption }), ppError(PrivacyPassErrorCode.InvalidKey));
  await assert.rejects(beginTokenRequest({ challenge, tokenKey: tokenKey.subarray(0, 100) }), ppError(PrivacyPassErrorCode.Malformed));
});

test("known-answer inputs are checked: nonce, salt and blind of the wrong size or range", async () => {
  const n = rsaPublicComponents(publicKey).n;
  const bad = [
    { nonce: new Uint8Array(31) },
    { salt: new Uint8Array(47) },
    { blind: new Uint8Array(256) }, // r = 0
    { blind: n }, // r = n
    { blind: new Uint8Array(255).fill(1) },
  ];
  for (const options of bad) {
    await assert.rejects(beginTokenRequest({ challenge, tokenKey, ...options }), ppError(PrivacyPassErrorCode.InvalidArgument), JSON.stringify(Object.keys(options)));
  }
});

test("integer helpers: I2OSP/OS2IP round trip, inverse_mod, is_coprime", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
      assert.equal(toHex(i2osp(os2ip(bytes), bytes.length)), toHex(bytes));
    }),
    { numRuns: 300 },
  );
  assert.throws(() => i2osp(256n, 1), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.equal(os2ip(new Uint8Array(0)), 0n);
  const n = os2ip(rsaPublicComponents(publicKey).n);
  fc.assert(
    fc.property(fc.bigInt({ min: 1n, max: n - 1n }), (x) => {
      const inv = inverseMod(x, n);
      if (inv === undefined) assert.equal(isCoprime(x, n), false);
      else assert.equal((x * inv) % n, 1n);
    }),
    { numRuns: 200 },
  );
  assert.equal(inverseMod(6n, 9n), undefined);
  assert.equal(isCoprime(6n, 9n), false);
});
