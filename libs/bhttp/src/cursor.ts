import { ByteReader, WireError, WireErrorCode } from "@oblivious/wire";
import { BhttpError, BhttpErrorCode } from "./errors.js";

/**
 * The decoders' view of the input: the project's bounds-checked `ByteReader`, with every
 * `WireError` turned into a `BhttpError` whose offset counts from the start of the message (also
 * inside a known-length section, which is read through a cursor of its own).
 *
 * Invariant: nothing is allocated from a length read off the wire before the bytes it announces
 * are known to be there; `bytes()` returns views, so the callers copy what they keep.
 */
export class Cursor {
  readonly #reader: ByteReader;
  readonly #base: number;
  /** What running past the end means: a truncated message, or a field line overrunning its section. */
  readonly #overrun: BhttpErrorCode;

  constructor(bytes: Uint8Array, base = 0, overrun: BhttpErrorCode = BhttpErrorCode.Truncated) {
    this.#reader = new ByteReader(bytes);
    this.#base = base;
    this.#overrun = overrun;
  }

  /** Offset of the next byte, from the start of the message. */
  get offset(): number {
    return this.#base + this.#reader.offset;
  }

  get atEnd(): boolean {
    return this.#reader.remaining === 0;
  }

  /**
   * A QUIC varint (RFC 9000 §16), which need not be minimal (RFC 9292 §3). A value beyond 2^53-1
   * is refused with `overflow`: no message can hold such a length, and no status is that large.
   */
  varint(overflow: BhttpErrorCode = BhttpErrorCode.TooLarge): number {
    const at = this.offset;
    try {
      return this.#reader.varint();
    } catch (e) {
      throw this.#map(e, at, overflow);
    }
  }

  /** `n` bytes, as a view into the input. */
  bytes(n: number): Uint8Array {
    const at = this.offset;
    try {
      return this.#reader.bytes(n);
    } catch (e) {
      throw this.#map(e, at, BhttpErrorCode.TooLarge);
    }
  }

  /** A cursor over the next `n` bytes (a known-length section); reading past its end is `overrun`. */
  section(n: number, overrun: BhttpErrorCode): Cursor {
    const base = this.offset;
    return new Cursor(this.bytes(n), base, overrun);
  }

  /** Everything not yet read, as a view. */
  rest(): Uint8Array {
    return this.#reader.rest();
  }

  #map(e: unknown, at: number, overflow: BhttpErrorCode): unknown {
    if (!(e instanceof WireError)) return e;
    const code = e.code === WireErrorCode.Truncated ? this.#overrun : overflow;
    return new BhttpError(code, at, { cause: e });
  }
}
