// ARC encodings: exact lengths, round trips, every truncation and trailing bytes refused as
// malformed, non-canonical elements and scalars refused, and random bytes into every decoder give
// a value or a PrivacyPassError, never another exception.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { p256 } from "@noble/curves/nist.js";
import {
  CREDENTIAL_LENGTH, CREDENTIAL_REQUEST_LENGTH, CREDENTIAL_RESPONSE_LENGTH, SERVER_PRIVATE_KEY_LENGTH, SERVER_PUBLIC_KEY_LENGTH,
  decodeCredential, decodeCredentialRequest, decodeCredentialResponse, decodePresentation, decodeServerPrivateKey, decodeServerPublicKey,
  encodeCredential, encodeCredentialRequest, encodeCredentialResponse, encodePresentation, encodeServerPrivateKey, encodeServerPublicKey,
  presentationLength,
} from "../src/arc/codec.js";
import { PrivacyPassErrorCode } from "../src/errors.js";
import { PresentationState } from "../src/arc/presentation.js";
import { ascii, issue, seeded } from "./arc-helpers.js";
import { ppError, toHex, valueOrPpError } from "./helpers.js";

const fx = issue("codec tests");
const presentations = new Map([2, 5, 100].map((limit) => [limit, encodePresentation(new PresentationState(fx.credential, ascii("ctx"), limit).present(seeded(`codec ${limit}`)).presentation, limit)] as const));

const codecs: readonly { name: string; bytes: Uint8Array; length: number; decode: (b: Uint8Array) => unknown; encode: (v: never) => Uint8Array }[] = [
  { name: "ServerPublicKey", bytes: encodeServerPublicKey(fx.keys.publicKey), length: SERVER_PUBLIC_KEY_LENGTH, decode: decodeServerPublicKey, encode: encodeServerPublicKey },
  { name: "ServerPrivateKey", bytes: encodeServerPrivateKey(fx.keys.privateKey), length: SERVER_PRIVATE_KEY_LENGTH, decode: decodeServerPrivateKey, encode: encodeServerPrivateKey },
  { name: "CredentialRequest", bytes: encodeCredentialRequest(fx.pending.request), length: CREDENTIAL_REQUEST_LENGTH, decode: decodeCredentialRequest, encode: encodeCredentialRequest },
  { name: "CredentialResponse", bytes: encodeCredentialResponse(fx.response), length: CREDENTIAL_RESPONSE_LENGTH, decode: decodeCredentialResponse, encode: encodeCredentialResponse },
  { name: "Credential", bytes: encodeCredential(fx.credential), length: CREDENTIAL_LENGTH, decode: decodeCredential, encode: encodeCredential },
  ...[...presentations].map(([limit, bytes]) => ({
    name: `Presentation(limit ${limit})`,
    bytes,
    length: presentationLength(limit),
    decode: (b: Uint8Array) => decodePresentation(b, limit),
    encode: ((v: never) => encodePresentation(v, limit)) as (v: never) => Uint8Array,
  })),
];

test("lengths as the draft gives them: 99, 128, 226, 454, 131; presentations 5*Ne + k*Ne + (6+3k)*Ns", () => {
  assert.deepEqual(codecs.map((c) => [c.name, c.bytes.length]), codecs.map((c) => [c.name, c.length]));
  assert.deepEqual([SERVER_PUBLIC_KEY_LENGTH, SERVER_PRIVATE_KEY_LENGTH, CREDENTIAL_REQUEST_LENGTH, CREDENTIAL_RESPONSE_LENGTH, CREDENTIAL_LENGTH], [99, 128, 226, 454, 131]);
  assert.equal(presentationLength(2), 165 + 33 + 9 * 32);
  assert.equal(presentationLength(5), 165 + 3 * 33 + 15 * 32);
  assert.equal(presentationLength(100), 165 + 7 * 33 + 27 * 32);
  assert.throws(() => presentationLength(1), ppError(PrivacyPassErrorCode.InvalidArgument));
});

for (const codec of codecs) {
  test(`${codec.name}: round trip, every truncation and trailing bytes malformed, at an offset of a larger buffer`, () => {
    assert.equal(toHex(codec.encode(codec.decode(codec.bytes) as never)), toHex(codec.bytes));
    for (let n = 0; n < codec.bytes.length; n++) {
      assert.throws(() => codec.decode(codec.bytes.subarray(0, n)), ppError(PrivacyPassErrorCode.Malformed), `truncated to ${n}`);
    }
    for (const extra of [[0], [1, 2, 3]]) {
      assert.throws(() => codec.decode(new Uint8Array([...codec.bytes, ...extra])), ppError(PrivacyPassErrorCode.Malformed), "trailing");
    }
    const big = new Uint8Array(codec.bytes.length + 9).fill(0xa5);
    big.set(codec.bytes, 4);
    assert.equal(toHex(codec.encode(codec.decode(big.subarray(4, 4 + codec.bytes.length)) as never)), toHex(codec.bytes));
  });
}

