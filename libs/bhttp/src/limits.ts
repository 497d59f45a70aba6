import { BhttpError, BhttpErrorCode } from "./errors.js";

/**
 * Bounds on what one decoded message may hold. The decoder never allocates more than the input
 * it was given, so these bound the work and the size of the decoded value, not memory safety.
 */
export interface DecodeLimits {
  /** Field lines in the whole message: every header, trailer and informational section. */
  readonly maxFields?: number;
  /**
   * Encoded bytes of any one field section (its field lines, without the length or terminator),
   * and of the request control data (pseudo-header fields in HTTP/2).
   */
  readonly maxFieldSectionBytes?: number;
  /** Bytes of content, after the chunks of an indeterminate-length message are joined. */
  readonly maxContentBytes?: number;
  /** Informational (1xx) responses before the final one (RFC 9292 §3.5.1 sets no bound). */
  readonly maxInformationalResponses?: number;
}

export const DEFAULT_DECODE_LIMITS: Readonly<Required<DecodeLimits>> = Object.freeze({
  maxFields: 512,
  maxFieldSectionBytes: 64 * 1024,
  maxContentBytes: 16 * 1024 * 1024,
  maxInformationalResponses: 16,
});

/** Counts what a decoder has read against the limits; one per decoded message. */
export class Budget {
  readonly #limits: Readonly<Required<DecodeLimits>>;
  #fields = 0;
  #informational = 0;

  constructor(limits: DecodeLimits = {}) {
    this.#limits = resolve(limits);
  }

  /** One more field line, starting at `offset`. */
  field(offset: number): void {
    if (++this.#fields > this.#limits.maxFields) throw new BhttpError(BhttpErrorCode.TooLarge, offset);
  }

  /** A field section that has reached `size` encoded bytes. */
  fieldSection(size: number, offset: number): void {
    if (size > this.#limits.maxFieldSectionBytes) throw new BhttpError(BhttpErrorCode.TooLarge, offset);
  }

  /** Content that has reached `size` bytes. */
  content(size: number, offset: number): void {
    if (size > this.#limits.maxContentBytes) throw new BhttpError(BhttpErrorCode.TooLarge, offset);
  }

  /** One more informational response, starting at `offset`. */
  informational(offset: number): void {
    if (++this.#informational > this.#limits.maxInformationalResponses) {
      throw new BhttpError(BhttpErrorCode.TooLarge, offset);
    }
  }
}

function resolve(limits: DecodeLimits): Readonly<Required<DecodeLimits>> {
  const out = { ...DEFAULT_DECODE_LIMITS };
  for (const key of Object.keys(out) as (keyof DecodeLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) throw new BhttpError(BhttpErrorCode.InvalidArgument);
    out[key] = value;
  }
  return out;
}
