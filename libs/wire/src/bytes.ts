/**
 * Small byte helpers shared by the codecs, on Uint8Array alone: they run unchanged in Node and in
 * browsers (no Buffer, no node builtin).
 */

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const HEX_DIGITS = "0123456789abcdef";
const BYTE_TO_HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => (HEX_DIGITS[i >> 4] as string) + (HEX_DIGITS[i & 15] as string));

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError("not a hex string");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** Lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += BYTE_TO_HEX[bytes[i] as number] as string;
  return out;
}

/** Code units per String.fromCharCode call: far below every engine's argument limit. */
const LATIN1_CHUNK = 8192;

/**
 * The bytes as a latin1 string, one character per byte (U+0000 to U+00FF), lossless for any
 * byte. Not `TextDecoder("latin1")`: per the WHATWG Encoding Standard that label is
 * windows-1252, which maps 0x80-0x9f to other code points and would not round-trip.
 */
export function bytesToLatin1(bytes: Uint8Array): string {
  if (bytes.length <= LATIN1_CHUNK) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let out = "";
  for (let at = 0; at < bytes.length; at += LATIN1_CHUNK) {
    out += String.fromCharCode.apply(null, bytes.subarray(at, at + LATIN1_CHUNK) as unknown as number[]);
  }
  return out;
}

/** The bytes of a latin1 string; throws `TypeError` on a character above U+00FF. */
export function latin1ToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new TypeError("not a latin1 string");
    out[i] = code;
  }
  return out;
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const BASE64URL_VALUES: Readonly<Int16Array> = (() => {
  const values = new Int16Array(128).fill(-1);
  for (let i = 0; i < BASE64URL.length; i++) values[BASE64URL.charCodeAt(i)] = i;
  return values;
})();

/** base64url (RFC 4648 Section 5) without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += (BASE64URL[n >> 18] as string) + (BASE64URL[(n >> 12) & 63] as string) + (BASE64URL[(n >> 6) & 63] as string) + (BASE64URL[n & 63] as string);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += (BASE64URL[n >> 18] as string) + (BASE64URL[(n >> 12) & 63] as string);
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += (BASE64URL[n >> 18] as string) + (BASE64URL[(n >> 12) & 63] as string) + (BASE64URL[(n >> 6) & 63] as string);
  }
  return out;
}

/**
 * Unpadded base64url (RFC 4648 Section 5) in its canonical form only: the alphabet and nothing
 * else, no length of 1 modulo 4, and zero bits after the last byte. Throws `TypeError` otherwise.
 */
export function fromBase64Url(text: string): Uint8Array {
  if (text.length % 4 === 1) throw new TypeError("not base64url");
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? (BASE64URL_VALUES[code] as number) : -1;
    if (value < 0) throw new TypeError("not base64url");
    acc = (acc << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw new TypeError("not base64url");
  return out;
}
