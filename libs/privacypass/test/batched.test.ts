// Generic Token Batch Issuance (draft-ietf-privacypass-batched-tokens-08 Section 6): the draft's
// Appendix A.4 vectors (test/vectors/batched-tokens-generic.json), the same-type batch shape,
// framing errors, and a batched issuance end to end.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteWriter, concat } from "@oblivious/wire";
import {
  NativeBlindSigner,
  PrivacyPassErrorCode,
  beginBatchedTokenRequest,
  beginTokenRequest,
  decodeBatchedTokenRequest,
  decodeBatchedTokenResponse,
  decodeGenericBatchTokenRequest,
  decodeGenericBatchTokenResponse,
  decodeToken,
  decodeTokenKey,
  encodeBatchedTokenRequest,
  encodeBatchedTokenResponse,
  encodeGenericBatchTokenRequest,
  encodeGenericBatchTokenResponse,
  encodeToken,
  encodeTokenChallenge,
  encodeTokenKey,
  verifyToken,
} from "../src/index.js";
import type { GenericBatchTokenRequest, GenericBatchTokenResponse } from "../src/index.js";
import { blindRsaPublicKey, i2osp, mgf1, os2ip, rsavp1 } from "../src/blind-rsa.js";
import { tokenKeyComponents } from "../src/token-key-spki.js";
import { atOffset, field, freshKey, fromHex, list, ppError, prefixes, readVectors, rfc9578Key, toHex } from "./helpers.js";

const file = readVectors("batched-tokens-generic.json");
const vectors = list(file, "vectors");
const rfc = rfc9578Key();
const signer = new NativeBlindSigner(rfc.privateKey);

/** EMSA-PSS decoding of a valid signature's message representative: the salt (RFC 8017 Section 9.1.2 steps 7-12). */
function recoverSalt(spki: Uint8Array, sig: Uint8Array): Uint8Array {
  const pk = blindRsaPublicKey(tokenKeyComponents(spki));
  const em = i2osp(rsavp1(pk, os2ip(sig)), pk.modulusLength);
  const maskedDb = em.subarray(0, em.length - 48 - 1);
  const h = em.subarray(em.length - 48 - 1, em.length - 1);
  const mask = mgf1(h, maskedDb.length);
  const db = maskedDb.map((b, i) => b ^ (mask[i] as number));
  db[0] = (db[0] as number) & 0x7f;
  assert.equal(db[db.length - 48 - 1], 0x01);
  return db.subarray(db.length - 48);
}

test("draft A.4 vectors: framing decodes, re-encodes to the same bytes, and rejects a trailing byte", () => {
  for (const v of vectors) {
    const name = field(v, "name");
    const requestBytes = fromHex(field(v, "token_request"));
    const responseBytes = fromHex(field(v, "token_response"));
    const request = decodeGenericBatchTokenRequest(requestBytes);
    const response = decodeGenericBatchTokenResponse(responseBytes);
    const types = list(v, "issuance").map((e) => Number.parseInt(field(e, "type"), 16));
    assert.deepEqual(request.tokenRequests.map((r) => r.tokenType), types, name);
    assert.deepEqual(response.tokenResponses.map((r) => r?.tokenType), types, name);
    assert.equal(toHex(encodeGenericBatchTokenRequest(request)), toHex(requestBytes), name);
    assert.equal(toHex(encodeGenericBatchTokenResponse(response)), toHex(responseBytes), name);
    assert.deepEqual(decodeGenericBatchTokenRequest(atOffset(requestBytes)), request, name);
    assert.throws(() => decodeGenericBatchTokenRequest(concat(requestBytes, Uint8Array.of(0))), ppError(PrivacyPassErrorCode.Malformed));
    assert.throws(() => decodeGenericBatchTokenResponse(concat(responseBytes, Uint8Array.of(0))), ppError(PrivacyPassErrorCode.Malformed));
  }
});

