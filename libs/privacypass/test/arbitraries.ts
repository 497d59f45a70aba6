// fast-check arbitraries for the codecs' values.
import fc from "fast-check";
import type { Token, TokenChallenge, TokenRequest } from "../src/index.js";

const ascii = (min: number, max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: min, maxLength: max });

export const challengeArb: fc.Arbitrary<TokenChallenge> = fc.record({
  tokenType: fc.integer({ min: 0, max: 0xffff }),
  issuerName: ascii(1, 40),
  redemptionContext: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 32, maxLength: 32 })),
  originInfo: fc.array(ascii(1, 20).filter((s) => !s.includes(",")), { maxLength: 4 }),
}, { noNullPrototype: true });

const bytes = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n });
export const tokenArb: fc.Arbitrary<Token> = fc.record({
  tokenType: fc.constant(2),
  nonce: bytes(32),
  challengeDigest: bytes(32),
  tokenKeyId: bytes(32),
  authenticator: bytes(256),
}, { noNullPrototype: true });
export const requestArb: fc.Arbitrary<TokenRequest> = fc.record({
  tokenType: fc.constant(2),
  truncatedTokenKeyId: fc.integer({ min: 0, max: 255 }),
  blindedMsg: bytes(256),
}, { noNullPrototype: true });

