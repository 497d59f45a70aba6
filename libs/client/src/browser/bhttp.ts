/**
 * The Binary HTTP (RFC 9292) the browser backend needs, on web APIs only: a known-length request
 * (Section 3.1, Figure 1) and the decoding of a response in either framing (Sections 3.1, 3.2),
 * with informational responses, trailers, truncation (Section 3.8) and zero padding.
 * `@oblivious/bhttp` is the reference; it holds field text in node Buffers, which browsers lack.
 * Tests hold this codec to it in both directions.
 *
 *   Request with Known-Length {
 *     Framing Indicator (i) = 0,
 *     Request Control Data (..),        method, scheme, authority, path: each (i) length + bytes
 *     Known-Length Field Section (..),  Length (i), Field Line (..) ...
 *     Known-Length Content (..),        Content Length (i), Content (..)
 *     Known-Length Field Section (..),
 *     Padding (..),
 *   }
 */
import { ByteReader, ByteWriter } from "@oblivious/wire";
import type { Field, InnerRequest, InnerResponse } from "../backend.js";

export class BinaryHttpError extends Error {
  override readonly name = "BinaryHttpError";
}

function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new BinaryHttpError("field text outside latin1");
    out[i] = code;
  }
  return out;
}

function latin1Text(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

function fieldLines(fields: readonly Field[]): Uint8Array {
  const w = new ByteWriter(64);
  for (const [name, value] of fields) {
    if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name) || /[\0\r\n]/.test(value)) throw new BinaryHttpError("field");
    w.varintPrefixed(latin1Bytes(name)).varintPrefixed(latin1Bytes(value));
  }
  return w.finish();
}

export function encodeKnownLengthRequest(request: InnerRequest): Uint8Array {
  const w = new ByteWriter(128 + request.content.length);
  w.varint(0);
  for (const part of [request.method, request.scheme, request.authority, request.path]) w.varintPrefixed(latin1Bytes(part));
  w.varintPrefixed(fieldLines(request.headers));
  w.varintPrefixed(request.content);
  w.varint(0);
  return w.finish();
}

function readFieldLine(r: ByteReader, name: Uint8Array): Field {
  return [latin1Text(name), latin1Text(r.varintPrefixed())];
}

function readKnownFields(r: ByteReader): Field[] {
  const section = new ByteReader(r.varintPrefixed());
  const fields: Field[] = [];
  while (section.remaining > 0) fields.push(readFieldLine(section, section.varintPrefixed()));
  return fields;
}

/** Field lines up to a Content Terminator (a zero-length name). */
function readIndeterminateFields(r: ByteReader): Field[] {
  const fields: Field[] = [];
  for (;;) {
    const name = r.varintPrefixed();
    if (name.length === 0) return fields;
    fields.push(readFieldLine(r, name));
  }
}

function readIndeterminateContent(r: ByteReader): Uint8Array {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const chunk = r.varintPrefixed();
    if (chunk.length === 0) break;
    chunks.push(chunk);
    length += chunk.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Decodes a response; returns the final one. Throws BinaryHttpError for anything invalid. */
export function decodeResponse(bytes: Uint8Array): InnerResponse {
  try {
    const r = new ByteReader(bytes);
    const framing = r.varint();
    if (framing !== 1 && framing !== 3) throw new BinaryHttpError("framing indicator");
    const known = framing === 1;
    const fieldsOf = known ? readKnownFields : readIndeterminateFields;
    let status = r.varint();
    while (status >= 100 && status <= 199) {
      fieldsOf(r);
      status = r.varint();
    }
    if (status < 200 || status > 599) throw new BinaryHttpError("status");
    const headers = fieldsOf(r);
    // Section 3.8: content and trailers may be cut off when empty.
    let content = new Uint8Array(0);
    if (r.remaining > 0) content = Uint8Array.from(known ? r.varintPrefixed() : readIndeterminateContent(r));
    if (r.remaining > 0) fieldsOf(r);
    for (const b of r.rest()) if (b !== 0) throw new BinaryHttpError("non-zero padding");
    return { status, headers, content };
  } catch (error) {
    if (error instanceof BinaryHttpError) throw error;
    throw new BinaryHttpError("malformed response", { cause: error });
  }
}