test("draft A.4 vectors: every type 0x0002 entry reproduces with our client and signer, byte for byte", async () => {
  let checked = 0;
  for (const v of vectors) {
    const request = decodeGenericBatchTokenRequest(fromHex(field(v, "token_request")));
    const response = decodeGenericBatchTokenResponse(fromHex(field(v, "token_response")));
    for (const [i, entry] of list(v, "issuance").entries()) {
      if (field(entry, "type") !== "0002") continue;
      const pkS = fromHex(field(entry, "pkS"));
      assert.equal(toHex(pkS), toHex(rfc.pkS), "the draft uses the RFC 9578 A.2 key");
      const tokenRequest = request.tokenRequests[i];
      const tokenResponse = response.tokenResponses[i];
      assert.ok(tokenRequest !== undefined && tokenResponse !== undefined);
      // The issuer's answer is BlindSign(skS, blinded_msg).
      assert.equal(toHex(signer.sign(tokenRequest.blindedMsg)), toHex(tokenResponse.tokenResponse));
      // The client side: with the salt recovered from the token, the blinded message and token follow.
      const token = fromHex(field(entry, "token"));
      const salt = recoverSalt(pkS, decodeToken(token).authenticator);
      const pending = await beginTokenRequest({
        challenge: fromHex(field(entry, "token_challenge")),
        tokenKey: pkS,
        nonce: fromHex(field(entry, "nonce")),
        blind: fromHex(field(entry, "blind")),
        salt,
      });
      assert.equal(toHex(pending.request.blindedMsg), toHex(tokenRequest.blindedMsg));
      assert.equal(pending.request.truncatedTokenKeyId, tokenRequest.truncatedTokenKeyId);
      const finalized = await pending.finalize({ blindSig: tokenResponse.tokenResponse });
      assert.equal(toHex(encodeToken(finalized)), toHex(token));
      assert.equal(verifyToken(finalized, decodeTokenKey(pkS)), true);
      checked++;
    }
  }
  assert.equal(checked, 2);
});

test("draft A.4 vectors: the same-type shape takes [0x0002] and refuses a batch with 0x0001", () => {
  const [v1, v2, v5] = vectors;
  const single = decodeBatchedTokenRequest(fromHex(field(v2, "token_request")));
  assert.equal(single.tokenType, 2);
  assert.equal(single.blindedMsgs.length, 1);
  assert.equal(toHex(encodeBatchedTokenRequest(single)), field(v2, "token_request"));
  const answer = decodeBatchedTokenResponse(fromHex(field(v2, "token_response")));
  assert.equal(toHex(encodeBatchedTokenResponse(answer)), field(v2, "token_response"));
  for (const v of [v1, v5]) {
    assert.throws(() => decodeBatchedTokenRequest(fromHex(field(v, "token_request"))), ppError(PrivacyPassErrorCode.UnsupportedTokenType));
    assert.throws(() => decodeBatchedTokenResponse(fromHex(field(v, "token_response"))), ppError(PrivacyPassErrorCode.UnsupportedTokenType));
  }
});

const blindedArb = fc.uint8Array({ minLength: 256, maxLength: 256 });
const genericRequestArb: fc.Arbitrary<GenericBatchTokenRequest> = fc.record(
  {
    tokenRequests: fc.array(
      fc.oneof(
        fc.record({ tokenType: fc.constant(2), truncatedTokenKeyId: fc.nat(255), blindedMsg: blindedArb }, { noNullPrototype: true }),
        fc.record({ tokenType: fc.constant(1), truncatedTokenKeyId: fc.nat(255), blindedMsg: fc.uint8Array({ minLength: 49, maxLength: 49 }) }, { noNullPrototype: true }),
        fc.record({ tokenType: fc.constant(5), truncatedTokenKeyId: fc.nat(255), blindedMsg: fc.uint8Array({ minLength: 32, maxLength: 32 }) }, { noNullPrototype: true }),
      ),
      { maxLength: 5 },
    ),
  },
  { noNullPrototype: true },
);
const genericResponseArb: fc.Arbitrary<GenericBatchTokenResponse> = fc.record(
  {
    tokenResponses: fc.array(
      fc.option(
        fc.oneof(
          fc.record({ tokenType: fc.constant(2), tokenResponse: blindedArb }, { noNullPrototype: true }),
          fc.record({ tokenType: fc.constant(1), tokenResponse: fc.uint8Array({ minLength: 145, maxLength: 145 }) }, { noNullPrototype: true }),
        ),
        { nil: undefined },
      ),
      { maxLength: 5 },
    ),
  },
  { noNullPrototype: true },
);

