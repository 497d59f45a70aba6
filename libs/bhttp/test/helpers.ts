// Shared by the test files: error assertions, fast-check arbitraries, and the truncation oracle.
import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteWriter } from "@oblivious/wire";
import {
  BhttpError,
  BhttpErrorCode,
  type EncodeOptions,
  type Field,
  Framing,
  type InformationalResponse,
  type Request,
  type Response,
  encodeRequest,
  encodeResponse,
} from "../src/index.js";

const CODES: ReadonlySet<string> = new Set(Object.values(BhttpErrorCode));

/** Asserts that `fn` throws a BhttpError with `code` (and `offset`, when given). */
export function assertBhttpError(fn: () => unknown, code: BhttpErrorCode, offset?: number, note = ""): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BhttpError, `${note}: expected BhttpError, got ${String(e)}`);
    assert.equal(e.code, code, `${note}: code`);
    if (offset !== undefined) assert.equal(e.offset, offset, `${note}: offset`);
    return true;
  });
}

/** Runs a decoder on arbitrary input: it must return a value or throw a well-formed BhttpError. */
export function valueOrBhttpError(decode: () => unknown, inputLength: number): void {
  try {
    decode();
  } catch (e) {
    if (!(e instanceof BhttpError)) throw e;
    assert.ok(CODES.has(e.code), `unknown code ${e.code}`);
    assert.ok(e.offset !== undefined && Number.isSafeInteger(e.offset), "decode errors carry an offset");
    assert.ok(e.offset >= 0 && e.offset <= inputLength, `offset ${e.offset} outside the input`);
  }
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "hex"));
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

// --- hand-built messages -------------------------------------------------------------------------

export type RawItem = number | string | Uint8Array;

/** Builds bytes by hand: a number is a varint, a string a varint-prefixed latin1 string, bytes as they are. */
export function raw(...items: readonly RawItem[]): Uint8Array {
  const w = new ByteWriter();
  for (const item of items) {
    if (typeof item === "number") w.varint(item);
    else if (typeof item === "string") w.varintPrefixed(Buffer.from(item, "latin1"));
    else w.bytes(item);
  }
  return w.finish().slice();
}

/** A known-length field section, built by hand (no validation). */
export function klSection(fields: readonly (readonly [string, string])[]): Uint8Array {
  const body = raw(...fields.flat());
  return raw(body.length, body);
}

/** An indeterminate-length field section, built by hand (no validation). */
export function ilSection(fields: readonly (readonly [string, string])[]): Uint8Array {
  return raw(...fields.flat(), 0);
}

// --- arbitraries -------------------------------------------------------------------------------

const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const VISIBLE = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join("");

function stringOf(chars: string, minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...chars), { minLength, maxLength }).map((a) => a.join(""));
}

export const tokenArb = stringOf(TCHAR, 1, 12);

/** A field value as RFC 9292 §3.6 allows it: any byte but NUL, CR, LF; no SP/HTAB at either end. */
export const fieldValueArb = fc
  .oneof(
    fc.array(fc.integer({ min: 1, max: 255 }), { maxLength: 16 }),
    fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 60, maxLength: 100 }),
  )
  .map((codes) =>
    String.fromCharCode(...codes.filter((c) => c !== 0x0a && c !== 0x0d)).replace(/^[ \t]+|[ \t]+$/g, ""),
  );

export const fieldArb: fc.Arbitrary<Field> = fc.tuple(tokenArb, fieldValueArb);

/** Trailers: regular fields only. Headers: optionally led by extension pseudo-fields (§3.6). */
export const trailersArb = fc.array(fieldArb, { maxLength: 5 });
export const headersArb = fc
  .tuple(fc.array(fc.tuple(tokenArb.map((t) => `:x-${t}`), fieldValueArb), { maxLength: 2 }), fc.array(fieldArb, { maxLength: 6 }))
  .map(([pseudo, regular]): Field[] => [...pseudo, ...regular]);

export const contentArb = fc.oneof(
  fc.uint8Array({ maxLength: 8 }),
  fc.uint8Array({ minLength: 60, maxLength: 300 }),
);

const authorityArb = stringOf(VISIBLE.replace("@", ""), 0, 20);
const pathArb = stringOf(VISIBLE, 0, 30).map((p) => `/${p}`);

export const requestArb: fc.Arbitrary<Request> = fc.record({
  method: tokenArb,
  scheme: fc.constantFrom("https", "http", "coap+tcp", "ws"),
  authority: authorityArb,
  path: pathArb,
  headers: headersArb,
  content: contentArb,
  trailers: trailersArb,
}, { noNullPrototype: true });

const informationalArb: fc.Arbitrary<InformationalResponse> = fc.record({
  status: fc.integer({ min: 100, max: 199 }),
  headers: headersArb,
}, { noNullPrototype: true });

export const responseArb: fc.Arbitrary<Response> = fc.record({
  informational: fc.array(informationalArb, { maxLength: 3 }),
  status: fc.integer({ min: 200, max: 599 }),
  headers: headersArb,
  content: contentArb,
  trailers: trailersArb,
}, { noNullPrototype: true });

export const framingArb = fc.constantFrom(Framing.KnownLength, Framing.IndeterminateLength);

export const encodeOptionsArb: fc.Arbitrary<EncodeOptions & { framing: Framing; padding: number; truncate: boolean }> =
  fc.record(
    { framing: framingArb, padding: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })), truncate: fc.boolean() },
    { noNullPrototype: true },
  );

// --- truncation oracle ---------------------------------------------------------------------------

/**
 * Where RFC 9292 §3.8 lets a message end early, for a message encoded with every part present
 * and no padding: at the start of the header section (everything after it is empty), of the
 * content (content and trailers empty), of the trailer section (trailers empty), or at the end.
 * Each boundary is measured from encodings of the message with its last parts emptied: an empty
 * part is one byte in both framings (a zero length, or a terminator).
 */
export interface Boundaries {
  readonly headers: number;
  readonly content: number;
  readonly trailers: number;
  readonly end: number;
}

export function requestBoundaries(req: Request, framing: Framing): Boundaries {
  const enc = (r: Request): number => encodeRequest(r, { framing }).length;
  const empty = new Uint8Array(0);
  return {
    headers: enc({ ...req, headers: [], content: empty, trailers: [] }) - 3,
    content: enc({ ...req, content: empty, trailers: [] }) - 2,
    trailers: enc({ ...req, trailers: [] }) - 1,
    end: enc(req),
  };
}

export function responseBoundaries(res: Response, framing: Framing): Boundaries {
  const enc = (r: Response): number => encodeResponse(r, { framing }).length;
  const empty = new Uint8Array(0);
  return {
    headers: enc({ ...res, headers: [], content: empty, trailers: [] }) - 3,
    content: enc({ ...res, content: empty, trailers: [] }) - 2,
    trailers: enc({ ...res, trailers: [] }) - 1,
    end: enc(res),
  };
}

/**
 * What decoding the first `cut` bytes must give: the message with the missing parts empty, or
 * `undefined` where the cut falls anywhere else (the decoder must then say `truncated`).
 */
export function expectedAfterCut<M extends { headers: readonly Field[]; content: Uint8Array; trailers: readonly Field[] }>(
  message: M,
  b: Boundaries,
  cut: number,
): M | undefined {
  const empty = new Uint8Array(0);
  if (cut >= b.end) return message;
  if (cut === b.trailers) return { ...message, trailers: [] };
  if (cut === b.content) return { ...message, content: empty, trailers: [] };
  if (cut === b.headers) return { ...message, headers: [], content: empty, trailers: [] };
  return undefined;
}
