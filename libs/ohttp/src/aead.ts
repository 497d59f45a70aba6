import { primitives } from "#primitives";
import type { AeadParameters } from "./algorithms.js";
import { decryptFailed } from "./errors.js";

/**
 * The AEAD functions of RFC 9180 Section 4 (Seal, Open) on the platform's AEADs (primitives.ts).
 * The ciphertext is the encrypted text followed by the Nt-byte tag, as RFC 5116 defines it.
 */

/** Seal(key, nonce, aad, pt): ct | tag. */
export function seal(aead: AeadParameters, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  return primitives.seal(aead.cipher, key, nonce, aad, pt);
}

/** Open(key, nonce, aad, ct): pt, or the uniform decryption error. */
export function open(aead: AeadParameters, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array {
  if (ct.length < aead.Nt) throw decryptFailed();
  try {
    return primitives.open(aead.cipher, key, nonce, aad, ct);
  } catch {
    throw decryptFailed();
  }
}
