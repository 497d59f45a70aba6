// The validity rules of RFC 9292 (§3.3 to §3.8), on hand-built bytes and on the encoder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WireError } from "@oblivious/wire";
import {
  BhttpError,
  BhttpErrorCode,
  DEFAULT_DECODE_LIMITS,
  type Field,
  Framing,
  type Request,
  type Response,
  decodeRequest,
  decodeRequestDetailed,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from "../src/index.js";
import { assertBhttpError, fromHex, hex, ilSection, klSection, raw } from "./helpers.js";

const empty = new Uint8Array(0);
const latin1 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "latin1"));
const get: Request = { method: "GET", scheme: "https", authority: "example.com", path: "/", headers: [], content: empty, trailers: [] };
const ok: Response = { informational: [], status: 200, headers: [], content: empty, trailers: [] };

/**
 * A known-length GET with the given header lines, built by hand. Its header section starts at
 * byte 25 (00 | 03 GET | 05 https | 0b example.com | 01 /), its first line at 26.
 */
const withHeaders = (fields: readonly (readonly [string, string])[]): Uint8Array =>
  raw(0, "GET", "https", "example.com", "/", klSection(fields), 0, 0);

test("framing indicator (§3.3): 0-3 only, non-minimal varints accepted", () => {
  assertBhttpError(() => decodeRequest(empty), BhttpErrorCode.Truncated, 0, "empty input");
  assertBhttpError(() => decodeRequest(Uint8Array.of(4)), BhttpErrorCode.InvalidFraming, 0, "4");
  assertBhttpError(() => decodeResponse(Uint8Array.of(0x3f)), BhttpErrorCode.InvalidFraming, 0, "63");
  assertBhttpError(() => decodeRequest(fromHex("ffffffffffffffff")), BhttpErrorCode.InvalidFraming, 0, "2^62-1");
  assertBhttpError(() => decodeRequest(Uint8Array.of(1)), BhttpErrorCode.UnexpectedMessageKind, 0, "response to request decoder");
  assertBhttpError(() => decodeResponse(Uint8Array.of(2)), BhttpErrorCode.UnexpectedMessageKind, 0, "request to response decoder");
  // §3: "Integer values do not need to be encoded on the minimum number of bytes necessary."
  const minimal = encodeRequest({ ...get, headers: [["a", "b"]], content: Uint8Array.of(1, 2) });
  const padded = fromHex(
    "4000" + "4003474554" + "800000056874747073" + "c00000000000000b6578616d706c652e636f6d" + "012f" +
      "4005" + "400161" + "0162" + "020102" + "00",
  );
  assert.deepEqual(decodeRequest(padded), decodeRequest(minimal));
});

test("request control data (§3.4): method is a token", () => {
  for (const method of ["", "GE T", "GET\r", "GÉT", "(GET)"]) {
    assertBhttpError(() => encodeRequest({ ...get, method }), BhttpErrorCode.InvalidControlData, undefined, `encode ${JSON.stringify(method)}`);
    assertBhttpError(() => decodeRequest(raw(0, method, "https", "example.com", "/")), BhttpErrorCode.InvalidControlData, 1, `decode ${JSON.stringify(method)}`);
  }
  assert.equal(decodeRequest(encodeRequest({ ...get, method: "M-SEARCH" })).method, "M-SEARCH");
});

