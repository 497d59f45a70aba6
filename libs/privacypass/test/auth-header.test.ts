// The PrivateToken authentication scheme (RFC 9577 Sections 2.1, 2.2) on RFC 9110 Section 11.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  PrivacyPassErrorCode,
  decodeBase64Url,
  encodeBase64Url,
  formatAuthorization,
  formatWwwAuthenticate,
  parseAuthorization,
  parseWwwAuthenticate,
} from "../src/index.js";
import { ppError, toHex, valueOrPpError } from "./helpers.js";

const challenge = Uint8Array.from([0, 2, 0, 16, ...new TextEncoder().encode("issuer.example.x"), 0, 0, 0]); // 23 bytes: base64 ends in "="
const tokenKey = Uint8Array.from({ length: 34 }, (_, i) => i * 7); // 34 bytes: "=="
const token = Uint8Array.from({ length: 40 }, (_, i) => 255 - i);
const b = (bytes: Uint8Array, padding = true): string => encodeBase64Url(bytes, { padding });

test("format: quoted, padded base64url, the RFC's parameter names", () => {
  assert.equal(
    formatWwwAuthenticate([{ challenge, tokenKey, maxAge: 10 }]),
    `PrivateToken challenge="${b(challenge)}", token-key="${b(tokenKey)}", max-age=10`,
  );
  assert.ok(b(challenge).endsWith("=") && b(tokenKey).endsWith("=="));
  assert.equal(formatAuthorization(token), `PrivateToken token="${b(token)}"`);
  assert.equal(
    formatWwwAuthenticate([{ challenge, tokenKey }, { challenge: token, tokenKey }]),
    `PrivateToken challenge="${b(challenge)}", token-key="${b(tokenKey)}", PrivateToken challenge="${b(token)}", token-key="${b(tokenKey)}"`,
  );
});

test("parse: what format writes", () => {
  assert.deepEqual(parseWwwAuthenticate(formatWwwAuthenticate([{ challenge, tokenKey, maxAge: 10 }])), [{ challenge, tokenKey, maxAge: 10 }]);
  assert.deepEqual(parseWwwAuthenticate(formatWwwAuthenticate([{ challenge, tokenKey }])), [{ challenge, tokenKey }]);
  assert.deepEqual(parseAuthorization(formatAuthorization(token)), token);
});

test("parse: quoted and unquoted, padded and unpadded, odd spacing and case", () => {
  const forms = [
    `PrivateToken challenge="${b(challenge)}", token-key="${b(tokenKey)}"`,
    `PrivateToken challenge=${b(challenge, false)}, token-key=${b(tokenKey, false)}`,
    `PrivateToken challenge="${b(challenge, false)}",token-key=${b(tokenKey)}`,
    `PrivateToken challenge=${b(challenge)},token-key=${b(tokenKey)}`, // unquoted "=": privacypass-ts writes this
    `privatetoken   CHALLENGE = "${b(challenge)}" ,\tToken-Key="${b(tokenKey)}"  `,
    `  PrivateToken challenge="${b(challenge)}", realm="a \\"quoted\\" realm", token-key="${b(tokenKey)}", future-param=x`,
  ];
  for (const header of forms) assert.deepEqual(parseWwwAuthenticate(header), [{ challenge, tokenKey }], header);
  const credentials = [
    `PrivateToken token="${b(token)}"`,
    `PrivateToken token=${b(token, false)}`,
    `privateTOKEN  token = ${b(token)} , extensions="AAA="`,
  ];
  for (const header of credentials) assert.deepEqual(parseAuthorization(header), token, header);
});

test("parse: several challenges, other schemes mixed in (params, token68, bare)", () => {
  const header = [
    `Basic realm="simple"`,
    `PrivateToken challenge="${b(challenge)}", token-key="${b(tokenKey)}", max-age=60`,
    `Negotiate YWJjZGVm==`,
    `Bearer`,
    `PrivateToken challenge="${b(token)}", token-key="${b(tokenKey)}"`,
    `Digest realm="x", nonce="y, z", qop=auth`,
  ].join(", ");
  assert.deepEqual(parseWwwAuthenticate(header), [
    { challenge, tokenKey, maxAge: 60 },
    { challenge: token, tokenKey },
  ]);
  assert.deepEqual(parseWwwAuthenticate(`Basic realm="x"`), []);
  assert.deepEqual(parseWwwAuthenticate(""), []);
  assert.deepEqual(parseWwwAuthenticate(" , ,"), []);
});

test("parse: a PrivateToken challenge without token-key is skipped (no out-of-band key source)", () => {
  assert.deepEqual(parseWwwAuthenticate(`PrivateToken challenge="${b(challenge)}", PrivateToken challenge="${b(token)}", token-key="${b(tokenKey)}"`), [
    { challenge: token, tokenKey },
  ]);
});

