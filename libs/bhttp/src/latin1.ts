import { asBuffer } from "@oblivious/wire";

/*
 * Field values, and the request control data, are sequences of bytes (RFC 9292 §3.4, §3.6). They
 * are held as latin1 strings, one character per byte, as node:http does: lossless for any byte.
 * Not `TextDecoder("latin1")`: per the WHATWG Encoding Standard that label is windows-1252, which
 * maps 0x80-0x9f to other code points and would not round-trip.
 */

export function bytesToLatin1(bytes: Uint8Array): string {
  return asBuffer(bytes).toString("latin1");
}

/** The bytes of `text`; the callers have checked that every character is at most U+00FF. */
export function latin1ToBytes(text: string): Uint8Array {
  return Buffer.from(text, "latin1");
}

/** True when every character of `text` is one byte in latin1. */
export function isLatin1(text: string): boolean {
  return !/[\u0100-\uffff]/.test(text);
}