test("request control data (§3.4, RFC 9113 §8.3.1): scheme, authority and path", () => {
  const good: Partial<Request>[] = [
    { path: "/search?q=caf%C3%A9&lang=fr" },
    { path: "/?" },
    { authority: "" },
    { authority: "[::1]:8443" },
    { method: "OPTIONS", path: "*" },
    { scheme: "coap+tcp", path: "" },
    { scheme: "mailto", authority: "user@example.com", path: "x" },
    { method: "CONNECT", scheme: "", authority: "example.com:443", path: "" },
    { method: "CONNECT", scheme: "https", authority: "example.com", path: "/chat" },
  ];
  for (const change of good) {
    const req = { ...get, ...change };
    assert.deepEqual(decodeRequest(encodeRequest(req)), req, JSON.stringify(change));
  }
  const bad: Partial<Request>[] = [
    { scheme: "" },
    { scheme: "1http" },
    { scheme: "ht tp" },
    { path: "" },
    { path: "index.html" },
    { path: "*" },
    { path: "/a b" },
    { path: "/a\tb" },
    { path: "/caf\u00e9" },
    { path: "/\u0000" },
    { authority: "user@example.com" },
    { authority: "exa mple.com" },
    { authority: "example.com\r\nx: y" },
    { method: "CONNECT", scheme: "", authority: "", path: "" },
    { method: "CONNECT", scheme: "", authority: "example.com:443", path: "/" },
  ];
  for (const change of bad) {
    const req = { ...get, ...change };
    assertBhttpError(() => encodeRequest(req), BhttpErrorCode.InvalidControlData, undefined, `encode ${JSON.stringify(change)}`);
    const bytes = raw(0, req.method, req.scheme, req.authority, req.path);
    assertBhttpError(() => decodeRequest(bytes), BhttpErrorCode.InvalidControlData, 1, `decode ${JSON.stringify(change)}`);
  }
});

test("the path keeps its query string", () => {
  const req = { ...get, path: "/v1/search?q=sticker&locale=en&x=%26" };
  assert.equal(decodeRequest(encodeRequest(req, { framing: Framing.IndeterminateLength })).path, req.path);
});

test("field names (§3.6): tokens in any case, kept as sent", () => {
  const headers: Field[] = [["Content-Type", "text/plain"], ["X-UPPER", "1"], ["lower", "2"]];
  assert.deepEqual(decodeRequest(encodeRequest({ ...get, headers })).headers, headers);
  assert.deepEqual(decodeRequest(withHeaders(headers)).headers, headers);
  for (const name of ["", "a b", "a:b", "a\u0000", "caf\u00e9", "a\r\n", "x{}"]) {
    assertBhttpError(() => encodeRequest({ ...get, headers: [[name, "v"]] }), BhttpErrorCode.InvalidField, undefined, `encode ${JSON.stringify(name)}`);
    if (name === "") continue;
    assertBhttpError(() => decodeRequest(withHeaders([[name, "v"]])), BhttpErrorCode.InvalidField, 26, `decode ${JSON.stringify(name)}`);
  }
  // Name Length (i) = 1..: in a known-length section a zero is not a terminator.
  const zeroName = raw(0, "GET", "https", "example.com", "/", 3, 0, "a", 0, 0);
  assertBhttpError(() => decodeRequest(zeroName), BhttpErrorCode.InvalidField, 26);
});

test("field values (§3.6, RFC 9113 §8.2.1): no NUL, CR, LF; no whitespace at either end", () => {
  // Every other byte survives, including 0x80-0x9f, which windows-1252 would remap.
  const allowed = String.fromCharCode(...Array.from({ length: 255 }, (_, i) => i + 1).filter((c) => c !== 0x0a && c !== 0x0d));
  const headers: Field[] = [["x", allowed], ["y", "a\tb c"], ["z", ""]];
  for (const framing of [Framing.KnownLength, Framing.IndeterminateLength]) {
    assert.deepEqual(decodeRequest(encodeRequest({ ...get, headers }, { framing })).headers, headers);
  }
  for (const value of ["a\rb", "a\nb", "a\u0000b", " a", "a ", "\ta", "a\t", "\u0100", "\u{1f600}"]) {
    assertBhttpError(() => encodeRequest({ ...get, headers: [["x", value]] }), BhttpErrorCode.InvalidField, undefined, `encode ${JSON.stringify(value)}`);
    assertBhttpError(() => encodeResponse({ ...ok, trailers: [["x", value]] }), BhttpErrorCode.InvalidField, undefined, `encode trailer ${JSON.stringify(value)}`);
    if (value.charCodeAt(0) > 0xff || value.charCodeAt(1) > 0xff) continue;
    assertBhttpError(() => decodeRequest(withHeaders([["x", value]])), BhttpErrorCode.InvalidField, 26, `decode ${JSON.stringify(value)}`);
  }
});

