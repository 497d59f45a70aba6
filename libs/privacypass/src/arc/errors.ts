/**
 * The one error the ARC code throws. Its `code` comes from a closed set so a service maps each code
 * to an outcome without reading messages. Messages are fixed per code; a `detail` may name the
 * structure or argument at fault, never a value read from the input or any key or secret.
 *
 * Verification failures are deliberately opaque: a bad proof, a bad tag relation, a bad range
 * proof and a duplicate instance element all surface as `verify-failed` with no detail, so a
 * peer learns nothing about which check it failed.
 */
import { CodedError, codedMessage, decodeWhole, type ByteReader } from "@oblivious/wire";

export const ArcErrorCode = {
  /** Bytes that do not decode: truncated, wrong length, trailing bytes, a scalar out of range, a point not on the curve or the identity. */
  Malformed: "malformed",
  /** The caller passed a value the library cannot use (a presentation limit out of range, a nonce of the wrong type). */
  InvalidArgument: "invalid-argument",
  /** A proof, or a presentation, does not verify (opaque by design). */
  VerifyFailed: "verify-failed",
  /** Present was called after the state had made `presentationLimit` presentations (draft Section "Presentation Construction", LimitExceededError). */
  LimitExceeded: "limit-exceeded",
} as const;
export type ArcErrorCode = (typeof ArcErrorCode)[keyof typeof ArcErrorCode];

export class ArcError extends CodedError<ArcErrorCode> {
  override readonly name = "ArcError";

  constructor(code: ArcErrorCode, detail?: string) {
    super(code, codedMessage("arc", code, detail));
  }
}

/** wire's `decodeWhole` for the ARC codecs: input that is not bytes or does not decode gives an ArcError. */
export function decodeArc<T>(structure: string, bytes: Uint8Array, read: (reader: ByteReader) => T): T {
  return decodeWhole(structure, bytes, read, (code, detail) => new ArcError(code, detail));
}
