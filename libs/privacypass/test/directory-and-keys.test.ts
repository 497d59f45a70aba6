// The issuer directory (RFC 9578 Section 4) and token keys (RFC 9578 Section 6.5).
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { concat } from "@oblivious/wire";
import {
  ISSUER_DIRECTORY_PATH,
  MediaType,
  PrivacyPassError,
  PrivacyPassErrorCode,
  decodeIssuerDirectory,
  decodeTokenKey,
  encodeBase64Url,
  encodeIssuerDirectory,
  encodeTokenKey,
  tokenKeyId,
  truncatedTokenKeyId,
} from "../src/index.js";
import { RSASSA_PSS_SHA384, atOffset, freshKey, ppError, rfc9578Key, toHex, valueOrPpError } from "./helpers.js";
import { DerTag, writeSequence, writeTlv } from "../src/der.js";
import { rsaPublicComponents } from "../src/rsa-key.js";

const rfc = rfc9578Key();

test("constants: the well-known path and exact media types", () => {
  assert.equal(ISSUER_DIRECTORY_PATH, "/.well-known/private-token-issuer-directory");
  assert.deepEqual(MediaType, {
    TokenRequest: "application/private-token-request",
    TokenResponse: "application/private-token-response",
    BatchedTokenRequest: "application/private-token-generic-batch-request",
    BatchedTokenResponse: "application/private-token-generic-batch-response",
    IssuerDirectory: "application/private-token-issuer-directory",
  });
});

test("directory: the RFC's field names, padded base64url, not-before only when set", () => {
  const json = encodeIssuerDirectory({
    issuerRequestUri: "https://issuer.example.net/request",
    tokenKeys: [{ tokenType: 2, tokenKey: rfc.pkS, notBefore: 1686913811 }, { tokenType: 2, tokenKey: Uint8Array.of(1, 2) }],
  });
  assert.deepEqual(JSON.parse(json), {
    "issuer-request-uri": "https://issuer.example.net/request",
    "token-keys": [
      { "token-type": 2, "token-key": encodeBase64Url(rfc.pkS), "not-before": 1686913811 },
      { "token-type": 2, "token-key": "AQI=" },
    ],
  });
  const decoded = decodeIssuerDirectory(json);
  assert.equal(decoded.issuerRequestUri, "https://issuer.example.net/request");
  assert.deepEqual(decoded.tokenKeys, [
    { tokenType: 2, tokenKey: rfc.pkS, notBefore: 1686913811 },
    { tokenType: 2, tokenKey: Uint8Array.of(1, 2) },
  ]);
});

test("directory: unknown fields and other token types are kept apart, not errors; unpadded keys decode", () => {
  const decoded = decodeIssuerDirectory(
    JSON.stringify({
      "issuer-request-uri": "/request",
      "token-keys": [{ "token-type": 1, "token-key": "AQI", "extra": true }, { "token-type": 2, "token-key": "AQI=" }],
      "future": { "x": 1 },
    }),
  );
  assert.deepEqual(decoded, { issuerRequestUri: "/request", tokenKeys: [{ tokenType: 1, tokenKey: Uint8Array.of(1, 2) }, { tokenType: 2, tokenKey: Uint8Array.of(1, 2) }] });
});

