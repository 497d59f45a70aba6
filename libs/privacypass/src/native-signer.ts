/**
 * BlindSign, RFC 9474 Section 4.3, on OpenSSL through node:crypto: the issuer's signing path.
 *
 *   1. If len(blinded_msg) != modulus_len, raise "unexpected input size" and stop
 *   2. m = bytes_to_int(blinded_msg)
 *   3. s = RSASP1(sk, m)                 -- raises "message representative out of range" if m >= n
 *   4. m' = RSAVP1(pk, s)
 *   5. If m != m', raise "signing failure" and stop
 *   6. blind_sig = int_to_bytes(s, modulus_len)
 *
 * RSASP1 is `privateDecrypt` with RSA_NO_PADDING: OpenSSL's CRT private operation, with its own
 * base blinding against timing attacks. RSAVP1 is `publicEncrypt` with RSA_NO_PADDING. Step 5 is
 * the safeguard of RFC 9474 Section 7, "Timing Side Channels and Fault Attacks": a CRT signature
 * computed with one faulty half reveals a factor of n, so an unchecked result must never leave
 * the signer. The input length and range are checked here, before OpenSSL sees the bytes
 * (OpenSSL would left-pad a short input).
 *
 * OpenSSL 3's default provider also checks its CRT result against the input (r^e mod n, in
 * rsa_ossl_mod_exp) and recomputes without CRT on a mismatch, so `openssl speed rsa2048` already
 * pays for one such check. Step 5 is done here all the same, at a small fraction of the private
 * operation's cost (docs/decisions/0003-native-blind-signing.md): it is what RFC 9474 requires of
 * the signer, it checks the bytes that leave (after node's copy), and it holds whatever library
 * node links.
 */
import { constants, createPublicKey, privateDecrypt, publicEncrypt, timingSafeEqual } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";
import { asRsaPrivateKey, asRsaPublicKey, isRsaKey, rsaPublicComponents } from "./rsa-key.js";

/** A Buffer over the same memory (no copy): node:crypto's calls take Buffers. This file is Node's only. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export class NativeBlindSigner {
  /** modulus_len: the length in bytes of n, of every blinded message and blind signature. */
  readonly modulusBytes: number;
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly #n: Buffer;

  /** `privateKey`: an "rsa" or "rsa-pss" private KeyObject (RSA-PSS keys are re-imported as "rsa"). */
  constructor(privateKey: KeyObject) {
    if (!isRsaKey(privateKey) || privateKey.type !== "private") {
      throw new PrivacyPassError(PrivacyPassErrorCode.InvalidKey, "not an RSA private key");
    }
    this.#privateKey = asRsaPrivateKey(privateKey);
    this.#publicKey = asRsaPublicKey(createPublicKey(privateKey));
    const { n } = rsaPublicComponents(this.#publicKey);
    this.#n = Buffer.from(n);
    this.modulusBytes = n.length;
  }

  /** BlindSign(sk, blinded_msg). Throws `invalid-input` for bad input, `signing-failure` on a fault. */
  sign(blindedMsg: Uint8Array): Uint8Array {
    // 1. exact length
    if (!(blindedMsg instanceof Uint8Array) || blindedMsg.length !== this.modulusBytes) {
      throw new PrivacyPassError(PrivacyPassErrorCode.InvalidInput, "unexpected input size");
    }
    // 2., 3. m < n (both big-endian of the same length, so byte order is numeric order)
    const m = asBuffer(blindedMsg);
    if (Buffer.compare(m, this.#n) >= 0) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidInput, "invalid message");
    let s: Uint8Array;
    let mPrime: Uint8Array;
    try {
      s = this.rsasp1(m);
      // 4. m' = RSAVP1(pk, s)
      mPrime = this.rsavp1(s);
    } catch (error) {
      if (error instanceof PrivacyPassError) throw error;
      throw new PrivacyPassError(PrivacyPassErrorCode.SigningFailure);
    }
    // 5. m == m'
    if (s.length !== this.modulusBytes || mPrime.length !== m.length || !timingSafeEqual(asBuffer(mPrime), m)) {
      throw new PrivacyPassError(PrivacyPassErrorCode.SigningFailure);
    }
    // 6. A fresh Uint8Array, never a view into a pooled Buffer.
    return new Uint8Array(s);
  }

  /** RSASP1(sk, m): m^d mod n. Protected so that a test can inject a fault. */
  protected rsasp1(m: Uint8Array): Uint8Array {
    return privateDecrypt({ key: this.#privateKey, padding: constants.RSA_NO_PADDING }, asBuffer(m));
  }

  /** RSAVP1(pk, s): s^e mod n. */
  protected rsavp1(s: Uint8Array): Uint8Array {
    return publicEncrypt({ key: this.#publicKey, padding: constants.RSA_NO_PADDING }, asBuffer(s));
  }

  /** Never prints key material. */
  toString(): string {
    return `NativeBlindSigner(${this.modulusBytes * 8}-bit)`;
  }

  toJSON(): string {
    return this.toString();
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
