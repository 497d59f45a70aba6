// Property tests: random bytes, and valid encodings with random damage, into every decoder give a
// value or a PrivacyPassError, never another exception.
import { test } from "node:test";
import fc from "fast-check";
import { ByteWriter, concat } from "@oblivious/wire";
import {
  decodeBatchedTokenRequest,
  decodeBatchedTokenResponse,
  decodeGenericBatchTokenRequest,
  decodeGenericBatchTokenResponse,
  decodeToken,
  decodeTokenChallenge,
  decodeTokenKey,
  decodeTokenRequest,
  decodeTokenResponse,
  encodeBatchedTokenRequest,
  encodeBatchedTokenResponse,
  encodeToken,
  encodeTokenChallenge,
  encodeTokenRequest,
} from "../src/index.js";
import { challengeArb, requestArb, tokenArb } from "./arbitraries.js";
import { valueOrPpError } from "./helpers.js";

const decoders: readonly [string, (bytes: Uint8Array) => unknown][] = [
  ["TokenChallenge", decodeTokenChallenge],
  ["Token", decodeToken],
  ["TokenRequest", decodeTokenRequest],
  ["TokenResponse", decodeTokenResponse],
  ["BatchedTokenRequest", decodeBatchedTokenRequest],
  ["BatchedTokenResponse", decodeBatchedTokenResponse],
  ["GenericBatchTokenRequest", decodeGenericBatchTokenRequest],
  ["GenericBatchTokenResponse", decodeGenericBatchTokenResponse],
  ["TokenKey", decodeTokenKey],
];

test("random bytes into every decoder: a value or a PrivacyPassError", () => {
  for (const [, decode] of decoders) {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => valueOrPpError(() => decode(bytes))),
      { numRuns: 1000 },
    );
  }
});

test("random bytes after a plausible header (type 0x0002, small varints) reach deeper", () => {
  const headers = [Uint8Array.of(0x00, 0x02), Uint8Array.of(0x41, 0x03, 0x00, 0x02), Uint8Array.of(0x41, 0x03, 0x01, 0x00, 0x02), Uint8Array.of(0x00, 0x02, 0x00, 0x0e)];
  for (const [, decode] of decoders) {
    fc.assert(
      fc.property(fc.constantFrom(...headers), fc.uint8Array({ maxLength: 400 }), (header, rest) => valueOrPpError(() => decode(concat(header, rest)))),
      { numRuns: 1000 },
    );
  }
});

/** Valid encodings of every codec, to damage. */
const validArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  challengeArb.map(encodeTokenChallenge),
  tokenArb.map(encodeToken),
  requestArb.map(encodeTokenRequest),
  fc.array(fc.uint8Array({ minLength: 256, maxLength: 256 }), { minLength: 1, maxLength: 3 }).map((blindedMsgs) =>
    encodeBatchedTokenRequest({ tokenType: 2, truncatedTokenKeyId: 7, blindedMsgs }),
  ),
  fc.array(fc.option(fc.uint8Array({ minLength: 256, maxLength: 256 }), { nil: undefined }), { maxLength: 3 }).map((blindSigs) => encodeBatchedTokenResponse({ blindSigs })),
);

test("valid encodings with a byte changed, cut or added: a value or a PrivacyPassError", () => {
  fc.assert(
    fc.property(validArb, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(4), (bytes, at, x, how) => {
      const i = at % Math.max(1, bytes.length);
      let damaged: Uint8Array;
      if (how === 0) {
        damaged = Uint8Array.from(bytes);
        damaged[i] = (damaged[i] as number) ^ x;
      } else if (how === 1) {
        damaged = bytes.subarray(0, i);
      } else if (how === 2) {
        damaged = concat(bytes.subarray(0, i), Uint8Array.of(x), bytes.subarray(i));
      } else {
        damaged = new ByteWriter(bytes.length + 8).varint(x).bytes(bytes).finish();
      }
      for (const [, decode] of decoders) valueOrPpError(() => decode(damaged));
    }),
    { numRuns: 1000 },
  );
});
