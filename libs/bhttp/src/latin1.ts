/*
 * Field values, and the request control data, are sequences of bytes (RFC 9292 §3.4, §3.6). They
 * are held as latin1 strings, one character per byte, as node:http does: lossless for any byte.
 * The conversions are @oblivious/wire's, on Uint8Array alone.
 */
export { bytesToLatin1, latin1ToBytes } from "@oblivious/wire";

/** True when every character of `text` is one byte in latin1. */
export function isLatin1(text: string): boolean {
  return !/[\u0100-\uffff]/.test(text);
}
