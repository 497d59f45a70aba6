// RFC 9292 §5 examples, and the Binary HTTP messages of RFC 9458 Appendix A.
// Source of the vectors: test/vectors/rfc9292-examples.json (its `source` field says where from).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  BhttpErrorCode,
  type Field,
  Framing,
  type Request,
  type Response,
  decodeRequest,
  decodeRequestDetailed,
  decodeResponse,
  decodeResponseDetailed,
  encodeRequest,
  encodeResponse,
} from "../src/index.js";
import {
  assertBhttpError,
  concatBytes,
  expectedAfterCut,
  fromHex,
  hex,
  requestBoundaries,
  responseBoundaries,
} from "./helpers.js";

interface VectorFile {
  readonly source: string;
  readonly examples: readonly { readonly name: string; readonly framing_indicator: number; readonly length: number; readonly hex: string; readonly decoded: unknown }[];
  readonly also_used_in_rfc9458: readonly { readonly name: string; readonly hex: string; readonly length: number }[];
}

// Compiled to dist/test; the JSON stays in test/vectors.
const vectors = JSON.parse(
  readFileSync(new URL("../../test/vectors/rfc9292-examples.json", import.meta.url), "utf8"),
) as VectorFile;

function example(name: string): Uint8Array {
  const found = vectors.examples.find((e) => e.name === name);
  assert.ok(found, `vector ${name} missing`);
  const bytes = fromHex(found.hex);
  assert.equal(bytes.length, found.length, `${name}: length`);
  return bytes;
}

const latin1 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "latin1"));

// The semantics the JSON documents, as this library's types.
const helloRequest: Request = {
  method: "GET",
  scheme: "https",
  authority: "",
  path: "/hello.txt",
  headers: [
    ["user-agent", "curl/7.16.3 libcurl/7.16.3 OpenSSL/0.9.7l zlib/1.2.3"],
    ["host", "www.example.com"],
    ["accept-language", "en, mi"],
  ],
  content: new Uint8Array(0),
  trailers: [],
};

test("vectors: the file keeps its source note", () => {
  assert.match(vectors.source, /httpwg\/http-extensions/);
  assert.equal(vectors.examples.length, 4);
});

test("vectors: the JSON semantics match what this test expects", () => {
  const [known, indeterminate, informational, trailer] = vectors.examples;
  assert.deepEqual((known?.decoded as Record<string, unknown>)["headers"], helloRequest.headers);
  assert.equal(indeterminate?.decoded, "same request as known_length_request");
  const info = informational?.decoded as { informational: { status: number; fields: Field[] }[]; headers: Field[]; content: string };
  assert.deepEqual(decodeResponse(example("indeterminate_length_response_with_informational")), {
    informational: info.informational.map((i) => ({ status: i.status, headers: i.fields })),
    status: 200,
    headers: info.headers,
    content: latin1(info.content),
    trailers: [],
  });
  const t = trailer?.decoded as { status: number; headers: Field[]; content: string; trailers: Field[] };
  assert.deepEqual(decodeResponse(example("known_length_response_with_trailer")), {
    informational: [],
    status: t.status,
    headers: t.headers,
    content: latin1(t.content),
    trailers: t.trailers,
  });
});

test("RFC 9292 §5.1 Figure 8: known-length request decodes and re-encodes exactly", () => {
  const bytes = example("known_length_request");
  const d = decodeRequestDetailed(bytes);
  assert.deepEqual(d.message, helloRequest);
  assert.deepEqual([d.framing, d.paddingLength, d.truncated], [Framing.KnownLength, 0, false]);
  // The example writes the empty content and trailers (0x00 0x00); so does the default encoder.
  assert.equal(hex(encodeRequest(helloRequest)), hex(bytes));
  // With truncation (§3.8), both zero lengths go.
  assert.equal(hex(encodeRequest(helloRequest, { truncate: true })), hex(bytes.subarray(0, bytes.length - 2)));
});

test("RFC 9292 §5.1 Figure 9: indeterminate-length request with 10 bytes of padding", () => {
  const bytes = example("indeterminate_length_request");
  const d = decodeRequestDetailed(bytes);
  assert.deepEqual(d.message, helloRequest);
  assert.deepEqual([d.framing, d.paddingLength, d.truncated], [Framing.IndeterminateLength, 10, false]);
  assert.equal(hex(encodeRequest(helloRequest, { framing: Framing.IndeterminateLength, padding: 10 })), hex(bytes));
  // "Up to 12 trailing bytes can be removed without changing meaning": padding, then the two zeros.
  for (let removed = 0; removed <= 12; removed++) {
    assert.deepEqual(decodeRequest(bytes.subarray(0, bytes.length - removed)), helloRequest, `removed ${removed}`);
  }
  assertBhttpError(() => decodeRequest(bytes.subarray(0, bytes.length - 13)), BhttpErrorCode.Truncated, undefined, "removed 13");
});

