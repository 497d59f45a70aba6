/*
 * What every message has after its control data (RFC 9292 §3.1, §3.2):
 *   ... Field Section (..),   -- header section
 *       Content (..),
 *       Field Section (..),   -- trailer section
 *       Padding (..),
 *
 * RFC 9292 §3.8, Padding and Truncation:
 * - "Messages can be padded with any number of zero-valued bytes. Non-zero padding bytes cause a
 *   message to be invalid." This decoder always checks them (the MAY to skip it is not taken).
 * - An encoder MAY omit empty trailers, and then empty content; "Decoders MUST treat missing
 *   truncated fields as equivalent to having been sent with the length field set to zero."
 * - §3.1 allows the message to end "before any of the length prefixes that precede the field
 *   sections or content", which includes the header section (RFC 9458 Appendix A relies on it);
 *   §3.2 says indeterminate-length messages "can be truncated in a way similar to that for
 *   known-length messages". So the input may end at the start of any of the three parts, for
 *   both framings; ending anywhere inside a part is `truncated`.
 */
import { ByteWriter, WireError } from "@oblivious/wire";
import { readContent, writeContent } from "./content.js";
import type { Cursor } from "./cursor.js";
import { BhttpError, BhttpErrorCode } from "./errors.js";
import { readFieldSection, writeFieldSection } from "./field-section.js";
import { type Field, SectionKind } from "./fields.js";
import type { Framing, ResolvedEncodeOptions } from "./framing.js";
import type { Budget } from "./limits.js";

export interface Sections {
  readonly headers: readonly Field[];
  readonly content: Uint8Array;
  readonly trailers: readonly Field[];
}

export interface ReadSections extends Sections {
  readonly paddingLength: number;
  readonly truncated: boolean;
}

/** An upper bound on the encoded size of field lines, so the writer allocates once in the common case. */
export function fieldsSize(fields: readonly Field[]): number {
  let size = 0;
  for (const [n, v] of fields) size += 16 + n.length + v.length;
  return size;
}

/** An upper bound on the encoded size of the sections and padding. */
export function sectionsSize(s: Sections, padding: number): number {
  return fieldsSize(s.headers) + s.content.length + fieldsSize(s.trailers) + padding;
}

/**
 * A message written by `write` into a writer sized `estimate`. The writer refuses only a length
 * beyond 2^53-1, which is `too-large`.
 */
export function encodeMessage(estimate: number, write: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter(estimate);
  try {
    write(w);
  } catch (e) {
    if (e instanceof WireError) throw new BhttpError(BhttpErrorCode.TooLarge, undefined, { cause: e });
    throw e;
  }
  return w.finish();
}

export function writeSections(w: ByteWriter, s: Sections, opts: ResolvedEncodeOptions): void {
  writeFieldSection(w, s.headers, SectionKind.Header, opts.framing);
  // Only the parts §3.8 lets an encoder omit: the trailers, and the content before empty trailers.
  const omitTrailers = opts.truncate && s.trailers.length === 0;
  if (!(omitTrailers && s.content.length === 0)) writeContent(w, s.content, opts.framing);
  if (!omitTrailers) writeFieldSection(w, s.trailers, SectionKind.Trailer, opts.framing);
  w.zeros(opts.padding);
}

export function readSections(cursor: Cursor, framing: Framing, budget: Budget): ReadSections {
  const empty = new Uint8Array(0);
  if (cursor.atEnd) return { headers: [], content: empty, trailers: [], paddingLength: 0, truncated: true };
  const headers = readFieldSection(cursor, SectionKind.Header, framing, budget);
  if (cursor.atEnd) return { headers, content: empty, trailers: [], paddingLength: 0, truncated: true };
  const content = readContent(cursor, framing, budget);
  if (cursor.atEnd) return { headers, content, trailers: [], paddingLength: 0, truncated: true };
  const trailers = readFieldSection(cursor, SectionKind.Trailer, framing, budget);
  return { headers, content, trailers, paddingLength: readPadding(cursor), truncated: false };
}

/** The rest of the input must be zeros (§3.8); the first other byte is `trailing-bytes`. */
function readPadding(cursor: Cursor): number {
  const start = cursor.offset;
  const rest = cursor.rest();
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] !== 0) throw new BhttpError(BhttpErrorCode.TrailingBytes, start + i);
  }
  return rest.length;
}