test("directory: malformed documents", () => {
  const key = { "token-type": 2, "token-key": "AQI=" };
  const bad: unknown[] = [
    null,
    [],
    "x",
    {},
    { "issuer-request-uri": "", "token-keys": [] },
    { "issuer-request-uri": 5, "token-keys": [] },
    { "issuer-request-uri": "/r", "token-keys": {} },
    { "issuer-request-uri": "/r", "token-keys": [null] },
    { "issuer-request-uri": "/r", "token-keys": [{ ...key, "token-type": "2" }] },
    { "issuer-request-uri": "/r", "token-keys": [{ ...key, "token-type": 65536 }] },
    { "issuer-request-uri": "/r", "token-keys": [{ ...key, "token-type": 2.5 }] },
    { "issuer-request-uri": "/r", "token-keys": [{ ...key, "token-key": "A+/=" }] },
    { "issuer-request-uri": "/r", "token-keys": [{ ...key, "token-key": "" }] },
    { "issuer-request-uri": "/r", "token-keys": [{ ...key, "not-before": -1 }] },
    { "issuer-request-uri": "/r", "token-keys": [{ ...key, "not-before": "1" }] },
  ];
  for (const doc of bad) assert.throws(() => decodeIssuerDirectory(JSON.stringify(doc)), ppError(PrivacyPassErrorCode.Malformed), JSON.stringify(doc));
  for (const text of ["", "{", "not json", "\u0000"]) assert.throws(() => decodeIssuerDirectory(text), ppError(PrivacyPassErrorCode.Malformed));
  assert.throws(() => encodeIssuerDirectory({ issuerRequestUri: "", tokenKeys: [] }), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(() => encodeIssuerDirectory({ issuerRequestUri: "/r", tokenKeys: [{ tokenType: 2, tokenKey: new Uint8Array(0) }] }), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(() => encodeIssuerDirectory({ issuerRequestUri: "/r", tokenKeys: [{ tokenType: 2, tokenKey: rfc.pkS, notBefore: 1.5 }] }), ppError(PrivacyPassErrorCode.InvalidArgument));
});

test("directory: random JSON-ish strings give a value or a PrivacyPassError", () => {
  fc.assert(
    fc.property(fc.oneof(fc.json(), fc.string()), (text) => valueOrPpError(() => decodeIssuerDirectory(text))),
    { numRuns: 1000 },
  );
});

test("token keys: a fresh RSA key encodes as RFC 9578 writes it (absent, not NULL, hash parameters)", () => {
  const { publicKey, privateKey } = freshKey();
  const spki = encodeTokenKey(publicKey);
  assert.equal(spki.length, 342);
  assert.equal(toHex(spki.subarray(4, 4 + RSASSA_PSS_SHA384.length)), toHex(RSASSA_PSS_SHA384));
  assert.equal(toHex(encodeTokenKey(privateKey)), toHex(spki));
  const decoded = decodeTokenKey(spki);
  assert.equal(toHex(encodeTokenKey(decoded)), toHex(spki));
  assert.equal(toHex(rsaPublicComponents(decoded).n), toHex(rsaPublicComponents(publicKey).n));
  assert.equal(truncatedTokenKeyId(spki), tokenKeyId(spki)[31]);
  assert.equal(toHex(tokenKeyId(atOffset(spki))), toHex(tokenKeyId(spki)));
  assert.equal(toHex(encodeTokenKey(decodeTokenKey(atOffset(rfc.pkS)))), toHex(rfc.pkS));
});

test("token keys: OpenSSL's own RSASSA-PSS SPKI (NULL hash parameters) decodes; its id is over its own bytes", () => {
  // node:crypto defaults the salt length to the hash length: SHA-384 gives 48, SHA-256 gives 32.
  const pss = generateKeyPairSync("rsa-pss", { modulusLength: 2048, hashAlgorithm: "sha384", mgf1HashAlgorithm: "sha384" });
  const withNull = new Uint8Array(pss.publicKey.export({ format: "der", type: "spki" }));
  const key = decodeTokenKey(withNull);
  const canonical = encodeTokenKey(key);
  assert.notEqual(toHex(withNull), toHex(canonical));
  assert.equal(toHex(encodeTokenKey(pss.publicKey)), toHex(canonical));
  assert.notEqual(toHex(tokenKeyId(withNull)), toHex(tokenKeyId(canonical)));
  const sha256 = generateKeyPairSync("rsa-pss", { modulusLength: 2048, hashAlgorithm: "sha256", mgf1HashAlgorithm: "sha256" });
  assert.throws(() => decodeTokenKey(new Uint8Array(sha256.publicKey.export({ format: "der", type: "spki" }))), ppError(PrivacyPassErrorCode.InvalidKey));
  assert.throws(() => encodeTokenKey(sha256.publicKey), ppError(PrivacyPassErrorCode.InvalidKey));
});

test("token keys: rsaEncryption, other PSS parameters, other sizes, trailing bytes and garbage are refused", () => {
  const { publicKey } = freshKey();
  const rsaEncryption = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
  assert.throws(() => decodeTokenKey(rsaEncryption), ppError(PrivacyPassErrorCode.InvalidKey));
  const { rsaPublicKey } = rsaPublicComponents(publicKey);
  const withAlgorithm = (algorithm: Uint8Array): Uint8Array => writeSequence(algorithm, writeTlv(DerTag.BitString, concat(Uint8Array.of(0), rsaPublicKey)));
  const salt32 = Uint8Array.from(RSASSA_PSS_SHA384);
  salt32[salt32.length - 1] = 32;
  assert.throws(() => decodeTokenKey(withAlgorithm(salt32)), ppError(PrivacyPassErrorCode.InvalidKey));
  const sha256 = Uint8Array.from(RSASSA_PSS_SHA384);
  sha256[21] = 0x01; // the first id-sha384 (2.16.840.1.101.3.4.2.2) becomes id-sha256 (...2.1)
  assert.throws(() => decodeTokenKey(withAlgorithm(sha256)), (e: unknown) => e instanceof PrivacyPassError && ["malformed", "invalid-key"].includes(e.code));
  assert.equal(toHex(decodeTokenKey(withAlgorithm(RSASSA_PSS_SHA384)).export({ format: "der", type: "spki" }).subarray(-10)), toHex(rsaPublicKey.subarray(-10)));
  const big = generateKeyPairSync("rsa", { modulusLength: 3072 });
  assert.throws(() => encodeTokenKey(big.publicKey), ppError(PrivacyPassErrorCode.InvalidKey));
  assert.throws(() => decodeTokenKey(concat(rfc.pkS, Uint8Array.of(0))), ppError(PrivacyPassErrorCode.Malformed));
  assert.throws(() => decodeTokenKey(rfc.pkS.subarray(0, 300)), ppError(PrivacyPassErrorCode.Malformed));
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  assert.throws(() => encodeTokenKey(ec.publicKey), ppError(PrivacyPassErrorCode.InvalidKey));
  assert.throws(() => decodeTokenKey(new Uint8Array(ec.publicKey.export({ format: "der", type: "spki" }))), ppError(PrivacyPassErrorCode.InvalidKey));
});

test("token keys: random bytes and mutated keys give a key or a PrivacyPassError", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => valueOrPpError(() => decodeTokenKey(bytes))),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(fc.nat(rfc.pkS.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
      const mutated = Uint8Array.from(rfc.pkS);
      mutated[at] = (mutated[at] as number) ^ x;
      valueOrPpError(() => decodeTokenKey(mutated));
    }),
    { numRuns: 1000 },
  );
});
