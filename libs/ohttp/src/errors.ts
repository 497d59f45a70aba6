/**
 * The one error this library throws. Its `code` comes from a closed set, so a service can map
 * each code to a status without reading messages.
 *
 * Decryption failures are deliberately vague: an unknown key identifier, a KEM, KDF or AEAD that
 * the key does not accept, and a failed AEAD open all give `decrypt-failed` with the same message,
 * so the error is no oracle for which check failed (RFC 9458 Section 6.9 asks gateways not to
 * reveal more than they must).
 */
import { CodedError, codedMessage } from "@oblivious/wire";

export const OhttpErrorCode = {
  /** The input is structurally invalid: too short, a bad length, trailing bytes. */
  Malformed: "malformed",
  /** A key configuration uses no KEM, or no KDF and AEAD pair, that this library implements. */
  Unsupported: "unsupported",
  /** Decapsulation failed. Uniform on purpose: it never says why. */
  DecryptFailed: "decrypt-failed",
  /** The caller passed a value that cannot be encoded or used (a key of the wrong length...). */
  InvalidArgument: "invalid-argument",
  /** A single-use response context was used a second time. */
  ContextUsed: "context-used",
  /** An HPKE context has used every sequence number it may (RFC 9180 Section 5.2). */
  MessageLimitReached: "message-limit-reached",
} as const;
export type OhttpErrorCode = (typeof OhttpErrorCode)[keyof typeof OhttpErrorCode];

export class OhttpError extends CodedError<OhttpErrorCode> {
  override readonly name = "OhttpError";

  /**
   * `detail` may name which argument was wrong; it must never hold key material, message content
   * or anything read from the input. Decryption failures take no detail.
   */
  constructor(code: OhttpErrorCode, detail?: string) {
    super(code, codedMessage("ohttp", code, detail));
  }
}

/** The uniform decryption failure, always built the same way. */
export function decryptFailed(): OhttpError {
  return new OhttpError(OhttpErrorCode.DecryptFailed);
}