test("elements: uncompressed form, bad prefix, x not below p, x not on the curve, the identity: malformed", () => {
  const pk = encodeServerPublicKey(fx.keys.publicKey);
  const withFirst = (element: Uint8Array): Uint8Array => new Uint8Array([...element, ...pk.subarray(33)]);
  const p = p256.Point.Fp.ORDER;
  const xBytes = (x: bigint): Uint8Array => Uint8Array.from(x.toString(16).padStart(64, "0").match(/../g) ?? [], (h) => parseInt(h, 16));
  const cases: [string, Uint8Array][] = [
    ["prefix 0x04", new Uint8Array([0x04, ...pk.subarray(1, 33)])],
    ["prefix 0x00", new Uint8Array([0x00, ...pk.subarray(1, 33)])],
    ["x = p", new Uint8Array([0x02, ...xBytes(p)])],
    ["x = p + 1", new Uint8Array([0x02, ...xBytes(p + 1n)])],
    ["all ones", new Uint8Array(33).fill(0xff)],
    ["zeros", new Uint8Array(33)],
  ];
  // An x with no point: find the first x >= 1 for which 0x02||x does not decode.
  for (let x = 1n; x < 50n; x++) {
    const candidate = new Uint8Array([0x02, ...xBytes(x)]);
    try {
      p256.Point.fromBytes(candidate);
    } catch {
      cases.push([`x = ${x} (not on the curve)`, candidate]);
      break;
    }
  }
  assert.ok(cases.length === 7);
  for (const [name, element] of cases) assert.throws(() => decodeServerPublicKey(withFirst(element)), ppError(PrivacyPassErrorCode.Malformed), name);
});

test("scalars: zero and values at or above the order are malformed in keys and credentials", () => {
  const n = p256.Point.Fn.ORDER;
  const sk = encodeServerPrivateKey(fx.keys.privateKey);
  const scalarBytes = (s: bigint): number[] => Array.from(s.toString(16).padStart(64, "0").match(/../g) ?? [], (h) => parseInt(h, 16));
  for (const bad of [0n, n, n + 1n, 2n ** 256n - 1n]) {
    assert.throws(() => decodeServerPrivateKey(new Uint8Array([...scalarBytes(bad), ...sk.subarray(32)])), ppError(PrivacyPassErrorCode.Malformed));
    assert.throws(() => decodeServerPrivateKey(new Uint8Array([...sk.subarray(0, 96), ...scalarBytes(bad)])), ppError(PrivacyPassErrorCode.Malformed));
    const cred = encodeCredential(fx.credential);
    assert.throws(() => decodeCredential(new Uint8Array([...scalarBytes(bad), ...cred.subarray(32)])), ppError(PrivacyPassErrorCode.Malformed));
  }
  assert.doesNotThrow(() => decodeServerPrivateKey(new Uint8Array([...scalarBytes(n - 1n), ...sk.subarray(32)])));
});

test("encoders refuse values that do not fit: wrong proof length, a presentation for another limit", () => {
  assert.throws(() => encodeCredentialRequest({ ...fx.pending.request, proof: new Uint8Array(159) }), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(() => encodeCredentialResponse({ ...fx.response, proof: new Uint8Array(257) }), ppError(PrivacyPassErrorCode.InvalidArgument));
  const bytes = presentations.get(5);
  assert.ok(bytes !== undefined);
  assert.throws(() => encodePresentation(decodePresentation(bytes, 5), 2), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(() => decodePresentation(bytes, 2), ppError(PrivacyPassErrorCode.Malformed));
  assert.throws(() => decodePresentation(bytes, 0), ppError(PrivacyPassErrorCode.InvalidArgument));
});

test("property: random bytes, and valid encodings with random damage, into every decoder give a value or a PrivacyPassError", () => {
  for (const codec of codecs) {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 700 }), fc.uint8Array({ minLength: codec.length, maxLength: codec.length })), (bytes) => {
        valueOrPpError(() => codec.decode(bytes));
      }),
      { numRuns: 150 },
    );
    fc.assert(
      fc.property(fc.nat(codec.length - 1), fc.integer({ min: 1, max: 255 }), (index, mask) => {
        const damaged = new Uint8Array(codec.bytes);
        damaged[index] = (damaged[index] as number) ^ mask;
        valueOrPpError(() => codec.decode(damaged));
      }),
      { numRuns: 150 },
    );
  }
});
