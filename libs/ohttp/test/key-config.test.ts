import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteWriter, concat, fromHex, toHex } from "@oblivious/wire";
import { AeadId, KdfId, KemId, OhttpError, OhttpErrorCode, decodeKeyConfig, decodeKeyConfigs, encodeKeyConfig, encodeKeyConfigs } from "../src/index.js";
import type { KeyConfig } from "../src/index.js";
import { field, ohttpError, readVectors } from "./helpers.js";

const rfcConfig = fromHex(field(readVectors("rfc9458-appendix-a.json"), "key_config"));

function config(keyId: number, fill: number, aeads: readonly AeadId[] = [AeadId.Aes128Gcm]): KeyConfig {
  return {
    keyId,
    kemId: KemId.DhkemX25519HkdfSha256,
    publicKey: new Uint8Array(32).fill(fill),
    symmetricAlgorithms: aeads.map((aeadId) => ({ kdfId: KdfId.HkdfSha256, aeadId })),
  };
}

/** A Key Config written field by field, for values the encoder refuses to write. */
function rawConfig(keyId: number, kemId: number, publicKey: Uint8Array, pairs: readonly (readonly [number, number])[]): Uint8Array {
  const w = new ByteWriter().uint8(keyId).uint16(kemId).bytes(publicKey).uint16(pairs.length * 4);
  for (const [kdf, aead] of pairs) w.uint16(kdf).uint16(aead);
  return w.finish();
}

function rawList(...configs: Uint8Array[]): Uint8Array {
  const w = new ByteWriter();
  for (const c of configs) w.uint16Prefixed(c);
  return w.finish();
}

const arbitraryConfig: fc.Arbitrary<KeyConfig> = fc.record({
  keyId: fc.integer({ min: 0, max: 255 }),
  kemId: fc.constant(KemId.DhkemX25519HkdfSha256),
  publicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  symmetricAlgorithms: fc.array(
    fc.record({ kdfId: fc.constant(KdfId.HkdfSha256), aeadId: fc.constantFrom(AeadId.Aes128Gcm, AeadId.Aes256Gcm, AeadId.ChaCha20Poly1305) }),
    { minLength: 1, maxLength: 6 },
  ),
}).map((c) => ({ ...c, symmetricAlgorithms: c.symmetricAlgorithms.map((a) => ({ ...a })) })); // plain prototypes, for deepEqual

test("key config: round trips, single and in lists", () => {
  fc.assert(
    fc.property(fc.array(arbitraryConfig, { minLength: 1, maxLength: 5 }), (configs) => {
      for (const c of configs) assert.deepEqual(decodeKeyConfig(encodeKeyConfig(c)), c);
      assert.deepEqual(decodeKeyConfigs(encodeKeyConfigs(configs)), configs);
    }),
  );
});

test("key config: the layout is the RFC's (length-prefixed entries, 4-byte pairs)", () => {
  const list = encodeKeyConfigs([config(1, 0xaa), config(2, 0xbb, [AeadId.ChaCha20Poly1305, AeadId.Aes256Gcm])]);
  assert.equal(
    toHex(list),
    "0029" + "01" + "0020" + "aa".repeat(32) + "0004" + "00010001" +
      "002d" + "02" + "0020" + "bb".repeat(32) + "0008" + "00010003" + "00010002",
  );
});

test("key config list: an unknown KEM, and a config with no usable pair, are skipped", () => {
  const unknownKem = rawConfig(7, 0x0010, new Uint8Array(65).fill(4), [[1, 1]]);
  const unknownPairs = rawConfig(8, 0x0020, new Uint8Array(32).fill(5), [[2, 1], [1, 0xffff]]);
  const mixedPairs = rawConfig(9, 0x0020, new Uint8Array(32).fill(6), [[3, 2], [1, 3], [1, 0x0004]]);
  const known = encodeKeyConfig(config(1, 0xaa));
  const decoded = decodeKeyConfigs(rawList(unknownKem, known, unknownPairs, mixedPairs));
  assert.deepEqual(decoded, [config(1, 0xaa), config(9, 6, [AeadId.ChaCha20Poly1305])]);
  assert.deepEqual(decodeKeyConfigs(rawList(unknownKem)), []);
  assert.throws(() => decodeKeyConfig(unknownKem), ohttpError(OhttpErrorCode.Unsupported));
  assert.throws(() => decodeKeyConfig(unknownPairs), ohttpError(OhttpErrorCode.Unsupported));
  // An unknown KEM's entry must still be long enough to hold a KEM identifier and a pair.
  assert.throws(() => decodeKeyConfigs(rawList(known, fromHex("070010"))), ohttpError(OhttpErrorCode.Malformed));
});

test("key config list: one malformed config with a known KEM rejects the whole list (RFC 9458 Section 3.2)", () => {
  const known = encodeKeyConfig(config(1, 0xaa));
  const bad = [
    rawConfig(2, 0x0020, new Uint8Array(32), []), // no pairs
    concat(rawConfig(2, 0x0020, new Uint8Array(32), [[1, 1]]), Uint8Array.of(0)), // trailing byte inside the entry
    fromHex("020020" + "00".repeat(32) + "0003" + "000100"), // pairs length not a multiple of 4
  ];
  for (const entry of bad) {
    assert.throws(() => decodeKeyConfigs(rawList(known, entry)), ohttpError(OhttpErrorCode.Malformed));
    assert.throws(() => decodeKeyConfig(entry), ohttpError(OhttpErrorCode.Malformed));
  }
  assert.throws(() => decodeKeyConfigs(new Uint8Array(0)), ohttpError(OhttpErrorCode.Malformed));
});

