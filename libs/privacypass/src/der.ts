/**
 * The little DER (ITU-T X.690) this library needs: reading the TLVs of SubjectPublicKeyInfo
 * (RFC 5280 Section 4.1), RSAPublicKey (RFC 8017 Appendix A.1.1) and PrivateKeyInfo (RFC 5208),
 * and writing a SEQUENCE and a BIT STRING. Definite lengths only, minimal length encodings only.
 */
import { ByteWriter, concat } from "@oblivious/wire";
import type { ByteReader } from "@oblivious/wire";
import { decodeWhole } from "./decode.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";

export const DerTag = { Integer: 0x02, BitString: 0x03, OctetString: 0x04, Sequence: 0x30 } as const;

function malformed(): PrivacyPassError {
  return new PrivacyPassError(PrivacyPassErrorCode.Malformed, "DER");
}

/** Reads one TLV with the given tag and returns its contents (a view). */
export function readTlv(reader: ByteReader, tag: number): Uint8Array {
  if (reader.uint8() !== tag) throw malformed();
  const first = reader.uint8();
  let length = first;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw malformed();
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + reader.uint8();
    // Minimal encoding: long form only from 128, and no leading zero byte.
    if (length < 0x80 || length < 256 ** (count - 1)) throw malformed();
  }
  return reader.bytes(length);
}

/** The contents of the children of a SEQUENCE that spans all of `bytes`. */
export function readSequence(bytes: Uint8Array, tags: readonly number[]): Uint8Array[] {
  return decodeWhole("DER", bytes, (outer) => {
    const body = readTlv(outer, DerTag.Sequence);
    return decodeWhole("DER", body, (reader) => tags.map((tag) => readTlv(reader, tag)));
  });
}

/** A non-negative INTEGER's magnitude without its sign byte. */
export function unsignedInteger(contents: Uint8Array): Uint8Array {
  if (contents.length === 0 || ((contents[0] as number) & 0x80) !== 0) throw malformed();
  if (contents.length > 1 && contents[0] === 0 && ((contents[1] as number) & 0x80) === 0) throw malformed();
  return contents[0] === 0 && contents.length > 1 ? contents.subarray(1) : contents;
}

function lengthBytes(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const digits: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) digits.unshift(v % 256);
  return Uint8Array.of(0x80 | digits.length, ...digits);
}

export function writeTlv(tag: number, contents: Uint8Array): Uint8Array {
  return new ByteWriter(contents.length + 6).uint8(tag).bytes(lengthBytes(contents.length)).bytes(contents).finish();
}

export function writeSequence(...children: readonly Uint8Array[]): Uint8Array {
  return writeTlv(DerTag.Sequence, concat(...children));
}