test("generic batches: round trips (mixed types, absent responses), non-zero offsets", () => {
  fc.assert(
    fc.property(genericRequestArb, genericResponseArb, (request, response) => {
      assert.deepEqual(decodeGenericBatchTokenRequest(atOffset(encodeGenericBatchTokenRequest(request))), request);
      assert.deepEqual(decodeGenericBatchTokenResponse(atOffset(encodeGenericBatchTokenResponse(response))), response);
    }),
    { numRuns: 300 },
  );
});

test("same-type batches: round trips and layout (varint length, then TokenRequests)", () => {
  fc.assert(
    fc.property(fc.nat(255), fc.array(blindedArb, { minLength: 1, maxLength: 4 }), fc.array(fc.option(blindedArb, { nil: undefined }), { maxLength: 4 }), (id, blindedMsgs, blindSigs) => {
      const request = { tokenType: 2, truncatedTokenKeyId: id, blindedMsgs };
      const encoded = encodeBatchedTokenRequest(request);
      const body = concat(...blindedMsgs.map((m) => concat(Uint8Array.of(0, 2, id), m)));
      assert.equal(toHex(encoded), toHex(new ByteWriter(body.length + 8).varintPrefixed(body).finish()));
      assert.deepEqual(decodeBatchedTokenRequest(encoded), request);
      const response = { blindSigs };
      const encodedResponse = encodeBatchedTokenResponse(response);
      const responseBody = concat(...blindSigs.map((s) => (s === undefined ? Uint8Array.of(0) : concat(Uint8Array.of(1, 0, 2), s))));
      assert.equal(toHex(encodedResponse), toHex(new ByteWriter(responseBody.length + 8).varintPrefixed(responseBody).finish()));
      assert.deepEqual(decodeBatchedTokenResponse(encodedResponse), response);
    }),
    { numRuns: 200 },
  );
});

test("framing errors: presence octet, non-minimal varint, unknown type, truncation at every offset", () => {
  const entry = concat(Uint8Array.of(1, 0, 2), new Uint8Array(256));
  const response = new ByteWriter(entry.length + 8).varintPrefixed(entry).finish();
  assert.equal(decodeGenericBatchTokenResponse(response).tokenResponses.length, 1);
  const badPresence = Uint8Array.from(response);
  badPresence[2] = 2;
  assert.throws(() => decodeGenericBatchTokenResponse(badPresence), ppError(PrivacyPassErrorCode.Malformed));
  // 259 bytes written as a 4-byte varint (0x80000103) instead of 2 (0x4103).
  const nonMinimal = concat(Uint8Array.of(0x80, 0x00, 0x01, 0x03), entry);
  assert.throws(() => decodeGenericBatchTokenResponse(nonMinimal), ppError(PrivacyPassErrorCode.Malformed));
  assert.throws(() => decodeGenericBatchTokenRequest(concat(Uint8Array.of(0x03), Uint8Array.of(0x12, 0x34, 0x00))), ppError(PrivacyPassErrorCode.UnsupportedTokenType));
  for (const [cut, prefix] of prefixes(response)) {
    assert.throws(() => decodeGenericBatchTokenResponse(prefix), ppError(PrivacyPassErrorCode.Malformed), `response cut at byte ${cut}`);
  }
  const request = encodeBatchedTokenRequest({ tokenType: 2, truncatedTokenKeyId: 9, blindedMsgs: [new Uint8Array(256), new Uint8Array(256)] });
  for (const [cut, prefix] of prefixes(request)) {
    assert.throws(() => decodeBatchedTokenRequest(prefix), ppError(PrivacyPassErrorCode.Malformed), `request cut at byte ${cut}`);
  }
});