test("pseudo-fields (§3.6): control-data names refused, extensions first in headers only", () => {
  const accepted: Field[] = [[":protocol", "websocket"], ["x", "1"]];
  assert.deepEqual(decodeRequest(withHeaders(accepted)).headers, accepted);
  assert.deepEqual(decodeRequest(encodeRequest({ ...get, headers: accepted })).headers, accepted);
  const refused: Field[][] = [
    [[":method", "GET"]],
    [[":Path", "/"]],
    [[":authority", "a"]],
    [[":scheme", "https"]],
    [[":status", "200"]],
    [["x", "1"], [":protocol", "websocket"]],
    [[":", "v"]],
  ];
  for (const headers of refused) {
    assertBhttpError(() => encodeRequest({ ...get, headers }), BhttpErrorCode.InvalidField, undefined, JSON.stringify(headers));
    assertBhttpError(() => decodeRequest(withHeaders(headers)), BhttpErrorCode.InvalidField, undefined, JSON.stringify(headers));
  }
  assertBhttpError(() => encodeRequest({ ...get, trailers: [[":protocol", "x"]] }), BhttpErrorCode.InvalidField);
  const inTrailers = raw(0, "GET", "https", "example.com", "/", 0, 0, klSection([[":protocol", "x"]]));
  assertBhttpError(() => decodeRequest(inTrailers), BhttpErrorCode.InvalidField, 28);
  // Informational responses have header sections: the same rules apply.
  assertBhttpError(() => encodeResponse({ ...ok, informational: [{ status: 103, headers: [[":status", "103"]] }] }), BhttpErrorCode.InvalidField);
});

test("a field line that overruns its known-length section is `invalid-field`, not `truncated`", () => {
  // A section of 3 bytes (at 25) whose line announces a 5-byte value (due at 29).
  const bytes = raw(0, "GET", "https", "example.com", "/", 3, "a", 5, new Uint8Array(6));
  assertBhttpError(() => decodeRequest(bytes), BhttpErrorCode.InvalidField, 29);
});

test("duplicates and order are kept in every section", () => {
  const headers: Field[] = [["set-cookie", "a=1"], ["x", "1"], ["set-cookie", "b=2"], ["X", "2"]];
  const res: Response = { informational: [{ status: 103, headers }], status: 200, headers, content: empty, trailers: headers };
  for (const framing of [Framing.KnownLength, Framing.IndeterminateLength]) {
    assert.deepEqual(decodeResponse(encodeResponse(res, { framing })), res);
  }
});

test("status codes (§3.5): informational 100-199, final 200-599", () => {
  for (const status of [99, 100, 199, 600, 200.5, -1, Number.NaN]) {
    assertBhttpError(() => encodeResponse({ ...ok, status }), BhttpErrorCode.InvalidStatus, undefined, `final ${status}`);
  }
  for (const status of [99, 200, 600, 150.5]) {
    assertBhttpError(() => encodeResponse({ ...ok, informational: [{ status, headers: [] }] }), BhttpErrorCode.InvalidStatus, undefined, `informational ${status}`);
  }
  for (const status of [0, 99, 600, 16383]) {
    assertBhttpError(() => decodeResponse(raw(1, status, 0, 0, 0)), BhttpErrorCode.InvalidStatus, 1, `decode ${status}`);
  }
  assertBhttpError(() => decodeResponse(fromHex("01ffffffffffffffff")), BhttpErrorCode.InvalidStatus, 1, "2^62-1");
  assertBhttpError(() => decodeResponse(raw(1, 103, 0, 700, 0, 0, 0)), BhttpErrorCode.InvalidStatus, 4, "after an informational response");
  const res: Response = { ...ok, informational: [{ status: 100, headers: [] }, { status: 101, headers: [] }, { status: 199, headers: [] }], status: 599 };
  assert.deepEqual(decodeResponse(encodeResponse(res)), res);
});