test("parse: malformed PrivateToken challenges are errors, not skipped", () => {
  const bad = [
    `PrivateToken token-key="${b(tokenKey)}"`, // no challenge
    `PrivateToken challenge="${b(challenge)}", challenge="${b(challenge)}", token-key="${b(tokenKey)}"`, // repeated
    `PrivateToken challenge="${b(challenge)}", token-key="${b(tokenKey)}", max-age=-1`,
    `PrivateToken challenge="${b(challenge)}", token-key="${b(tokenKey)}", max-age=1.5`,
    `PrivateToken challenge="${b(challenge)}", token-key="${b(tokenKey)}", max-age=99999999999999999999`,
    `PrivateToken challenge="not base64!", token-key="${b(tokenKey)}"`,
    `PrivateToken challenge="${b(challenge).replaceAll("-", "+")}+/", token-key="${b(tokenKey)}"`,
    `PrivateToken challenge="", token-key="${b(tokenKey)}"`,
    `PrivateToken challenge="${b(challenge)}===", token-key="${b(tokenKey)}"`,
    `PrivateToken YWJj`, // token68
    `PrivateToken challenge="${b(challenge)}, token-key="${b(tokenKey)}"`, // unterminated quote
    `PrivateToken challenge=${b(challenge)} token-key=${b(tokenKey)}`, // missing comma
    `challenge="${b(challenge)}"`, // no scheme
    `PrivateToken challenge="\u0100"`,
    `=`,
    `"`,
  ];
  for (const header of bad) assert.throws(() => parseWwwAuthenticate(header), ppError(PrivacyPassErrorCode.Malformed), header);
});

test("parseAuthorization: other schemes give undefined, a malformed PrivateToken an error", () => {
  for (const header of ["", "Basic dXNlcjpwYXNz", "Bearer abc.def.ghi", "PrivateTokenX token=abc", "@@@", "  "]) {
    assert.equal(parseAuthorization(header), undefined, header);
  }
  const bad = [
    "PrivateToken",
    "PrivateToken ",
    "PrivateToken token=",
    'PrivateToken token=""',
    "PrivateToken abc",
    `PrivateToken token="${b(token)}", token="${b(token)}"`,
    `PrivateToken token="${b(token)}", Basic abc`,
    `PrivateToken other="x"`,
    `PrivateToken token="%%%"`,
    `PrivateToken token="${b(token)}`,
  ];
  for (const header of bad) assert.throws(() => parseAuthorization(header), ppError(PrivacyPassErrorCode.Malformed), header);
});

test("format refuses what it cannot write", () => {
  assert.throws(() => formatWwwAuthenticate([]), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(() => formatWwwAuthenticate([{ challenge: new Uint8Array(0), tokenKey }]), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(() => formatWwwAuthenticate([{ challenge, tokenKey, maxAge: -1 }]), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(() => formatWwwAuthenticate([{ challenge, tokenKey, maxAge: 1.5 }]), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(() => formatAuthorization(new Uint8Array(0)), ppError(PrivacyPassErrorCode.InvalidArgument));
});

test("base64url: two spellings per byte string, nothing else", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
      const padded = encodeBase64Url(bytes);
      assert.equal(padded.length % 4, 0);
      assert.equal(toHex(decodeBase64Url(padded)), toHex(bytes));
      assert.equal(toHex(decodeBase64Url(encodeBase64Url(bytes, { padding: false }))), toHex(bytes));
      assert.equal(padded, Buffer.from(bytes).toString("base64").replaceAll("+", "-").replaceAll("/", "_"));
    }),
    { numRuns: 500 },
  );
  for (const bad of ["A", "AB=", "ABC==", "AB===", "AB==C", "A B", "AB+/", "AB\n", "AQ=", "AR==", "AQF"]) {
    assert.throws(() => decodeBase64Url(bad), ppError(PrivacyPassErrorCode.Malformed), bad);
  }
});

test("random strings into the parsers: a value or a PrivacyPassError, never anything else", () => {
  const alphabet = fc.constantFrom(..."PrivateTokenchalgk-y=\",; \t\\AQB_x".split(""));
  const headerish = fc.oneof(fc.string({ unit: alphabet, maxLength: 60 }), fc.string({ maxLength: 60 }), fc.string({ unit: "binary", maxLength: 40 }));
  fc.assert(
    fc.property(headerish, (text) => {
      valueOrPpError(() => parseWwwAuthenticate(text));
      valueOrPpError(() => parseAuthorization(text));
      valueOrPpError(() => parseWwwAuthenticate(`PrivateToken ${text}`));
      valueOrPpError(() => parseAuthorization(`PrivateToken ${text}`));
      valueOrPpError(() => decodeBase64Url(text));
    }),
    { numRuns: 2000 },
  );
});