test("RFC 9292 §5.2 Figure 11: indeterminate-length response with informational responses", () => {
  const bytes = example("indeterminate_length_response_with_informational");
  const d = decodeResponseDetailed(bytes);
  assert.equal(d.message.status, 200);
  assert.deepEqual(d.message.informational.map((i) => i.status), [102, 103]);
  assert.deepEqual(d.message.informational[1]?.headers.map(([n]) => n), ["link", "link"], "duplicates kept in order");
  assert.deepEqual([d.framing, d.paddingLength, d.truncated], [Framing.IndeterminateLength, 0, false]);
  assert.equal(hex(encodeResponse(d.message, { framing: Framing.IndeterminateLength })), hex(bytes));
});

test("RFC 9292 §5.2 Figure 13: known-length response with a trailer", () => {
  const bytes = example("known_length_response_with_trailer");
  const d = decodeResponseDetailed(bytes);
  assert.deepEqual(d.message.trailers, [["trailer", "text"]]);
  assert.deepEqual([d.framing, d.paddingLength, d.truncated], [Framing.KnownLength, 0, false]);
  assert.equal(hex(encodeResponse(d.message)), hex(bytes));
});

test("RFC 9458 Appendix A: truncated known-length messages decode (RFC 9292 §3.1, §3.8)", () => {
  const [request, response] = vectors.also_used_in_rfc9458;
  assert.ok(request && response);
  const req = decodeRequestDetailed(fromHex(request.hex));
  assert.deepEqual(req.message, {
    method: "GET",
    scheme: "https",
    authority: "example.com",
    path: "/",
    headers: [],
    content: new Uint8Array(0),
    trailers: [],
  });
  assert.equal(req.truncated, true);
  const res = decodeResponseDetailed(fromHex(response.hex));
  assert.deepEqual(res.message, { informational: [], status: 200, headers: [], content: new Uint8Array(0), trailers: [] });
  assert.equal(res.truncated, true);
});

interface Case {
  readonly name: string;
  readonly isRequest: boolean;
  readonly bytes: Uint8Array;
  readonly decode: (b: Uint8Array) => Request | Response;
  /** The vector's message and its boundaries, encoded without padding. */
  readonly expected: Request | Response;
  readonly boundaries: ReturnType<typeof requestBoundaries>;
}

function cases(): Case[] {
  return vectors.examples.map((e) => {
    const bytes = fromHex(e.hex);
    const framing = e.framing_indicator < 2 ? Framing.KnownLength : Framing.IndeterminateLength;
    if (e.framing_indicator % 2 === 0) {
      const expected = decodeRequest(bytes);
      return { name: e.name, isRequest: true, bytes, decode: (b) => decodeRequest(b), expected, boundaries: requestBoundaries(expected, framing) };
    }
    const expected = decodeResponse(bytes);
    return { name: e.name, isRequest: false, bytes, decode: (b) => decodeResponse(b), expected, boundaries: responseBoundaries(expected, framing) };
  });
}

test("vectors: truncation at every offset is `truncated`, except where RFC 9292 §3.8 allows it", () => {
  for (const c of cases()) {
    for (let cut = 0; cut < c.bytes.length; cut++) {
      const want = expectedAfterCut(c.expected, c.boundaries, cut);
      const note = `${c.name} cut at byte ${cut}`;
      if (want === undefined) assertBhttpError(() => c.decode(c.bytes.subarray(0, cut)), BhttpErrorCode.Truncated, undefined, note);
      else assert.deepEqual(c.decode(c.bytes.subarray(0, cut)), want, note);
    }
  }
  // Spot checks that do not rely on the oracle: the header section of Figure 8 starts at byte 23.
  const fig8 = example("known_length_request");
  assert.deepEqual(decodeRequest(fig8.subarray(0, 23)), { ...helloRequest, headers: [] });
  assertBhttpError(() => decodeRequest(fig8.subarray(0, 24)), BhttpErrorCode.Truncated, 23, "fig8 cut at 24");
  assert.deepEqual(decodeRequest(fig8.subarray(0, 133)), helloRequest);
});

test("vectors: input at a non-zero offset of a larger buffer decodes identically", () => {
  for (const c of cases()) {
    const big = new Uint8Array(c.bytes.length + 13).fill(0xa5);
    big.set(c.bytes, 7);
    assert.deepEqual(c.decode(big.subarray(7, 7 + c.bytes.length)), c.decode(c.bytes), c.name);
  }
});

test("vectors: zero padding is accepted, a non-zero trailing byte is refused at its offset", () => {
  for (const c of cases()) {
    assert.deepEqual(c.decode(concatBytes(c.bytes, new Uint8Array(100))), c.expected, `${c.name} + 100 zeros`);
    for (const tail of [[0x01], [0x00, 0x00, 0x80], [0xff]]) {
      const withTail = concatBytes(c.bytes, Uint8Array.from(tail));
      const at = c.bytes.length + tail.findIndex((x) => x !== 0);
      assertBhttpError(() => c.decode(withTail), BhttpErrorCode.TrailingBytes, at, `${c.name} + ${hex(Uint8Array.from(tail))}`);
    }
  }
});

test("vectors: each decoder refuses the other kind of message", () => {
  for (const c of cases()) {
    const other = c.isRequest ? decodeResponse : decodeRequest;
    assertBhttpError(() => other(c.bytes), BhttpErrorCode.UnexpectedMessageKind, 0, c.name);
  }
});
