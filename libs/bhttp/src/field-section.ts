/*
 * RFC 9292 §3.6, Figure 6:
 *   Field Line {
 *     Name Length (i) = 1..,
 *     Name (..),
 *     Value Length (i),
 *     Value (..),
 *   }
 *
 * RFC 9292 §3.1, Figure 1:
 *   Known-Length Field Section {
 *     Length (i),
 *     Field Line (..) ...,
 *   }
 *
 * RFC 9292 §3.2, Figure 2:
 *   Indeterminate-Length Field Section {
 *     Field Line (..) ...,
 *     Content Terminator (i) = 0,
 *   }
 */
import { type ByteWriter, varintLength } from "@oblivious/wire";
import type { Cursor } from "./cursor.js";
import { BhttpError, BhttpErrorCode } from "./errors.js";
import { type Field, FieldSectionChecker, type SectionKind } from "./fields.js";
import { Framing } from "./framing.js";
import { bytesToLatin1, latin1ToBytes } from "./latin1.js";
import type { Budget } from "./limits.js";

/** Writes one field section; refuses (with `invalid-field`) any line RFC 9292 §3.6 forbids. */
export function writeFieldSection(w: ByteWriter, fields: readonly Field[], kind: SectionKind, framing: Framing): void {
  const checker = new FieldSectionChecker(kind);
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const [name, value] of fields) {
    checker.check(name, value);
    const n = latin1ToBytes(name);
    const v = latin1ToBytes(value);
    parts.push(n, v);
    size += varintLength(n.length) + n.length + varintLength(v.length) + v.length;
  }
  if (framing === Framing.KnownLength) w.varint(size);
  for (const part of parts) w.varintPrefixed(part);
  if (framing === Framing.IndeterminateLength) w.varint(0);
}

/** Reads one field section; the caller has checked that the input has not ended before it. */
export function readFieldSection(cursor: Cursor, kind: SectionKind, framing: Framing, budget: Budget): Field[] {
  const checker = new FieldSectionChecker(kind);
  const fields: Field[] = [];
  if (framing === Framing.KnownLength) {
    const at = cursor.offset;
    const length = cursor.varint();
    budget.fieldSection(length, at);
    // A line that runs past the declared length is a malformed section, not a truncated message.
    const section = cursor.section(length, BhttpErrorCode.InvalidField);
    while (!section.atEnd) {
      const lineAt = section.offset;
      const nameLength = section.varint();
      // Name Length (i) = 1..: zero is only the terminator of an indeterminate-length section.
      if (nameLength === 0) throw new BhttpError(BhttpErrorCode.InvalidField, lineAt);
      fields.push(readFieldLine(section, nameLength, lineAt, checker, budget, undefined));
    }
    return fields;
  }
  const start = cursor.offset;
  for (;;) {
    const lineAt = cursor.offset;
    const nameLength = cursor.varint();
    if (nameLength === 0) return fields;
    fields.push(readFieldLine(cursor, nameLength, lineAt, checker, budget, start));
  }
}

/**
 * The rest of a field line whose name length has been read. `sectionStart` is set for an
 * indeterminate-length section, whose size is checked before each read so that an oversized
 * section is refused before its bytes are turned into strings.
 */
function readFieldLine(
  cursor: Cursor,
  nameLength: number,
  lineAt: number,
  checker: FieldSectionChecker,
  budget: Budget,
  sectionStart: number | undefined,
): Field {
  budget.field(lineAt);
  if (sectionStart !== undefined) budget.fieldSection(cursor.offset + nameLength - sectionStart, lineAt);
  const name = bytesToLatin1(cursor.bytes(nameLength));
  const valueLength = cursor.varint();
  if (sectionStart !== undefined) budget.fieldSection(cursor.offset + valueLength - sectionStart, lineAt);
  const value = bytesToLatin1(cursor.bytes(valueLength));
  checker.check(name, value, lineAt);
  return [name, value];
}
