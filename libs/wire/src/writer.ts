import { WireError, WireErrorCode } from "./errors.js";

/** The largest value a QUIC varint can carry that is also a safe JavaScript integer. */
export const MAX_VARINT = Number.MAX_SAFE_INTEGER;

/** The number of bytes the varint encoding of `value` takes. */
export function varintLength(value: number): 1 | 2 | 4 | 8 {
  if (!Number.isSafeInteger(value) || value < 0) throw new WireError(WireErrorCode.OutOfRange);
  if (value < 0x40) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x40000000) return 4;
  return 8;
}

/**
 * An append-only byte builder that grows as needed. `finish()` returns a view of exactly the
 * bytes written.
 */
export class ByteWriter {
  #buf: Uint8Array;
  #length = 0;

  constructor(initialCapacity = 256) {
    this.#buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.#length;
  }

  #reserve(n: number): number {
    const at = this.#length;
    const needed = at + n;
    if (needed > this.#buf.length) {
      let size = this.#buf.length * 2;
      while (size < needed) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#buf.subarray(0, at));
      this.#buf = grown;
    }
    this.#length = needed;
    return at;
  }

  uint8(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new WireError(WireErrorCode.OutOfRange);
    // Reserve first: it may replace #buf, which must be read after it.
    const at = this.#reserve(1);
    this.#buf[at] = value;
    return this;
  }

  uint16(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new WireError(WireErrorCode.OutOfRange);
    const at = this.#reserve(2);
    this.#buf[at] = value >>> 8;
    this.#buf[at + 1] = value & 0xff;
    return this;
  }

  uint32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new WireError(WireErrorCode.OutOfRange);
    return this.uint16(Math.floor(value / 0x10000)).uint16(value % 0x10000);
  }

  bytes(value: Uint8Array): this {
    const at = this.#reserve(value.length);
    this.#buf.set(value, at);
    return this;
  }

  /** `n` zero bytes (padding). */
  zeros(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new WireError(WireErrorCode.OutOfRange);
    const at = this.#reserve(n);
    this.#buf.fill(0, at, at + n);
    return this;
  }

  /** A QUIC variable-length integer (RFC 9000, Section 16), in its shortest form. */
  varint(value: number): this {
    const length = varintLength(value);
    const at = this.#reserve(length);
    let v = value;
    for (let i = length - 1; i > 0; i--) {
      this.#buf[at + i] = v % 256;
      v = Math.floor(v / 256);
    }
    const prefix = { 1: 0x00, 2: 0x40, 4: 0x80, 8: 0xc0 }[length];
    this.#buf[at] = prefix | v;
    return this;
  }

  varintPrefixed(value: Uint8Array): this {
    return this.varint(value.length).bytes(value);
  }

  uint16Prefixed(value: Uint8Array): this {
    return this.uint16(value.length).bytes(value);
  }

  finish(): Uint8Array {
    return this.#buf.subarray(0, this.#length);
  }
}
