// Property tests over random messages and random bytes (fast-check).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  BhttpErrorCode,
  decodeRequest,
  decodeRequestDetailed,
  decodeResponse,
  decodeResponseDetailed,
  encodeRequest,
  encodeResponse,
  type Decoded,
  type EncodeOptions,
  type Framing,
} from "../src/index.js";
import {
  assertBhttpError,
  type Boundaries,
  concatBytes,
  encodeOptionsArb,
  expectedAfterCut,
  framingArb,
  hex,
  requestArb,
  requestBoundaries,
  responseArb,
  responseBoundaries,
  valueOrBhttpError,
} from "./helpers.js";

/** The request and the response codecs, tested alike. */
interface Kind<M> {
  readonly name: string;
  readonly arb: fc.Arbitrary<M>;
  readonly encode: (m: M, opts?: EncodeOptions) => Uint8Array;
  readonly decode: (bytes: Uint8Array) => M;
  readonly decodeDetailed: (bytes: Uint8Array) => Decoded<M>;
  readonly boundaries: (m: M, framing: Framing) => Boundaries;
}

function codecProperties<M extends Parameters<typeof expectedAfterCut>[0]>(kind: Kind<M>, roundTrip: string): void {
  test(`round trip: ${roundTrip}, both framings, padding, truncation`, () => {
    fc.assert(
      fc.property(kind.arb, encodeOptionsArb, (m, opts) => {
        const bytes = kind.encode(m, opts);
        const d = kind.decodeDetailed(bytes);
        assert.deepEqual(d.message, m);
        assert.equal(d.framing, opts.framing);
        if (!opts.truncate) {
          // Without truncation the details say exactly how to re-encode the same bytes.
          assert.deepEqual([d.paddingLength, d.truncated], [opts.padding, false]);
          assert.equal(hex(kind.encode(d.message, { framing: d.framing, padding: d.paddingLength })), hex(bytes));
        }
      }),
      { numRuns: 500 },
    );
  });

  test(`truncation: a random ${kind.name} cut at every offset decodes as RFC 9292 §3.8 says, or is \`truncated\``, () => {
    fc.assert(
      fc.property(kind.arb, framingArb, (m, framing) => {
        const bytes = kind.encode(m, { framing });
        const b = kind.boundaries(m, framing);
        assert.equal(b.end, bytes.length);
        for (let cut = 0; cut < bytes.length; cut++) {
          const want = expectedAfterCut(m, b, cut);
          const note = `${framing} ${kind.name} cut at byte ${cut} of ${bytes.length}`;
          if (want === undefined) assertBhttpError(() => kind.decode(bytes.subarray(0, cut)), BhttpErrorCode.Truncated, undefined, note);
          else assert.deepEqual(kind.decode(bytes.subarray(0, cut)), want, note);
        }
      }),
      { numRuns: 150 },
    );
  });
}

codecProperties(
  { name: "request", arb: requestArb, encode: encodeRequest, decode: decodeRequest, decodeDetailed: decodeRequestDetailed, boundaries: requestBoundaries },
  "random requests",
);
codecProperties(
  { name: "response", arb: responseArb, encode: encodeResponse, decode: decodeResponse, decodeDetailed: decodeResponseDetailed, boundaries: responseBoundaries },
  "random responses with informational responses",
);

test("non-zero offset: a message inside a larger buffer decodes as a copy of it does", () => {
  fc.assert(
    fc.property(
      requestArb,
      responseArb,
      encodeOptionsArb,
      fc.uint8Array({ minLength: 1, maxLength: 16 }),
      fc.uint8Array({ minLength: 1, maxLength: 16 }),
      (req, res, opts, before, after) => {
        for (const [encoded, decode] of [
          [encodeRequest(req, opts), decodeRequestDetailed],
          [encodeResponse(res, opts), decodeResponseDetailed],
        ] as const) {
          const big = concatBytes(before, encoded, after);
          const view = big.subarray(before.length, before.length + encoded.length);
          assert.deepEqual(decode(view), decode(encoded.slice()));
        }
      },
    ),
    { numRuns: 300 },
  );
});

test("trailing bytes: zeros after a message are padding, any other byte is refused at its offset", () => {
  fc.assert(
    fc.property(requestArb, responseArb, framingArb, fc.nat(8), fc.integer({ min: 1, max: 255 }), (req, res, framing, zeros, junk) => {
      for (const [encoded, decode] of [
        [encodeRequest(req, { framing }), decodeRequest],
        [encodeResponse(res, { framing }), decodeResponse],
      ] as const) {
        const padded = concatBytes(encoded, new Uint8Array(zeros));
        assert.deepEqual(decode(padded), decode(encoded));
        const bad = concatBytes(padded, Uint8Array.of(junk));
        assertBhttpError(() => decode(bad), BhttpErrorCode.TrailingBytes, padded.length, `junk ${junk} after ${zeros} zeros`);
      }
    }),
    { numRuns: 300 },
  );
});

/** Random bytes, half of them behind a valid framing indicator so that decoding gets further. */
const noiseArb = fc.oneof(
  fc.uint8Array({ maxLength: 80 }),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 80 })).map(([f, rest]) => concatBytes(Uint8Array.of(f), rest)),
);

test("random bytes into decodeRequest give a request or a BhttpError, never anything else", () => {
  fc.assert(
    fc.property(noiseArb, (bytes) => valueOrBhttpError(() => decodeRequest(bytes), bytes.length)),
    { numRuns: 5000 },
  );
});

test("random bytes into decodeResponse give a response or a BhttpError, never anything else", () => {
  fc.assert(
    fc.property(noiseArb, (bytes) => valueOrBhttpError(() => decodeResponse(bytes), bytes.length)),
    { numRuns: 5000 },
  );
});

test("mutated valid messages give a value or a BhttpError, never anything else", () => {
  fc.assert(
    fc.property(
      requestArb,
      responseArb,
      framingArb,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      (req, res, framing, edits) => {
        for (const [encoded, decode] of [
          [encodeRequest(req, { framing }), decodeRequest],
          [encodeResponse(res, { framing }), decodeResponse],
        ] as const) {
          const bytes = encoded.slice();
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          valueOrBhttpError(() => decode(bytes), bytes.length);
        }
      },
    ),
    { numRuns: 2000 },
  );
});