test("an informational response cannot be the end of the message", () => {
  assertBhttpError(() => decodeResponse(raw(1, 103)), BhttpErrorCode.Truncated, 3);
  assertBhttpError(() => decodeResponse(raw(1, 103, 0)), BhttpErrorCode.Truncated, 4);
  assertBhttpError(() => decodeResponse(raw(3, 103, 0)), BhttpErrorCode.Truncated, 4);
});

test("indeterminate-length content (§3.2): chunks are joined, the terminator ends them", () => {
  // Header terminator at 26, then chunks "abc", "d" and "ef" (its length as a 2-byte varint).
  const bytes = raw(2, "POST", "https", "example.com", "/", 0, "abc", "d", fromHex("4002"), latin1("ef"), 0, ilSection([["t", "1"]]));
  const req = decodeRequest(bytes);
  assert.equal(Buffer.from(req.content).toString("latin1"), "abcdef");
  assert.deepEqual(req.trailers, [["t", "1"]]);
  // A chunk cut short, and a missing terminator after the last chunk.
  assertBhttpError(() => decodeRequest(raw(2, "POST", "https", "example.com", "/", 0, 5, latin1("abc"))), BhttpErrorCode.Truncated, 28);
  assertBhttpError(() => decodeRequest(raw(2, "POST", "https", "example.com", "/", 0, "abc")), BhttpErrorCode.Truncated, 31);
});

test("decoded content is a copy, never a view of the input", () => {
  for (const framing of [Framing.KnownLength, Framing.IndeterminateLength]) {
    const bytes = encodeRequest({ ...get, method: "POST", content: Uint8Array.of(1, 2, 3) }, { framing });
    for (const input of [bytes, Buffer.from(bytes)]) {
      const req = decodeRequest(input);
      input.fill(0xee);
      assert.deepEqual(req.content, Uint8Array.of(1, 2, 3), framing);
      assert.equal(Object.getPrototypeOf(req.content), Uint8Array.prototype);
    }
  }
});

test("truncation option (§3.8): only empty trailers, then empty content, are omitted", () => {
  const trailers: Field[] = [["t", "1"]];
  for (const framing of [Framing.KnownLength, Framing.IndeterminateLength]) {
    const full = encodeRequest(get, { framing });
    assert.equal(hex(encodeRequest(get, { framing, truncate: true })), hex(full.subarray(0, full.length - 2)), `${framing} empty`);
    const withContent = { ...get, content: Uint8Array.of(9) };
    const c = encodeRequest(withContent, { framing });
    assert.equal(hex(encodeRequest(withContent, { framing, truncate: true })), hex(c.subarray(0, c.length - 1)), `${framing} content`);
    const withTrailers = { ...get, trailers };
    assert.equal(hex(encodeRequest(withTrailers, { framing, truncate: true })), hex(encodeRequest(withTrailers, { framing })));
    const d = decodeRequestDetailed(encodeRequest(get, { framing, truncate: true }));
    assert.deepEqual([d.message, d.truncated, d.paddingLength], [get, true, 0]);
  }
});

