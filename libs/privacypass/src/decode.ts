/** The one way every binary codec here reads: bounds-checked, whole input, coded errors. */
import { decodeWhole as decodeWholeWith, type ByteReader } from "@oblivious/wire";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";

/**
 * Runs `read` over `bytes` and requires it to consume every byte (wire's `decodeWhole`), with
 * failures as PrivacyPassErrors: `invalid-argument` for input that is not bytes, `malformed`
 * naming the structure for truncation or trailing bytes; an error thrown by `read` passes through.
 */
export function decodeWhole<T>(structure: string, bytes: Uint8Array, read: (reader: ByteReader) => T): T {
  return decodeWholeWith(structure, bytes, read, (code, detail) => new PrivacyPassError(code, detail));
}

/** A copy of `view`, so decoded values never alias the caller's buffer (a pooled request body, say). */
export function copyBytes(view: Uint8Array): Uint8Array {
  return new Uint8Array(view);
}

/** Throws `invalid-argument` unless `value` is a byte array of exactly `length` bytes. */
export function requireLength(value: Uint8Array, length: number, name: string): void {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, `${name} must be ${length} bytes`);
  }
}
