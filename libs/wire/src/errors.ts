/**
 * The one error the reader and writer throw. Codecs built on them catch it and rethrow their own
 * coded error, so a service can always tell malformed input (a 4xx) from a bug (a 500).
 */
import { CodedError } from "./coded-error.js";

export const WireErrorCode = {
  /** The input ended before a field it announced. */
  Truncated: "truncated",
  /** Bytes remain after the value was fully read. */
  TrailingBytes: "trailing-bytes",
  /** A value does not fit the field it must be written to. */
  OutOfRange: "out-of-range",
} as const;
export type WireErrorCode = (typeof WireErrorCode)[keyof typeof WireErrorCode];

export class WireError extends CodedError<WireErrorCode> {
  override readonly name = "WireError";
  /** The offset in the input at which reading failed (reading only). */
  readonly offset: number | undefined;

  constructor(code: WireErrorCode, offset?: number) {
    super(code, offset === undefined ? code : `${code} at byte ${offset}`);
    this.offset = offset;
  }
}
