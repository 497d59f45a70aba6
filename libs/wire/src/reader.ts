import { WireError, WireErrorCode } from "./errors.js";

/**
 * A bounds-checked cursor over a byte view. It never touches `.buffer` without the view's own
 * offset and length, so a message given at a non-zero offset of a larger buffer reads the same
 * as a copy of it. Slices it returns are views into the input, not copies.
 */
export class ByteReader {
  readonly #bytes: Uint8Array;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.#offset;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  #need(n: number): void {
    if (n > this.remaining) throw new WireError(WireErrorCode.Truncated, this.#bytes.length);
  }

  uint8(): number {
    this.#need(1);
    return this.#bytes[this.#offset++] as number;
  }

  uint16(): number {
    this.#need(2);
    const b = this.#bytes;
    const o = this.#offset;
    this.#offset += 2;
    return ((b[o] as number) << 8) | (b[o + 1] as number);
  }

  uint32(): number {
    return this.uint16() * 0x10000 + this.uint16();
  }

  /** `n` bytes, as a view into the input. */
  bytes(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0) throw new WireError(WireErrorCode.OutOfRange, this.#offset);
    this.#need(n);
    const out = this.#bytes.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return out;
  }

  /** Everything not yet read, as a view. */
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /**
   * A QUIC variable-length integer (RFC 9000, Section 16): the two high bits of the first byte
   * give the length (1, 2, 4 or 8 bytes). Values above 2^53 - 1 cannot be JavaScript numbers;
   * they are refused as out of range (no length in this project comes near them).
   */
  varint(): number {
    this.#need(1);
    const first = this.#bytes[this.#offset] as number;
    const length = 1 << (first >> 6);
    this.#need(length);
    let value = first & 0x3f;
    for (let i = 1; i < length; i++) value = value * 256 + (this.#bytes[this.#offset + i] as number);
    if (!Number.isSafeInteger(value)) throw new WireError(WireErrorCode.OutOfRange, this.#offset);
    this.#offset += length;
    return value;
  }

  /** A varint length followed by that many bytes. */
  varintPrefixed(): Uint8Array {
    return this.bytes(this.varint());
  }

  /** A 16-bit length followed by that many bytes. */
  uint16Prefixed(): Uint8Array {
    return this.bytes(this.uint16());
  }

  /** Peeks at the next byte without consuming it; `undefined` at the end. */
  peek(): number | undefined {
    return this.#bytes[this.#offset];
  }

  /** Throws unless every byte has been read. */
  end(): void {
    if (this.remaining !== 0) throw new WireError(WireErrorCode.TrailingBytes, this.#offset);
  }
}
