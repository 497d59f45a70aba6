import { createCipheriv, createDecipheriv } from "node:crypto";
import type { CipherGCMTypes } from "node:crypto";
import type { AeadParameters } from "./algorithms.js";
import { decryptFailed } from "./errors.js";

/**
 * The AEAD functions of RFC 9180 Section 4 (Seal, Open) on node:crypto. The ciphertext is the
 * encrypted text followed by the Nt-byte tag, as RFC 5116 defines it.
 */

// @types/node has no overload for a union of cipher names; every name here is an AEAD with a
// 16-byte tag that takes the same calls (setAAD, getAuthTag, setAuthTag).
function cipherName(aead: AeadParameters): CipherGCMTypes {
  return aead.cipher as CipherGCMTypes;
}

/** Seal(key, nonce, aad, pt): ct | tag. */
export function seal(aead: AeadParameters, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Buffer {
  const cipher = createCipheriv(cipherName(aead), key, nonce, { authTagLength: aead.Nt });
  if (aad.length > 0) cipher.setAAD(aad);
  const body = cipher.update(pt);
  const rest = cipher.final();
  return Buffer.concat([body, rest, cipher.getAuthTag()]);
}

/** Open(key, nonce, aad, ct): pt, or the uniform decryption error. */
export function open(aead: AeadParameters, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Buffer {
  if (ct.length < aead.Nt) throw decryptFailed();
  const split = ct.length - aead.Nt;
  try {
    const decipher = createDecipheriv(cipherName(aead), key, nonce, { authTagLength: aead.Nt });
    decipher.setAuthTag(ct.subarray(split));
    if (aad.length > 0) decipher.setAAD(aad);
    const body = decipher.update(ct.subarray(0, split));
    const rest = decipher.final();
    return rest.length === 0 ? body : Buffer.concat([body, rest]);
  } catch {
    throw decryptFailed();
  }
}