test("encoder options: framing, padding and truncate are checked", () => {
  for (const opts of [{ padding: -1 }, { padding: 1.5 }, { padding: Number.NaN }, { framing: "chunked" }, { truncate: "yes" }]) {
    // Options typed loosely on purpose: a JavaScript caller can pass anything.
    const loose = opts as unknown as Parameters<typeof encodeRequest>[1];
    assertBhttpError(() => encodeRequest(get, loose), BhttpErrorCode.InvalidArgument, undefined, JSON.stringify(opts));
    assertBhttpError(() => encodeResponse(ok, loose), BhttpErrorCode.InvalidArgument, undefined, JSON.stringify(opts));
  }
  for (const framing of [Framing.KnownLength, Framing.IndeterminateLength]) {
    const bytes = encodeResponse({ ...ok, content: Uint8Array.of(1) }, { framing, padding: 1000 });
    assert.ok(bytes.subarray(bytes.length - 1000).every((b) => b === 0));
    assert.equal(decodeResponse(bytes).content.length, 1);
  }
});

test("decode limits: each bound is inclusive and refuses one more with `too-large`", () => {
  const fields: Field[] = [["a", "1"], ["b", "2"], ["c", "3"]];
  const res: Response = { informational: [{ status: 103, headers: [] }, { status: 103, headers: [] }], status: 200, headers: fields, content: new Uint8Array(10), trailers: [] };
  for (const framing of [Framing.KnownLength, Framing.IndeterminateLength]) {
    const bytes = encodeResponse(res, { framing });
    const limits = [
      ["maxFields", 3],
      ["maxFieldSectionBytes", 12],
      ["maxContentBytes", 10],
      ["maxInformationalResponses", 2],
    ] as const;
    for (const [key, bound] of limits) {
      assert.deepEqual(decodeResponse(bytes, { [key]: bound }), res, `${framing} ${key}=${bound}`);
      assertBhttpError(() => decodeResponse(bytes, { [key]: bound - 1 }), BhttpErrorCode.TooLarge, undefined, `${framing} ${key}=${bound - 1}`);
    }
  }
  // Request control data counts against the field-section bound too.
  assertBhttpError(() => decodeRequest(encodeRequest({ ...get, path: `/${"a".repeat(100)}` }), { maxFieldSectionBytes: 50 }), BhttpErrorCode.TooLarge);
  assertBhttpError(() => decodeRequest(encodeRequest(get), { maxFields: -1 }), BhttpErrorCode.InvalidArgument);
  assertBhttpError(() => decodeRequest(encodeRequest(get), { maxContentBytes: 0.5 }), BhttpErrorCode.InvalidArgument);
  assert.ok(Object.isFrozen(DEFAULT_DECODE_LIMITS));
});

test("a huge announced length is refused before anything is allocated", () => {
  // Content length 2^30 (at 26) in a 34-byte message: `too-large` under the default limits...
  const bytes = raw(0, "GET", "https", "example.com", "/", 0, fromHex("c000000040000000"));
  assertBhttpError(() => decodeRequest(bytes), BhttpErrorCode.TooLarge, 26);
  // ...and `truncated` (where the content was due) once the limit allows it.
  assertBhttpError(() => decodeRequest(bytes, { maxContentBytes: 2 ** 31 }), BhttpErrorCode.Truncated, 34);
  // A length beyond 2^53-1 cannot be a number.
  assertBhttpError(() => decodeRequest(raw(0, fromHex("ffffffffffffffff"))), BhttpErrorCode.TooLarge, 1);
});

test("errors: one class, a code, an offset, no bytes of the input in the message", () => {
  const secret = "private-sticker-query";
  try {
    decodeRequest(withHeaders([["x", `${secret}\r`]]));
    assert.fail("expected an error");
  } catch (e) {
    assert.ok(e instanceof BhttpError && e instanceof Error);
    assert.equal(e.name, "BhttpError");
    assert.equal(e.message, "bhttp: invalid-field at byte 26");
    assert.ok(!String(e.stack).includes(secret));
  }
  try {
    decodeRequest(Uint8Array.of(0, 5, 0x47));
    assert.fail("expected an error");
  } catch (e) {
    assert.ok(e instanceof BhttpError);
    assert.deepEqual([e.code, e.offset], [BhttpErrorCode.Truncated, 2]);
    assert.ok(e.cause instanceof WireError, "the WireError is kept as the cause");
  }
});
