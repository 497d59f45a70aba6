// Interoperability with @cloudflare/privacypass-ts 0.9.0 (an independent implementation), in both
// directions, in process. It reads whole ArrayBuffers in places, so every byte string handed to it
// is a fresh copy at offset 0 (`own`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { KeyObject } from "node:crypto";
import {
  AuthorizationHeader,
  MediaType as PpMediaType,
  PRIVATE_TOKEN_ISSUER_DIRECTORY,
  TOKEN_TYPES,
  Token as PpToken,
  TokenChallenge as PpTokenChallenge,
  WWWAuthenticateHeader,
  genericBatched,
  publicVerif,
} from "@cloudflare/privacypass-ts";
import {
  ISSUER_DIRECTORY_PATH,
  MediaType,
  NativeBlindSigner,
  beginTokenRequest,
  decodeBatchedTokenRequest,
  decodeBatchedTokenResponse,
  decodeToken,
  decodeTokenChallenge,
  decodeTokenKey,
  decodeTokenRequest,
  decodeTokenResponse,
  encodeBatchedTokenRequest,
  encodeBatchedTokenResponse,
  encodeToken,
  encodeTokenChallenge,
  encodeTokenKey,
  encodeTokenRequest,
  encodeTokenResponse,
  formatAuthorization,
  formatWwwAuthenticate,
  parseAuthorization,
  parseWwwAuthenticate,
  verifyToken,
} from "../src/index.js";
import type { TokenChallenge } from "../src/index.js";
import { freshKey, own, toHex } from "./helpers.js";

const { BlindRSAMode, Client, Issuer, Origin, TokenRequest: PpTokenRequest, TokenResponse: PpTokenResponse, getPublicKeyBytes } = publicVerif;
const BLIND_RSA = TOKEN_TYPES.BLIND_RSA;

const context = new Uint8Array(32).fill(3);
const ours: TokenChallenge = { tokenType: 2, issuerName: "issuer.example", redemptionContext: context, originInfo: ["origin.example", "other.example"] };
const theirs = new PpTokenChallenge(2, "issuer.example", own(context), ["origin.example", "other.example"]);

test("constants: media types and the directory path match", () => {
  assert.equal(MediaType.TokenRequest, PpMediaType.PRIVATE_TOKEN_REQUEST);
  assert.equal(MediaType.TokenResponse, PpMediaType.PRIVATE_TOKEN_RESPONSE);
  assert.equal(MediaType.IssuerDirectory, PpMediaType.PRIVATE_TOKEN_ISSUER_DIRECTORY);
  assert.equal(MediaType.BatchedTokenRequest, PpMediaType.GENERIC_BATCHED_TOKEN_REQUEST);
  assert.equal(MediaType.BatchedTokenResponse, PpMediaType.GENERIC_BATCHED_TOKEN_RESPONSE);
  assert.equal(ISSUER_DIRECTORY_PATH, PRIVATE_TOKEN_ISSUER_DIRECTORY);
});

test("TokenChallenge: same bytes both ways", () => {
  const bytes = encodeTokenChallenge(ours);
  assert.equal(toHex(theirs.serialize()), toHex(bytes));
  assert.deepEqual(decodeTokenChallenge(theirs.serialize()), ours);
  const parsed = PpTokenChallenge.deserialize(own(bytes));
  assert.deepEqual([parsed.tokenType, parsed.issuerName, toHex(parsed.redemptionContext), parsed.originInfo], [2, "issuer.example", toHex(context), ["origin.example", "other.example"]]);
});

test("token keys: their SPKI for a WebCrypto key is ours, byte for byte", async () => {
  const pair = await Issuer.generateKey(BlindRSAMode.PSS, { modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1) });
  const theirSpki = await getPublicKeyBytes(pair.publicKey);
  assert.equal(toHex(encodeTokenKey(KeyObject.from(pair.publicKey))), toHex(theirSpki));
  assert.equal(decodeTokenKey(theirSpki).asymmetricKeyType, "rsa-pss");
});

test("their client, our issuer: their TokenRequest decodes, our TokenResponse finalizes, the token verifies on both sides", async () => {
  const { privateKey, publicKey } = freshKey();
  const tokenKey = encodeTokenKey(publicKey);
  const client = new Client(BlindRSAMode.PSS);
  const request = await client.createTokenRequest(theirs, own(tokenKey));
  const decoded = decodeTokenRequest(request.serialize());
  assert.equal(decoded.truncatedTokenKeyId, request.truncatedTokenKeyId);
  const response = encodeTokenResponse({ blindSig: new NativeBlindSigner(privateKey).sign(decoded.blindedMsg) });
  const token = await client.finalize(client.deserializeTokenResponse(own(response)));
  const ourToken = decodeToken(token.serialize());
  assert.equal(verifyToken(ourToken, decodeTokenKey(tokenKey)), true);
  const cryptoKey = await crypto.subtle.importKey("spki", publicKey.export({ format: "der", type: "spki" }), { name: "RSA-PSS", hash: "SHA-384" }, true, ["verify"]);
  assert.equal(await new Origin(BlindRSAMode.PSS).verify(token, cryptoKey), true);
});

