// RFC 9578 Appendix A.2 vectors, token type 0x0002 (test/vectors/rfc9578-type2.json, sources in the
// file): token_request from (challenge, pkS, nonce, blind, salt); token_response from skS on the
// native and the library path; the finalized token; the token key encoding and ids; verification.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey } from "node:crypto";
import {
  NativeBlindSigner,
  TokenType,
  beginTokenRequest,
  blindSignWithLibrary,
  challengeDigest,
  decodeToken,
  decodeTokenChallenge,
  decodeTokenKey,
  decodeTokenRequest,
  decodeTokenResponse,
  encodeToken,
  encodeTokenChallenge,
  encodeTokenKey,
  encodeTokenRequest,
  encodeTokenResponse,
  tokenKeyId,
  truncatedTokenKeyId,
  verifyToken,
} from "../src/index.js";
import { field, fromHex, list, readVectors, toHex } from "./helpers.js";

const vectors = list(readVectors("rfc9578-type2.json"), "vectors").map((v, i) => ({
  label: `vector ${i + 1}`,
  skS: createPrivateKey(Buffer.from(field(v, "skS"), "hex").toString("latin1")),
  pkS: fromHex(field(v, "pkS")),
  challenge: fromHex(field(v, "token_challenge")),
  nonce: fromHex(field(v, "nonce")),
  blind: fromHex(field(v, "blind")),
  salt: fromHex(field(v, "salt")),
  tokenRequest: field(v, "token_request"),
  tokenResponse: field(v, "token_response"),
  token: field(v, "token"),
}));

test("token key: encodeTokenKey(skS's public key) is pkS; token_key_id and its last byte", () => {
  for (const v of vectors) {
    assert.equal(toHex(encodeTokenKey(createPublicKey(v.skS))), toHex(v.pkS), v.label);
    assert.equal(toHex(encodeTokenKey(v.skS)), toHex(v.pkS), v.label);
    const id = tokenKeyId(v.pkS);
    assert.equal(toHex(id), v.token.slice(2 * 66, 2 * 98), v.label);
    assert.equal(truncatedTokenKeyId(v.pkS), Number.parseInt(v.tokenRequest.slice(4, 6), 16), v.label);
    assert.equal(decodeTokenKey(v.pkS).asymmetricKeyType, "rsa-pss");
  }
});

test("challenges decode and re-encode to the same bytes", () => {
  for (const v of vectors) {
    const challenge = decodeTokenChallenge(v.challenge);
    assert.equal(challenge.tokenType, TokenType.BlindRsa2048);
    assert.equal(toHex(encodeTokenChallenge(challenge)), toHex(v.challenge), v.label);
  }
});

test("client: token_request from (challenge, pkS, nonce, blind, salt), byte for byte", async () => {
  for (const v of vectors) {
    const pending = await beginTokenRequest({ challenge: v.challenge, tokenKey: v.pkS, nonce: v.nonce, blind: v.blind, salt: v.salt });
    assert.equal(toHex(encodeTokenRequest(pending.request)), v.tokenRequest, v.label);
    assert.deepEqual(decodeTokenRequest(fromHex(v.tokenRequest)), pending.request);
  }
});

test("issuer, native path: token_response from skS, byte for byte", () => {
  for (const v of vectors) {
    const request = decodeTokenRequest(fromHex(v.tokenRequest));
    const response = { blindSig: new NativeBlindSigner(v.skS).sign(request.blindedMsg) };
    assert.equal(toHex(encodeTokenResponse(response)), v.tokenResponse, v.label);
  }
});

test("issuer, library path: token_response from skS via blindrsa-ts, byte for byte", async () => {
  for (const v of vectors) {
    const request = decodeTokenRequest(fromHex(v.tokenRequest));
    assert.equal(toHex(await blindSignWithLibrary(v.skS, request.blindedMsg)), v.tokenResponse, v.label);
  }
});

test("client: finalize gives the token, byte for byte; verifyToken accepts it", async () => {
  for (const v of vectors) {
    const pending = await beginTokenRequest({ challenge: v.challenge, tokenKey: v.pkS, nonce: v.nonce, blind: v.blind, salt: v.salt });
    const token = await pending.finalize(decodeTokenResponse(fromHex(v.tokenResponse)));
    assert.equal(toHex(encodeToken(token)), v.token, v.label);
    assert.equal(toHex(token.challengeDigest), toHex(challengeDigest(v.challenge)));
    const decoded = decodeToken(fromHex(v.token));
    assert.deepEqual(decoded, token);
    assert.equal(verifyToken(decoded, decodeTokenKey(v.pkS)), true, v.label);
    assert.equal(verifyToken(decoded, createPublicKey(v.skS)), true, v.label);
  }
});

test("verifyToken refuses any one flipped bit of the token", () => {
  const v = vectors[0];
  assert.ok(v !== undefined);
  const key = decodeTokenKey(v.pkS);
  const bytes = fromHex(v.token);
  // Every byte of the authenticator input, and a spread of authenticator bytes.
  for (let at = 2; at < bytes.length; at += at < 98 ? 1 : 17) {
    const flipped = Uint8Array.from(bytes);
    flipped[at] = (flipped[at] as number) ^ 0x01;
    assert.equal(verifyToken(decodeToken(flipped), key), false, `byte ${at}`);
  }
});
