/** The one way every binary codec here reads: bounds-checked, whole input, coded errors. */
import { ByteReader, WireError } from "@oblivious/wire";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";

/**
 * Runs `read` over `bytes` and requires it to consume every byte. Wire errors (truncation,
 * trailing bytes) become `malformed`, naming the structure; a PrivacyPassError thrown by `read`
 * passes through.
 */
export function decodeWhole<T>(structure: string, bytes: Uint8Array, read: (reader: ByteReader) => T): T {
  if (!(bytes instanceof Uint8Array)) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, structure);
  try {
    const reader = new ByteReader(bytes);
    const value = read(reader);
    reader.end();
    return value;
  } catch (error) {
    if (error instanceof WireError) throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, structure);
    throw error;
  }
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
