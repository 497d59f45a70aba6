/** Decoding a whole input with one reader, shared by the codecs of every protocol library. */
import { ByteReader } from "./reader.js";
import { WireError } from "./errors.js";

/** Builds a library's own error for input that is not bytes, or bytes that do not decode. */
export type DecodeFailure = (code: "invalid-argument" | "malformed", structure: string) => Error;

/**
 * Runs `read` over `bytes` and requires it to consume every byte. Input that is not a Uint8Array
 * gives `fail("invalid-argument")`; wire errors (truncation, trailing bytes) give
 * `fail("malformed")`, naming the structure; any other error thrown by `read` passes through.
 */
export function decodeWhole<T>(structure: string, bytes: Uint8Array, read: (reader: ByteReader) => T, fail: DecodeFailure): T {
  if (!(bytes instanceof Uint8Array)) throw fail("invalid-argument", structure);
  try {
    const reader = new ByteReader(bytes);
    const value = read(reader);
    reader.end();
    return value;
  } catch (error) {
    if (error instanceof WireError) throw fail("malformed", structure);
    throw error;
  }
}
