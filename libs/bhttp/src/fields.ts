import { BhttpError, BhttpErrorCode } from "./errors.js";
import { isLatin1 } from "./latin1.js";

/**
 * A field line (RFC 9292 §3.6): name and value, one character per byte (latin1). Field sections
 * are arrays of these, in wire order, duplicates kept: combining lines is the reader's choice
 * (RFC 9110 §5.3), and `Set-Cookie` lines cannot be combined at all.
 */
export type Field = readonly [name: string, value: string];

/** The section a field line is in: pseudo-fields may not appear in trailers (RFC 9292 §3.6). */
export const SectionKind = { Header: "header", Trailer: "trailer" } as const;
export type SectionKind = (typeof SectionKind)[keyof typeof SectionKind];

/** RFC 9110 §5.6.2: token = 1*tchar. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A pseudo-field name: a colon, then a token (RFC 9113 §8.3). */
const PSEUDO = /^:[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9292 §3.6: these carry control data in HTTP/2 and make a binary message invalid. */
const RESERVED_PSEUDO: ReadonlySet<string> = new Set([":method", ":scheme", ":authority", ":path", ":status"]);
/** RFC 9113 §8.2.1: a field value never holds NUL, LF or CR. */
const FORBIDDEN_IN_VALUE = /[\0\n\r]/;

export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/**
 * RFC 9113 §8.2.1, which RFC 9292 §3.6 makes binding ("A recipient MUST treat a message that
 * contains field values that would cause an HTTP/2 message to be malformed ... as invalid"): no
 * NUL, LF or CR anywhere, no SP or HTAB first or last. Other bytes, obs-text included, are allowed.
 */
export function isFieldValue(value: string): boolean {
  if (value.length === 0) return true;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) return false;
  return !FORBIDDEN_IN_VALUE.test(value) && isLatin1(value);
}

/**
 * Checks the lines of one field section, in order, against RFC 9292 §3.6:
 * - a name is a token (RFC 9110 §5.1), in any case: RFC 9292 cites the HTTP definition, not the
 *   lowercase-only rule of HTTP/2; or it is a pseudo-field name (a colon and a token);
 * - `:method`, `:scheme`, `:authority`, `:path` and `:status` are never allowed;
 * - other pseudo-fields (protocol extensions) MAY appear, only in a header section and only
 *   before every other field line;
 * - a value follows `isFieldValue`.
 * Connection-specific fields (RFC 9110 §7.6.1) do not make a message invalid and are kept.
 */
export class FieldSectionChecker {
  readonly #kind: SectionKind;
  #regularSeen = false;

  constructor(kind: SectionKind) {
    this.#kind = kind;
  }

  /** Throws `invalid-field` (at `offset`, when decoding) if this line is not allowed here. */
  check(name: string, value: string, offset?: number): void {
    if (!this.#nameAllowed(name) || !isFieldValue(value)) throw new BhttpError(BhttpErrorCode.InvalidField, offset);
  }

  #nameAllowed(name: string): boolean {
    if (TOKEN.test(name)) {
      this.#regularSeen = true;
      return true;
    }
    return (
      PSEUDO.test(name) &&
      this.#kind === SectionKind.Header &&
      !this.#regularSeen &&
      !RESERVED_PSEUDO.has(name.toLowerCase())
    );
  }
}

/**
 * Field names compare ASCII case-insensitively (RFC 9110 §5.1). Not `toLowerCase()`, which also
 * folds non-ASCII characters (U+212A KELVIN SIGN would equal "k").
 */
function sameName(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Setting bit 0x20 lowercases an ASCII letter; for anything else only equality counts.
    const lower = x | 0x20;
    if (lower !== (y | 0x20) || lower < 0x61 || lower > 0x7a) return false;
  }
  return true;
}

/** Every value of the field `name`, in order (names compare case-insensitively). */
export function fieldValues(fields: readonly Field[], name: string): string[] {
  const out: string[] = [];
  for (const [n, v] of fields) if (sameName(n, name)) out.push(v);
  return out;
}

/**
 * The value of the field `name`: its lines joined with ", " as RFC 9110 §5.3 allows, or with
 * "; " for `Cookie` (RFC 9113 §8.2.3, RFC 9292 §3.6); `undefined` when there is no such line.
 * `Set-Cookie` lines cannot be combined (RFC 9110 §5.3): read those with `fieldValues`.
 */
export function getField(fields: readonly Field[], name: string): string | undefined {
  const values = fieldValues(fields, name);
  if (values.length === 0) return undefined;
  return values.join(sameName(name, "cookie") ? "; " : ", ");
}