test("the same-type shape refuses an empty batch and mixed key ids; encoders refuse bad values", () => {
  assert.throws(() => decodeBatchedTokenRequest(Uint8Array.of(0)), ppError(PrivacyPassErrorCode.Malformed));
  const mixed = encodeGenericBatchTokenRequest({
    tokenRequests: [
      { tokenType: 2, truncatedTokenKeyId: 1, blindedMsg: new Uint8Array(256) },
      { tokenType: 2, truncatedTokenKeyId: 2, blindedMsg: new Uint8Array(256) },
    ],
  });
  assert.equal(decodeGenericBatchTokenRequest(mixed).tokenRequests.length, 2);
  assert.throws(() => decodeBatchedTokenRequest(mixed), ppError(PrivacyPassErrorCode.Malformed));
  assert.throws(() => encodeBatchedTokenRequest({ tokenType: 2, truncatedTokenKeyId: 1, blindedMsgs: [] }), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(() => encodeBatchedTokenRequest({ tokenType: 1, truncatedTokenKeyId: 1, blindedMsgs: [new Uint8Array(49)] }), ppError(PrivacyPassErrorCode.UnsupportedTokenType));
  assert.throws(() => encodeBatchedTokenRequest({ tokenType: 2, truncatedTokenKeyId: 1, blindedMsgs: [new Uint8Array(255)] }), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(() => encodeBatchedTokenResponse({ blindSigs: [new Uint8Array(1)] }), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(
    () => encodeGenericBatchTokenRequest({ tokenRequests: [{ tokenType: 0x1234, truncatedTokenKeyId: 0, blindedMsg: new Uint8Array(1) }] }),
    ppError(PrivacyPassErrorCode.UnsupportedTokenType),
  );
});

test("batched issuance end to end: three tokens, one refused by the issuer, all others verify", async () => {
  const { privateKey, publicKey } = freshKey();
  const tokenKey = encodeTokenKey(publicKey);
  const challenge = encodeTokenChallenge({ tokenType: 2, issuerName: "issuer.internal", redemptionContext: new Uint8Array(0), originInfo: ["sticker-search.internal"] });
  const pending = await beginBatchedTokenRequest(3, { challenge, tokenKey });
  const request = decodeBatchedTokenRequest(encodeBatchedTokenRequest(pending.request));
  const issuer = new NativeBlindSigner(privateKey);
  const blindSigs = request.blindedMsgs.map((m, i) => (i === 1 ? undefined : issuer.sign(m)));
  const tokens = await pending.finalize(decodeBatchedTokenResponse(encodeBatchedTokenResponse({ blindSigs })));
  assert.equal(tokens.length, 3);
  assert.equal(tokens[1], undefined);
  const key = decodeTokenKey(tokenKey);
  for (const token of [tokens[0], tokens[2]]) {
    assert.ok(token !== undefined);
    assert.equal(verifyToken(token, key), true);
  }
  assert.notEqual(toHex(tokens[0]?.nonce ?? new Uint8Array(0)), toHex(tokens[2]?.nonce ?? new Uint8Array(0)), "a fresh nonce per token");
  await assert.rejects(pending.finalize({ blindSigs }), ppError(PrivacyPassErrorCode.InvalidArgument));
  const other = await beginBatchedTokenRequest(2, { challenge, tokenKey });
  await assert.rejects(other.finalize({ blindSigs: [undefined] }), ppError(PrivacyPassErrorCode.Malformed));
  const swapped = await beginBatchedTokenRequest(2, { challenge, tokenKey });
  const sigs = swapped.request.blindedMsgs.map((m) => issuer.sign(m)).reverse();
  await assert.rejects(swapped.finalize({ blindSigs: sigs }), ppError(PrivacyPassErrorCode.InvalidSignature));
  await assert.rejects(beginBatchedTokenRequest(0, { challenge, tokenKey }), ppError(PrivacyPassErrorCode.InvalidArgument));
  await assert.rejects(beginBatchedTokenRequest(2, { challenge, tokenKey, nonces: [new Uint8Array(32)] }), ppError(PrivacyPassErrorCode.InvalidArgument));
});