test("key config: trailing bytes are rejected", () => {
  assert.throws(() => decodeKeyConfig(concat(rfcConfig, Uint8Array.of(0))), ohttpError(OhttpErrorCode.Malformed));
  const list = encodeKeyConfigs([config(1, 1)]);
  for (const tail of [Uint8Array.of(0), Uint8Array.of(0, 0), Uint8Array.of(0, 9, 1)]) {
    assert.throws(() => decodeKeyConfigs(concat(list, tail)), ohttpError(OhttpErrorCode.Malformed), `tail ${toHex(tail)}`);
  }
});

test("key config: truncation at every offset is malformed", () => {
  for (let cut = 0; cut < rfcConfig.length; cut++) {
    assert.throws(() => decodeKeyConfig(rfcConfig.subarray(0, cut)), ohttpError(OhttpErrorCode.Malformed), `key config cut at byte ${cut}`);
  }
  const one = encodeKeyConfigs([config(1, 1, [AeadId.Aes128Gcm, AeadId.ChaCha20Poly1305])]);
  for (let cut = 0; cut < one.length; cut++) {
    assert.throws(() => decodeKeyConfigs(one.subarray(0, cut)), ohttpError(OhttpErrorCode.Malformed), `list cut at byte ${cut}`);
  }
  // A list of two cut at the boundary between them is a valid list of one; anywhere else, malformed.
  const first = encodeKeyConfigs([config(1, 1)]);
  const two = encodeKeyConfigs([config(1, 1), config(2, 2)]);
  for (let cut = 0; cut < two.length; cut++) {
    if (cut === first.length) assert.deepEqual(decodeKeyConfigs(two.subarray(0, cut)), [config(1, 1)]);
    else assert.throws(() => decodeKeyConfigs(two.subarray(0, cut)), ohttpError(OhttpErrorCode.Malformed), `list of two cut at byte ${cut}`);
  }
});

test("key config: input at a non-zero offset of a larger buffer decodes the same", () => {
  fc.assert(
    fc.property(fc.array(arbitraryConfig, { minLength: 1, maxLength: 3 }), fc.uint8Array({ minLength: 1, maxLength: 32 }), fc.uint8Array({ maxLength: 32 }), (configs, before, after) => {
      const single = encodeKeyConfig(configs[0] as KeyConfig);
      const list = encodeKeyConfigs(configs);
      const big = concat(before, single, list, after);
      const singleView = big.subarray(before.length, before.length + single.length);
      const listView = big.subarray(before.length + single.length, before.length + single.length + list.length);
      assert.deepEqual(decodeKeyConfig(singleView), configs[0]);
      assert.deepEqual(decodeKeyConfigs(listView), configs);
    }),
  );
});

test("key config: decoded public keys are copies, not views of the input", () => {
  const input = Uint8Array.from(rfcConfig);
  const decoded = decodeKeyConfig(input);
  input.fill(0);
  assert.equal(toHex(decoded.publicKey), "31e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e798155");
});

test("key config: encoding refuses bad arguments with invalid-argument", () => {
  const good = config(1, 1);
  const bad: KeyConfig[] = [
    { ...good, keyId: 256 },
    { ...good, keyId: -1 },
    { ...good, keyId: 1.5 },
    { ...good, publicKey: new Uint8Array(31) },
    { ...good, symmetricAlgorithms: [] },
    { ...good, kemId: 0x0010 as KemId },
    { ...good, symmetricAlgorithms: [{ kdfId: 2 as KdfId, aeadId: AeadId.Aes128Gcm }] },
  ];
  for (const c of bad) {
    assert.throws(() => encodeKeyConfig(c), ohttpError(OhttpErrorCode.InvalidArgument));
    assert.throws(() => encodeKeyConfigs([good, c]), ohttpError(OhttpErrorCode.InvalidArgument));
  }
  assert.throws(() => encodeKeyConfigs([]), ohttpError(OhttpErrorCode.InvalidArgument));
});

test("key config: random bytes decode to a value or an OhttpError, never anything else", () => {
  const decodeEither = (decode: (b: Uint8Array) => unknown, bytes: Uint8Array): void => {
    try {
      decode(bytes);
    } catch (error) {
      assert.ok(error instanceof OhttpError, `unexpected ${String(error)}`);
      assert.ok(error.code === OhttpErrorCode.Malformed || error.code === OhttpErrorCode.Unsupported);
    }
  };
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      decodeEither(decodeKeyConfig, bytes);
      decodeEither(decodeKeyConfigs, bytes);
    }),
    { numRuns: 2000 },
  );
  // Random bytes behind plausible prefixes reach deeper into the parser.
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 60 }), fc.integer({ min: 0, max: 80 }), (keyId, rest, length) => {
      const body = concat(Uint8Array.of(keyId, 0x00, 0x20), rest);
      decodeEither(decodeKeyConfig, body);
      decodeEither(decodeKeyConfigs, concat(Uint8Array.of(0, length), body));
    }),
    { numRuns: 2000 },
  );
});
