// Binary codecs: TokenChallenge, Token, TokenRequest, TokenResponse. Layouts written out by hand,
// round trips, truncation at every offset, trailing bytes, input at a non-zero offset, no aliasing.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteWriter, concat } from "@oblivious/wire";
import {
  PrivacyPassErrorCode,
  TOKEN_LENGTH,
  challengeDigest,
  decodeToken,
  decodeTokenChallenge,
  decodeTokenRequest,
  decodeTokenResponse,
  encodeToken,
  encodeTokenChallenge,
  encodeTokenRequest,
  encodeTokenResponse,
  tokenAuthenticatorInput,
} from "../src/index.js";
import type { TokenChallenge } from "../src/index.js";
import { challengeArb, requestArb, tokenArb } from "./arbitraries.js";
import { atOffset, field, fromHex, list, ppError, prefixes, readVectors, toHex } from "./helpers.js";

const rfcChallenges = list(readVectors("rfc9578-type2.json"), "vectors").map((v) => fromHex(field(v, "token_challenge")));

test("TokenChallenge: the layout of RFC 9577 Section 2.1, written out", () => {
  const context = new Uint8Array(32).fill(7);
  const encoded = encodeTokenChallenge({ tokenType: 2, issuerName: "issuer.example", redemptionContext: context, originInfo: ["a.example", "b.example"] });
  const expected = new ByteWriter()
    .uint16(2)
    .uint16(14)
    .bytes(new TextEncoder().encode("issuer.example"))
    .uint8(32)
    .bytes(context)
    .uint16(19)
    .bytes(new TextEncoder().encode("a.example,b.example"))
    .finish();
  assert.equal(toHex(encoded), toHex(expected));
  assert.equal(toHex(encodeTokenChallenge({ tokenType: 2, issuerName: "i", redemptionContext: new Uint8Array(0), originInfo: [] })), "000200016900" + "0000");
  // RFC 9578 vectors 4 and 3: empty context and origin_info; two origin names.
  assert.deepEqual(decodeTokenChallenge(rfcChallenges[3] ?? new Uint8Array(0)), { tokenType: 2, issuerName: "issuer.example", redemptionContext: new Uint8Array(0), originInfo: [] });
  assert.deepEqual(decodeTokenChallenge(rfcChallenges[2] ?? new Uint8Array(0)).originInfo, ["foo.example", "bar.example"]);
});

test("TokenChallenge: round trips, and the digest is SHA-256 of the bytes", () => {
  fc.assert(
    fc.property(challengeArb, (challenge) => {
      const encoded = encodeTokenChallenge(challenge);
      assert.deepEqual(decodeTokenChallenge(encoded), challenge);
      assert.deepEqual(decodeTokenChallenge(atOffset(encoded)), challenge);
      assert.equal(challengeDigest(encoded).length, 32);
    }),
    { numRuns: 500 },
  );
  for (const c of rfcChallenges) assert.equal(toHex(encodeTokenChallenge(decodeTokenChallenge(c))), toHex(c));
});

test("TokenChallenge: invalid redemption_context lengths, empty names and non-ASCII are malformed", () => {
  const raw = (issuer: Uint8Array, context: Uint8Array, origins: Uint8Array): Uint8Array =>
    new ByteWriter().uint16(2).uint16Prefixed(issuer).uint8(context.length).bytes(context).uint16Prefixed(origins).finish();
  const name = new TextEncoder().encode("issuer.example");
  assert.ok(decodeTokenChallenge(raw(name, new Uint8Array(32), new Uint8Array(0))));
  for (const length of [1, 16, 31, 33]) {
    assert.throws(() => decodeTokenChallenge(raw(name, new Uint8Array(length), new Uint8Array(0))), ppError(PrivacyPassErrorCode.Malformed), `context ${length}`);
  }
  assert.throws(() => decodeTokenChallenge(raw(new Uint8Array(0), new Uint8Array(0), new Uint8Array(0))), ppError(PrivacyPassErrorCode.Malformed));
  assert.throws(() => decodeTokenChallenge(raw(Uint8Array.of(0xc3, 0xa9), new Uint8Array(0), new Uint8Array(0))), ppError(PrivacyPassErrorCode.Malformed));
  for (const origins of ["a,,b", ",a", "a,", "a\nb"]) {
    assert.throws(() => decodeTokenChallenge(raw(name, new Uint8Array(0), new TextEncoder().encode(origins))), ppError(PrivacyPassErrorCode.Malformed), origins);
  }
});

test("TokenChallenge: the encoder refuses what it cannot write", () => {
  const ok: TokenChallenge = { tokenType: 2, issuerName: "issuer.example", redemptionContext: new Uint8Array(0), originInfo: [] };
  const bad: TokenChallenge[] = [
    { ...ok, tokenType: 0x10000 },
    { ...ok, tokenType: -1 },
    { ...ok, issuerName: "" },
    { ...ok, issuerName: "é" },
    { ...ok, issuerName: "x".repeat(0x10000) },
    { ...ok, redemptionContext: new Uint8Array(31) },
    { ...ok, originInfo: [""] },
    { ...ok, originInfo: ["a,b"] },
    { ...ok, originInfo: ["x".repeat(0x8000), "y".repeat(0x8000)] },
  ];
  for (const challenge of bad) assert.throws(() => encodeTokenChallenge(challenge), ppError(PrivacyPassErrorCode.InvalidArgument));
});

