/**
 * The one error this library throws, for every token type it implements (Blind RSA and ARC). Its
 * `code` comes from a closed set, so a service can map each code to a status without reading
 * messages. Messages are fixed per code; a `detail` may name the structure or argument at fault,
 * never a value read from the input or any key or secret.
 *
 * ARC's verification failures are deliberately opaque: a bad proof, a bad tag relation, a bad
 * range proof and a duplicate instance element all surface as `verify-failed` with no detail, so
 * a peer learns nothing about which check it failed.
 */
import { CodedError, codedMessage } from "@oblivious/wire";

export const PrivacyPassErrorCode = {
  /**
   * Bytes, a header or a JSON document that do not parse: truncated, bad lengths, trailing bytes;
   * for ARC also a scalar out of range, or a point not on the curve or the identity.
   */
  Malformed: "malformed",
  /** A token type the function does not take: the Blind RSA codecs take 0x0002 only; ARC (0xE5AC) has its own. */
  UnsupportedTokenType: "unsupported-token-type",
  /** A public or private key that cannot serve this token type (OID, PSS parameters, size). */
  InvalidKey: "invalid-key",
  /** RFC 9474 "unexpected input size", "invalid message", "invalid input": a blinded message of the wrong length or not below n. */
  InvalidInput: "invalid-input",
  /** RFC 9474 Section 4.3 "signing failure": the private operation did not verify (a fault). */
  SigningFailure: "signing-failure",
  /** RFC 9474 Section 4.4 "invalid signature": Finalize could not verify the issuer's answer. */
  InvalidSignature: "invalid-signature",
  /** The caller passed a value that cannot be encoded or used, or reused a single-use context. */
  InvalidArgument: "invalid-argument",
  /** An ARC proof, or a presentation, does not verify (opaque by design). */
  VerifyFailed: "verify-failed",
  /** ARC's Present was called after the state had made `presentationLimit` presentations (draft Section "Presentation Construction", LimitExceededError). */
  LimitExceeded: "limit-exceeded",
} as const;
export type PrivacyPassErrorCode = (typeof PrivacyPassErrorCode)[keyof typeof PrivacyPassErrorCode];

export class PrivacyPassError extends CodedError<PrivacyPassErrorCode> {
  override readonly name = "PrivacyPassError";

  constructor(code: PrivacyPassErrorCode, detail?: string) {
    super(code, codedMessage("privacypass", code, detail));
  }
}
