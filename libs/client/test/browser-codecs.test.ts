/**
 * The browser backend's codecs and crypto held to the project's Node libraries, in both
 * directions: OHTTP for every AEAD, Binary HTTP in every shape the gateway may send, the
 * PrivateToken headers, the directory, and batched issuance against the OpenSSL signer.
 * Property tests: random input gives a value or the codec's own error, never a crash.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { Framing, decodeRequest, encodeResponse } from "@oblivious/bhttp";
import { AeadId, GatewayKey, KdfId, decapsulateRequest, encodeKeyConfigs } from "@oblivious/ohttp";
import {
  NativeBlindSigner,
  challengeDigest,
  decodeBatchedTokenRequest,
  decodeToken,
  encodeBatchedTokenResponse,
  encodeIssuerDirectory,
  encodeTokenChallenge,
  encodeTokenKey,
  formatWwwAuthenticate,
  parseAuthorization,
  parseWwwAuthenticate,
  tokenKeyId,
  verifyToken,
} from "@oblivious/privacypass";
import { AuthFormatError, decodeBase64Url, decodeDirectoryJson, encodeBase64Url, formatPrivateTokenAuthorization, parsePrivateTokenChallenges } from "../src/browser/auth.js";
import { BinaryHttpError, decodeResponse, encodeKnownLengthRequest } from "../src/browser/bhttp.js";
import { beginBrowserBatch } from "../src/browser/issuance.js";
import { OhttpFormatError, browserSealer, firstUsableKeyConfig } from "../src/browser/ohttp.js";

const te = new TextEncoder();

test("OHTTP: the browser sealer's requests open with @oblivious/ohttp, and its answers open in the browser, for each AEAD", async () => {
  for (const aeadId of [AeadId.Aes128Gcm, AeadId.Aes256Gcm, AeadId.ChaCha20Poly1305]) {
    const key = GatewayKey.generate(9, [{ kdfId: KdfId.HkdfSha256, aeadId }]);
    const config = firstUsableKeyConfig(encodeKeyConfigs([key.config]));
    assert.deepEqual({ keyId: config.keyId, aeadId: config.aeadId }, { keyId: 9, aeadId });
    const sealer = browserSealer(config);
    const first = await sealer.seal(te.encode("request one"));
    const second = await sealer.seal(te.encode("request one"));
    assert.notDeepEqual(first.encapsulatedRequest.subarray(7, 39), second.encapsulatedRequest.subarray(7, 39), "a fresh enc per request");
    const opened = decapsulateRequest((id) => (id === 9 ? key : undefined), first.encapsulatedRequest);
    assert.equal(new TextDecoder().decode(opened.request), "request one");
    const answer = opened.context.encapsulateResponse(te.encode("answer one"));
    assert.equal(new TextDecoder().decode(await first.open(answer)), "answer one");
    await assert.rejects(first.open(answer), OhttpFormatError, "a response context is used once");
  }
});

test("OHTTP: key configuration lists with unusable entries are skipped, broken lists refused", () => {
  const usable = GatewayKey.generate(3, [{ kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes128Gcm }]);
  const list = encodeKeyConfigs([usable.config]);
  // An entry with an unknown KEM first: skipped (RFC 9458 Section 3.2).
  const foreign = Uint8Array.of(0, 9, 1, 0x00, 0x99, 0, 4, 0, 1, 0, 1);
  const both = new Uint8Array(foreign.length + list.length);
  both.set(foreign);
  both.set(list, foreign.length);
  assert.equal(firstUsableKeyConfig(both).keyId, 3);
  for (let cut = 0; cut < list.length; cut++) assert.throws(() => firstUsableKeyConfig(list.subarray(0, cut)), OhttpFormatError, `cut at byte ${cut}`);
  assert.throws(() => firstUsableKeyConfig(foreign), OhttpFormatError);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      try {
        firstUsableKeyConfig(bytes);
      } catch (error) {
        assert.ok(error instanceof OhttpFormatError);
      }
    }),
    { numRuns: 1000 },
  );
});

test("Binary HTTP: browser requests decode with @oblivious/bhttp; every response shape decodes in the browser", () => {
  const request = {
    method: "POST",
    scheme: "https",
    authority: "sticker-search.internal",
    path: "/v1/search?x=1",
    headers: [["date", "Tue, 01 Jan 2030 00:00:00 GMT"], ["content-type", "application/json"], ["x-latin1", "caf\u00e9"]] as const,
    content: te.encode('{"q":"cat"}'),
  };
  const decoded = decodeRequest(encodeKnownLengthRequest(request));
  assert.deepEqual({ ...decoded, headers: [...decoded.headers] }, { ...request, headers: request.headers.map(([n, v]) => [n, v]), trailers: [] });
  assert.throws(() => encodeKnownLengthRequest({ ...request, headers: [["Upper", "x"]] }), BinaryHttpError);

  const response = { informational: [{ status: 103, headers: [["link", "</a>"]] as const }], status: 401, headers: [["www-authenticate", "PrivateToken x=1"], ["set-cookie", "a"], ["set-cookie", "b"]] as const, content: te.encode("body"), trailers: [["t", "v"]] as const };
  for (const framing of [Framing.KnownLength, Framing.IndeterminateLength]) {
    for (const padding of [0, 100]) {
      const out = decodeResponse(encodeResponse(response, { framing, padding }));
      assert.deepEqual(out, { status: 401, headers: response.headers.map(([n, v]) => [n, v]), content: te.encode("body") });
    }
    const empty = decodeResponse(encodeResponse({ informational: [], status: 204, headers: [], content: new Uint8Array(0), trailers: [] }, { framing, truncate: true }));
    assert.deepEqual(empty, { status: 204, headers: [], content: new Uint8Array(0) });
  }
  const valid = encodeResponse(response, { padding: 4 });
  const withJunk = Uint8Array.from([...valid, 1]);
  assert.throws(() => decodeResponse(withJunk), BinaryHttpError, "non-zero padding");
  const offset = new Uint8Array(valid.length + 5);
  offset.set(valid, 5);
  assert.equal(decodeResponse(offset.subarray(5)).status, 401, "input at a non-zero offset");
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        decodeResponse(bytes);
      } catch (error) {
        assert.ok(error instanceof BinaryHttpError);
      }
    }),
    { numRuns: 2000 },
  );
});

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const tokenKey = encodeTokenKey(publicKey);
const challenge = encodeTokenChallenge({ tokenType: 2, issuerName: "issuer.internal", redemptionContext: new Uint8Array(0), originInfo: ["sticker-search.internal"] });

test("PrivateToken headers and the directory: the browser reads what @oblivious/privacypass writes, and back", () => {
  const header = formatWwwAuthenticate([
    { challenge, tokenKey, maxAge: 60 },
    { challenge: Uint8Array.of(0, 2, 0, 1, 0x61, 0, 0, 0), tokenKey: Uint8Array.of(1, 2, 3) },
  ]);
  const expected = parseWwwAuthenticate(header).map((c) => ({ challenge: c.challenge, tokenKey: c.tokenKey }));
  assert.deepEqual(parsePrivateTokenChallenges(header), expected);
  const mixed = `Bearer realm="x", PrivateToken challenge=${encodeBase64Url(challenge)}, token-key="${encodeBase64Url(tokenKey)}", max-age=10, Basic abc==`;
  assert.deepEqual(parsePrivateTokenChallenges(mixed), [{ challenge, tokenKey }]);
  assert.deepEqual(parsePrivateTokenChallenges('PrivateToken challenge="AAIAAWEAAAA"'), [], "no token-key: skipped");
  for (const bad of ['PrivateToken challenge="unterminated', "PrivateToken challenge=a, challenge=b", "PrivateToken token-key=AAAA", "PrivateToken challenge=%%%"]) {
    assert.throws(() => parsePrivateTokenChallenges(bad), AuthFormatError, bad);
  }
  const token = Uint8Array.from({ length: 354 }, (_, i) => i & 0xff);
  assert.deepEqual(parseAuthorization(formatPrivateTokenAuthorization(token)), token);
  for (const length of [0, 1, 2, 3, 31, 32, 33]) {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 37) & 0xff);
    assert.deepEqual(decodeBase64Url(encodeBase64Url(bytes)), bytes);
    assert.deepEqual(decodeBase64Url(encodeBase64Url(bytes).replace(/=+$/, "")), bytes);
  }
  const directory = { issuerRequestUri: "https://issuer.internal/token-request", tokenKeys: [{ tokenType: 2, tokenKey, notBefore: 1_700_000_000 }, { tokenType: 2, tokenKey: Uint8Array.of(9) }] };
  assert.deepEqual(decodeDirectoryJson(encodeIssuerDirectory(directory)), directory);
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (text) => {
      try {
        parsePrivateTokenChallenges(`PrivateToken ${text}`);
        decodeDirectoryJson(text);
      } catch (error) {
        assert.ok(error instanceof AuthFormatError);
      }
    }),
    { numRuns: 2000 },
  );
});

test("issuance: a browser batch is signed by the OpenSSL signer and finalizes into tokens that verify", async () => {
  const pending = await beginBrowserBatch(challenge, tokenKey, "sticker-search.internal", 3);
  const request = decodeBatchedTokenRequest(pending.body);
  assert.equal(request.blindedMsgs.length, 3);
  assert.equal(request.truncatedTokenKeyId, tokenKeyId(tokenKey)[31]);
  const signer = new NativeBlindSigner(privateKey);
  const answer = encodeBatchedTokenResponse({ blindSigs: request.blindedMsgs.map((m) => signer.sign(m)) });
  const tokens = await pending.finalize(answer);
  assert.equal(tokens.length, 3);
  const nonces = new Set<string>();
  for (const bytes of tokens) {
    const token = decodeToken(bytes);
    assert.equal(verifyToken(token, publicKey), true);
    assert.deepEqual(token.challengeDigest, challengeDigest(challenge));
    assert.deepEqual(token.tokenKeyId, tokenKeyId(tokenKey));
    nonces.add(encodeBase64Url(token.nonce));
  }
  assert.equal(nonces.size, 3, "fresh nonces");
  await assert.rejects(pending.finalize(answer), "finalize is single use");

  const forged = await beginBrowserBatch(challenge, tokenKey, "sticker-search.internal", 1);
  const blindedMsg = decodeBatchedTokenRequest(forged.body).blindedMsgs[0] ?? new Uint8Array(0);
  const wrong = signer.sign(blindedMsg.map((b, i) => (i === 255 ? b ^ 1 : b)));
  await assert.rejects(forged.finalize(encodeBatchedTokenResponse({ blindSigs: [wrong] })), "a bad signature never becomes a token");
  await assert.rejects(beginBrowserBatch(challenge, tokenKey, "telemetry.internal", 1), /another origin/);
});
