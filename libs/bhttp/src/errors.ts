/**
 * The one error this library throws. Every failure to decode arbitrary bytes, and every value the
 * encoder refuses, is a `BhttpError` with a code from this closed set, so a service can map it to
 * a 4xx and tell it apart from a bug.
 *
 * The message carries the code and a byte offset only, never bytes of the input: a decoded
 * request holds the user's query, and the gateway must not log it (docs/design.md, privacy contract).
 */
import { CodedError } from "@oblivious/wire";

export const BhttpErrorCode = {
  /** The input ends inside a section, or before a part that cannot be truncated (RFC 9292 §3.8). */
  Truncated: "truncated",
  /** A non-zero byte follows the message (RFC 9292 §3.8: non-zero padding makes it invalid). */
  TrailingBytes: "trailing-bytes",
  /** The framing indicator is not 0 to 3 (RFC 9292 §3.3). */
  InvalidFraming: "invalid-framing",
  /** A response was given to a request decoder, or the reverse (RFC 9292 §3.3). */
  UnexpectedMessageKind: "unexpected-message-kind",
  /** Method, scheme, authority or path break the rules of RFC 9113 §8.3.1 (RFC 9292 §3.4). */
  InvalidControlData: "invalid-control-data",
  /** A status code outside 100-199 (informational) or 200-599 (final) (RFC 9292 §3.5). */
  InvalidStatus: "invalid-status",
  /** A field line that RFC 9292 §3.6 makes invalid, or that overruns its section. */
  InvalidField: "invalid-field",
  /** A count or length beyond the decoder's limits, or beyond what a number can hold. */
  TooLarge: "too-large",
  /** An encoder option or a decode limit that is not a valid value. */
  InvalidArgument: "invalid-argument",
} as const;
export type BhttpErrorCode = (typeof BhttpErrorCode)[keyof typeof BhttpErrorCode];

export class BhttpError extends CodedError<BhttpErrorCode> {
  override readonly name = "BhttpError";
  /** Decoding only: the offset in the input of the item that could not be read or is invalid. */
  readonly offset: number | undefined;

  constructor(code: BhttpErrorCode, offset?: number, options?: { readonly cause?: unknown }) {
    super(code, offset === undefined ? `bhttp: ${code}` : `bhttp: ${code} at byte ${offset}`, options);
    this.offset = offset;
  }
}
