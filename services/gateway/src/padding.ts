/**
 * Response padding (RFC 9458 §6.2.3 and §6.3: "Servers should account for traffic analysis based
 * on response size"; RFC 9292 §3.8: padding is zero bytes after the message). Every Binary HTTP
 * response the gateway encapsulates is padded up to a bucket size, so its length tells an
 * observer only which bucket it fell in.
 *
 * Policies (GATEWAY_PADDING):
 *   `none`                 no padding;
 *   `pow2` or `pow2:<min>` the next power of two, at least <min> bytes (default 256);
 *   `<a>,<b>,...`          the first listed size that fits; beyond the last, a multiple of it.
 */

export type PaddingPolicy =
  | { readonly kind: "none" }
  | { readonly kind: "pow2"; readonly min: number }
  | { readonly kind: "list"; readonly sizes: readonly number[] };

export const DEFAULT_PADDING = "pow2:256";

const MAX_BUCKET = 1 << 30;

function positiveInt(text: string): number | undefined {
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= MAX_BUCKET ? n : undefined;
}

/** Parses a padding policy; `undefined` when the text is not one. */
export function parsePadding(spec: string): PaddingPolicy | undefined {
  const text = spec.trim().toLowerCase();
  if (text === "none") return { kind: "none" };
  if (text === "pow2") return { kind: "pow2", min: 256 };
  if (text.startsWith("pow2:")) {
    const min = positiveInt(text.slice(5));
    return min === undefined ? undefined : { kind: "pow2", min };
  }
  const sizes: number[] = [];
  for (const part of text.split(",")) {
    const n = positiveInt(part.trim());
    if (n === undefined || (sizes.length > 0 && n <= (sizes.at(-1) ?? 0))) return undefined;
    sizes.push(n);
  }
  return sizes.length === 0 ? undefined : { kind: "list", sizes };
}

/** The size a message of `length` bytes is padded to: never less than `length`. */
export function paddedLength(policy: PaddingPolicy, length: number): number {
  switch (policy.kind) {
    case "none":
      return length;
    case "pow2": {
      let size = policy.min;
      while (size < length) size *= 2;
      return size;
    }
    case "list": {
      for (const size of policy.sizes) if (size >= length) return size;
      const last = policy.sizes.at(-1) ?? 1;
      return Math.ceil(length / last) * last;
    }
  }
}

/**
 * `message` followed by zero bytes up to its bucket. The same bytes as encoding with the Binary
 * HTTP `padding` option (RFC 9292 §3.8), without encoding the message a second time.
 */
export function pad(policy: PaddingPolicy, message: Uint8Array): Uint8Array {
  const size = paddedLength(policy, message.length);
  if (size === message.length) return message;
  const out = new Uint8Array(size);
  out.set(message);
  return out;
}
