/**
 * base64url (RFC 4648 Section 5). RFC 9577 Sections 2.1 and 2.2 and RFC 9578 Section 4 require
 * senders to include padding (RFC 4648 Section 3.2), so encoding pads by default. Decoding takes
 * padded and unpadded input (peers in the wild omit padding) but nothing else: no "+" or "/",
 * no whitespace, no misplaced or excess "=", and no non-zero bits after the last byte, so every
 * byte string has exactly two accepted spellings.
 */
import { fromBase64Url, toBase64Url } from "@oblivious/wire";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";

const SHAPE = /^[A-Za-z0-9_-]*={0,2}$/;

export function encodeBase64Url(bytes: Uint8Array, options: { readonly padding?: boolean } = {}): string {
  const unpadded = toBase64Url(bytes);
  if (options.padding === false) return unpadded;
  return unpadded + "=".repeat((4 - (unpadded.length % 4)) % 4);
}

export function decodeBase64Url(text: string): Uint8Array {
  const malformed = (): PrivacyPassError => new PrivacyPassError(PrivacyPassErrorCode.Malformed, "base64url");
  if (!SHAPE.test(text)) throw malformed();
  const body = text.replace(/=+$/, "");
  const padding = text.length - body.length;
  if (body.length % 4 === 1) throw malformed();
  if (padding > 0 && (body.length + padding) % 4 !== 0) throw malformed();
  // Canonical form only: fromBase64Url rejects set bits past the last byte.
  try {
    return fromBase64Url(body);
  } catch {
    throw malformed();
  }
}