test("Token: layout, round trip, authenticator input", () => {
  fc.assert(
    fc.property(tokenArb, (token) => {
      const encoded = encodeToken(token);
      assert.equal(encoded.length, TOKEN_LENGTH);
      assert.equal(toHex(encoded), toHex(concat(Uint8Array.of(0, 2), token.nonce, token.challengeDigest, token.tokenKeyId, token.authenticator)));
      assert.deepEqual(decodeToken(encoded), token);
      assert.deepEqual(decodeToken(atOffset(encoded)), token);
      assert.equal(toHex(tokenAuthenticatorInput(token)), toHex(encoded.subarray(0, 98)));
    }),
    { numRuns: 200 },
  );
});

test("Token: other token types are unsupported; wrong field lengths are refused", () => {
  const encoded = fc.sample(tokenArb, 1).map(encodeToken)[0] ?? new Uint8Array(0);
  for (const type of [0x0000, 0x0001, 0x0003, 0x0005, 0xda7a, 0xffff]) {
    const other = Uint8Array.from(encoded);
    other[0] = type >> 8;
    other[1] = type & 0xff;
    assert.throws(() => decodeToken(other), ppError(PrivacyPassErrorCode.UnsupportedTokenType));
  }
  const token = decodeToken(encoded);
  assert.throws(() => encodeToken({ ...token, tokenType: 1 }), ppError(PrivacyPassErrorCode.UnsupportedTokenType));
  assert.throws(() => encodeToken({ ...token, nonce: new Uint8Array(31) }), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(() => encodeToken({ ...token, authenticator: new Uint8Array(255) }), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(() => tokenAuthenticatorInput({ ...token, tokenKeyId: new Uint8Array(33) }), ppError(PrivacyPassErrorCode.InvalidArgument));
});

test("TokenRequest and TokenResponse: layout and round trip", () => {
  fc.assert(
    fc.property(requestArb, (request) => {
      const encoded = encodeTokenRequest(request);
      assert.equal(toHex(encoded), toHex(concat(Uint8Array.of(0, 2, request.truncatedTokenKeyId), request.blindedMsg)));
      assert.deepEqual(decodeTokenRequest(encoded), request);
      assert.deepEqual(decodeTokenRequest(atOffset(encoded)), request);
      const response = { blindSig: request.blindedMsg };
      assert.deepEqual(decodeTokenResponse(atOffset(encodeTokenResponse(response))), response);
    }),
    { numRuns: 200 },
  );
  const request = fc.sample(requestArb, 1)[0];
  assert.ok(request !== undefined);
  assert.throws(() => encodeTokenRequest({ ...request, tokenType: 1 }), ppError(PrivacyPassErrorCode.UnsupportedTokenType));
  assert.throws(() => encodeTokenRequest({ ...request, truncatedTokenKeyId: 256 }), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(() => encodeTokenRequest({ ...request, blindedMsg: new Uint8Array(255) }), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(() => encodeTokenResponse({ blindSig: new Uint8Array(257) }), ppError(PrivacyPassErrorCode.InvalidArgument));
  const other = encodeTokenRequest(request);
  other[1] = 1;
  assert.throws(() => decodeTokenRequest(other), ppError(PrivacyPassErrorCode.UnsupportedTokenType));
});

/** One valid encoding of each codec, with its decoder. */
function samples(): { name: string; bytes: Uint8Array; decode: (b: Uint8Array) => unknown }[] {
  const [challenge] = fc.sample(challengeArb.filter((c) => c.originInfo.length > 0 && c.redemptionContext.length === 32), { numRuns: 1, seed: 1 });
  const [token] = fc.sample(tokenArb, { numRuns: 1, seed: 2 });
  const [request] = fc.sample(requestArb, { numRuns: 1, seed: 3 });
  assert.ok(challenge !== undefined && token !== undefined && request !== undefined);
  return [
    { name: "TokenChallenge", bytes: encodeTokenChallenge(challenge), decode: decodeTokenChallenge },
    { name: "Token", bytes: encodeToken(token), decode: decodeToken },
    { name: "TokenRequest", bytes: encodeTokenRequest(request), decode: decodeTokenRequest },
    { name: "TokenResponse", bytes: encodeTokenResponse({ blindSig: request.blindedMsg }), decode: decodeTokenResponse },
  ];
}

test("truncation at every offset is malformed, naming no byte of the input", () => {
  for (const { name, bytes, decode } of samples()) {
    for (const [cut, prefix] of prefixes(bytes)) {
      assert.throws(() => decode(prefix), ppError(PrivacyPassErrorCode.Malformed), `${name} cut at byte ${cut}`);
      assert.throws(() => decode(atOffset(prefix)), ppError(PrivacyPassErrorCode.Malformed), `${name} cut at byte ${cut}, at an offset`);
    }
  }
});

test("a trailing byte is malformed", () => {
  for (const { name, bytes, decode } of samples()) {
    assert.throws(() => decode(concat(bytes, Uint8Array.of(0))), ppError(PrivacyPassErrorCode.Malformed), name);
  }
});

test("decoded values never alias the input: changing the input afterwards changes nothing", () => {
  for (const { name, bytes, decode } of samples()) {
    const input = Uint8Array.from(bytes);
    const before = decode(input);
    input.fill(0x55);
    assert.deepEqual(decode(bytes), before, name);
  }
});