test("our client, their issuer: our TokenRequest is served, their TokenResponse finalizes, the token verifies on both sides", async () => {
  const pair = await Issuer.generateKey(BlindRSAMode.PSS, { modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1) });
  const issuer = new Issuer(BlindRSAMode.PSS, "issuer.example", pair.privateKey, pair.publicKey);
  const tokenKey = await getPublicKeyBytes(pair.publicKey);
  const pending = await beginTokenRequest({ challenge: encodeTokenChallenge(ours), tokenKey });
  const theirRequest = PpTokenRequest.deserialize(BLIND_RSA, own(encodeTokenRequest(pending.request)));
  const theirResponse = await issuer.issue(theirRequest);
  const token = await pending.finalize(decodeTokenResponse(theirResponse.serialize()));
  assert.equal(verifyToken(token, decodeTokenKey(tokenKey)), true);
  const theirToken = PpToken.deserialize(BLIND_RSA, own(encodeToken(token)));
  assert.equal(await issuer.verify(theirToken), true);
  assert.equal(await new Origin(BlindRSAMode.PSS).verify(theirToken, pair.publicKey), true);
  assert.equal(toHex(theirToken.serialize()), toHex(encodeToken(token)));
});

test("WWW-Authenticate: ours parses in theirs, theirs (unquoted and quoted) parses in ours, several challenges", () => {
  const { publicKey } = freshKey();
  const tokenKey = encodeTokenKey(publicKey);
  const other = encodeTokenChallenge({ ...ours, redemptionContext: new Uint8Array(0), originInfo: [] });
  const header = formatWwwAuthenticate([{ challenge: encodeTokenChallenge(ours), tokenKey, maxAge: 30 }, { challenge: other, tokenKey }]);
  const parsed = WWWAuthenticateHeader.parse(header);
  assert.equal(parsed.length, 2);
  assert.equal(toHex(parsed[0]?.challenge.serialize() ?? new Uint8Array(0)), toHex(encodeTokenChallenge(ours)));
  assert.equal(toHex(parsed[0]?.tokenKey ?? new Uint8Array(0)), toHex(tokenKey));
  assert.equal(parsed[0]?.maxAge, 30);
  assert.equal(toHex(parsed[1]?.challenge.serialize() ?? new Uint8Array(0)), toHex(other));

  const theirHeader = new WWWAuthenticateHeader(theirs, own(tokenKey), 30);
  const theirSecond = new WWWAuthenticateHeader(PpTokenChallenge.deserialize(own(other)), own(tokenKey));
  for (const text of [theirHeader.toString(), theirHeader.toString(true), `${theirHeader.toString()}, ${theirSecond.toString(true)}`]) {
    const mine = parseWwwAuthenticate(text);
    assert.equal(toHex(mine[0]?.challenge ?? new Uint8Array(0)), toHex(encodeTokenChallenge(ours)), text);
    assert.equal(toHex(mine[0]?.tokenKey ?? new Uint8Array(0)), toHex(tokenKey));
    assert.equal(mine[0]?.maxAge, 30);
  }
  const both = parseWwwAuthenticate(`${theirHeader.toString()}, ${theirSecond.toString(true)}`);
  assert.equal(both.length, 2);
  assert.equal(toHex(both[1]?.challenge ?? new Uint8Array(0)), toHex(other));
});

test("Authorization: ours parses in theirs, theirs (unquoted and quoted) parses in ours", async () => {
  const { privateKey, publicKey } = freshKey();
  const pending = await beginTokenRequest({ challenge: encodeTokenChallenge(ours), tokenKey: encodeTokenKey(publicKey) });
  const token = encodeToken(await pending.finalize({ blindSig: new NativeBlindSigner(privateKey).sign(pending.request.blindedMsg) }));
  const parsed = AuthorizationHeader.parse(BLIND_RSA, formatAuthorization(token));
  assert.equal(parsed.length, 1);
  assert.equal(toHex(parsed[0]?.token.serialize() ?? new Uint8Array(0)), toHex(token));
  const theirs = new AuthorizationHeader(PpToken.deserialize(BLIND_RSA, own(token)));
  for (const text of [theirs.toString(), theirs.toString(true)]) {
    assert.equal(toHex(parseAuthorization(text) ?? new Uint8Array(0)), toHex(token), text);
  }
});

test("generic batches: their BatchedTokenRequest and GenericBatchTokenResponse match ours both ways", () => {
  const blinded = [new Uint8Array(256).fill(1), new Uint8Array(256).fill(2)];
  const theirRequest = new genericBatched.BatchedTokenRequest(blinded.map((m) => new genericBatched.TokenRequest(new PpTokenRequest(0x42, own(m), BLIND_RSA))));
  const ourRequest = encodeBatchedTokenRequest({ tokenType: 2, truncatedTokenKeyId: 0x42, blindedMsgs: blinded });
  assert.equal(toHex(theirRequest.serialize()), toHex(ourRequest));
  assert.deepEqual(decodeBatchedTokenRequest(theirRequest.serialize()).blindedMsgs, blinded);
  const back = genericBatched.BatchedTokenRequest.deserialize(own(ourRequest));
  assert.deepEqual(back.tokenRequests.map((r) => toHex(r.blindMsg)), blinded.map(toHex));

  const sig = new Uint8Array(256).fill(7);
  const ourResponse = encodeBatchedTokenResponse({ blindSigs: [sig, undefined] });
  const theirResponse = new genericBatched.GenericBatchTokenResponse([new genericBatched.OptionalTokenResponse(new PpTokenResponse(own(sig))), new genericBatched.OptionalTokenResponse(null)]);
  assert.equal(toHex(theirResponse.serialize()), toHex(ourResponse));
  assert.deepEqual(decodeBatchedTokenResponse(theirResponse.serialize()), { blindSigs: [sig, undefined] });
  const parsed = genericBatched.GenericBatchTokenResponse.deserialize(own(ourResponse));
  assert.equal(toHex(parsed.tokenResponses[0]?.tokenResponse?.serialize() ?? new Uint8Array(0)), toHex(sig));
  assert.equal(parsed.tokenResponses[1]?.tokenResponse, null);
});
