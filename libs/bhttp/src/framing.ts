import { BhttpError, BhttpErrorCode } from "./errors.js";
import type { Cursor } from "./cursor.js";

/**
 * RFC 9292 §3.1 and §3.2: a known-length message prefixes each field section and the content
 * with its length; an indeterminate-length message ends each with a zero and sends the content
 * as chunks.
 */
export const Framing = {
  KnownLength: "known-length",
  IndeterminateLength: "indeterminate-length",
} as const;
export type Framing = (typeof Framing)[keyof typeof Framing];

/** Whether a message is a request or a response; the framing indicator carries both. */
export const MessageKind = { Request: "request", Response: "response" } as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

/**
 * RFC 9292 §3.3:
 *   Framing Indicator (i) = 0 (known-length request), 1 (known-length response),
 *                           2 (indeterminate-length request), 3 (indeterminate-length response)
 * Other values make the message invalid.
 */
export const FramingIndicator = {
  KnownLengthRequest: 0,
  KnownLengthResponse: 1,
  IndeterminateLengthRequest: 2,
  IndeterminateLengthResponse: 3,
} as const;
export type FramingIndicator = (typeof FramingIndicator)[keyof typeof FramingIndicator];

export interface EncodeOptions {
  /** Default: known-length. */
  readonly framing?: Framing;
  /** Zero bytes appended after the message (RFC 9292 §3.8), e.g. to reach a size bucket. Default 0. */
  readonly padding?: number;
  /**
   * RFC 9292 §3.8: omit the trailer section when it is empty, and then the content too when it is
   * empty, instead of writing a zero length (or terminator). Default false: every part is written,
   * as in the examples of RFC 9292 §5.
   */
  readonly truncate?: boolean;
}

/** A decoded message with the choices its encoder made, which do not change its meaning. */
export interface Decoded<M> {
  readonly message: M;
  readonly framing: Framing;
  /** Zero bytes after the trailer section (zeros read as empty parts are not counted). */
  readonly paddingLength: number;
  /** True when the message ended before its content or a field section (RFC 9292 §3.8). */
  readonly truncated: boolean;
}

/** Encoder options after validation, defaults applied. */
export interface ResolvedEncodeOptions {
  readonly framing: Framing;
  readonly padding: number;
  readonly truncate: boolean;
}

export function resolveEncodeOptions(opts: EncodeOptions): ResolvedEncodeOptions {
  const { framing = Framing.KnownLength, padding = 0, truncate = false } = opts;
  if (framing !== Framing.KnownLength && framing !== Framing.IndeterminateLength) {
    throw new BhttpError(BhttpErrorCode.InvalidArgument);
  }
  if (!Number.isSafeInteger(padding) || padding < 0 || typeof truncate !== "boolean") {
    throw new BhttpError(BhttpErrorCode.InvalidArgument);
  }
  return { framing, padding, truncate };
}

export function framingIndicator(kind: MessageKind, framing: Framing): FramingIndicator {
  if (kind === MessageKind.Request) {
    return framing === Framing.KnownLength
      ? FramingIndicator.KnownLengthRequest
      : FramingIndicator.IndeterminateLengthRequest;
  }
  return framing === Framing.KnownLength
    ? FramingIndicator.KnownLengthResponse
    : FramingIndicator.IndeterminateLengthResponse;
}

/**
 * Reads the framing indicator of a message that must be of `kind`. A value outside 0-3 is
 * `invalid-framing`; a valid indicator of the other kind is `unexpected-message-kind`.
 */
export function readFramingIndicator(cursor: Cursor, kind: MessageKind): Framing {
  const at = cursor.offset;
  const value = cursor.varint(BhttpErrorCode.InvalidFraming);
  if (value > FramingIndicator.IndeterminateLengthResponse) throw new BhttpError(BhttpErrorCode.InvalidFraming, at);
  const isRequest = value % 2 === 0;
  if (isRequest !== (kind === MessageKind.Request)) throw new BhttpError(BhttpErrorCode.UnexpectedMessageKind, at);
  return value < 2 ? Framing.KnownLength : Framing.IndeterminateLength;
}
