/**
 * RSA blind signatures, RFC 9474, client side: Prepare (Section 4.1), Blind (Section 4.2) and
 * Finalize (Section 4.4), with SHA-384 and MGF1-SHA-384 (every variant of Section 5), written as
 * the RFC's numbered steps with its names. The signer side is `NativeBlindSigner` (OpenSSL's
 * RSASP1) and `blindSignWithLibrary` (@cloudflare/blindrsa-ts).
 *
 * Integers are native bigint. They do not run in constant time; what they handle on the client
 * (the blind r and its inverse) protects unlinkability, not a key, and never leaves the device.
 * Hashes and randomness are the platform's (primitives.ts); the arithmetic, and so the final
 * RSASSA-PSS-VERIFY, is bigint on every platform.
 */
import { concat, equal, fromHex, toHex } from "@oblivious/wire";
import { primitives } from "#primitives";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";

/** hLen of SHA-384. */
const H_LEN = 48;

/** An RSA public key as RFC 9474 uses it: n, e, and kLen (modulus_len, in bytes). */
export interface BlindRsaPublicKey {
  readonly n: bigint;
  readonly e: bigint;
  readonly modulusBits: number;
  readonly modulusLength: number;
}

/** The key from its big-endian n (without leading zero bytes) and e. */
export function blindRsaPublicKey(components: { readonly n: Uint8Array; readonly e: Uint8Array }): BlindRsaPublicKey {
  const modulus = os2ip(components.n);
  return { n: modulus, e: os2ip(components.e), modulusBits: modulus.toString(2).length, modulusLength: components.n.length };
}

/** OS2IP (RFC 8017 Section 4.2), "bytes_to_int" in RFC 9474. */
export function os2ip(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${toHex(bytes)}`);
}

/** I2OSP (RFC 8017 Section 4.1), "int_to_bytes" in RFC 9474. */
export function i2osp(x: bigint, length: number): Uint8Array {
  if (x < 0n) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "integer too large");
  const hex = x.toString(16).padStart(length * 2, "0");
  if (hex.length > length * 2) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "integer too large");
  return fromHex(hex);
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

/** RSAVP1 (RFC 8017 Section 5.2.2): s^e mod n, for 0 <= s < n. */
export function rsavp1(pk: BlindRsaPublicKey, s: bigint): bigint {
  if (s < 0n || s >= pk.n) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidInput, "signature representative out of range");
  return modPow(s, pk.e, pk.n);
}

/** inverse_mod(x, n): x^-1 mod n, or undefined when gcd(x, n) != 1 (extended Euclid). */
export function inverseMod(x: bigint, n: bigint): bigint | undefined {
  let [oldR, r] = [((x % n) + n) % n, n];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) return undefined;
  return ((oldS % n) + n) % n;
}

/** is_coprime(x, n): gcd(x, n) == 1. */
export function isCoprime(x: bigint, n: bigint): boolean {
  let [a, b] = [x, n];
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 1n;
}

/** random_integer_uniform(1, n): rejection sampling over bit_len(n) random bits. */
export function randomIntegerUniform(n: bigint, modulusLength: number): bigint {
  const excessBits = BigInt(modulusLength * 8 - n.toString(2).length);
  for (;;) {
    const r = os2ip(primitives.randomBytes(modulusLength)) >> excessBits;
    if (r >= 1n && r < n) return r;
  }
}

/** MGF1 (RFC 8017 Appendix B.2.1) with SHA-384. */
export function mgf1(seed: Uint8Array, maskLen: number): Uint8Array {
  const mask = new Uint8Array(Math.ceil(maskLen / H_LEN) * H_LEN);
  const counter = new Uint8Array(4);
  for (let i = 0, at = 0; at < maskLen; i++, at += H_LEN) {
    new DataView(counter.buffer, counter.byteOffset, counter.byteLength).setUint32(0, i);
    mask.set(primitives.sha384([seed, counter]), at);
  }
  return mask.subarray(0, maskLen);
}

/**
 * EMSA-PSS-ENCODE (RFC 8017 Section 9.1.1) with SHA-384 and MGF1-SHA-384. `salt` is fresh
 * randomness unless given (known-answer tests only: RFC 9474's security considerations ask that
 * clients not choose it).
 */
export function emsaPssEncode(msg: Uint8Array, emBits: number, saltLength: number, salt?: Uint8Array): Uint8Array {
  const emLen = Math.ceil(emBits / 8);
  // 2. mHash = Hash(M)
  const mHash = primitives.sha384([msg]);
  // 3. If emLen < hLen + sLen + 2, output "encoding error"
  if (emLen < H_LEN + saltLength + 2) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "encoding error");
  // 4. salt = random(sLen)
  const s = salt ?? primitives.randomBytes(saltLength);
  if (s.length !== saltLength) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, `salt must be ${saltLength} bytes`);
  // 5., 6. M' = 0x00 * 8 || mHash || salt; H = Hash(M')
  const h = primitives.sha384([new Uint8Array(8), mHash, s]);
  // 7., 8. DB = PS || 0x01 || salt
  const db = new Uint8Array(emLen - H_LEN - 1);
  db[emLen - saltLength - H_LEN - 2] = 0x01;
  db.set(s, emLen - saltLength - H_LEN - 1);
  // 9., 10. maskedDB = DB xor MGF(H, emLen - hLen - 1)
  const dbMask = mgf1(h, emLen - H_LEN - 1);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (dbMask[i] as number);
  // 11. Set the leftmost 8emLen - emBits bits of the leftmost octet in maskedDB to zero.
  db[0] = (db[0] as number) & (0xff >> (8 * emLen - emBits));
  // 12. EM = maskedDB || H || 0xbc
  return concat(db, h, Uint8Array.of(0xbc));
}

/** Section 4.1: PrepareIdentity(msg) = msg (the Deterministic variants; RFC 9578 uses it). */
export function prepareIdentity(msg: Uint8Array): Uint8Array {
  return msg;
}

/** Section 4.1: PrepareRandomize(msg) = random(32) || msg (the Randomized variants). */
export function prepareRandomize(msg: Uint8Array, msgPrefix: Uint8Array = primitives.randomBytes(32)): Uint8Array {
  if (msgPrefix.length !== 32) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "msg_prefix must be 32 bytes");
  return concat(msgPrefix, msg);
}

export interface BlindOptions {
  readonly saltLength: number;
  /** Known-answer tests only. */
  readonly salt?: Uint8Array;
  /** The blind r as kLen big-endian bytes, 1 <= r < n. Known-answer tests only. */
  readonly r?: Uint8Array;
}

export interface BlindOutput {
  readonly blindedMsg: Uint8Array;
  readonly inv: bigint;
}

/** Blind(pk, msg), RFC 9474 Section 4.2. */
export function blind(pk: BlindRsaPublicKey, msg: Uint8Array, options: BlindOptions): BlindOutput {
  // 1., 2. encoded_msg = EMSA-PSS-ENCODE(msg, bit_len(n) - 1): the emBits of RSASSA-PSS-SIGN
  //    (RFC 8017 Section 8.1.1), so that the result verifies as an RSASSA-PSS signature.
  const encodedMsg = emsaPssEncode(msg, pk.modulusBits - 1, options.saltLength, options.salt);
  // 3. m = bytes_to_int(encoded_msg)
  const m = os2ip(encodedMsg);
  // 4., 5. If m is not coprime with n, raise "invalid input"
  if (!isCoprime(m, pk.n)) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidInput, "invalid input");
  // 6. r = random_integer_uniform(1, n)
  let r: bigint;
  if (options.r === undefined) {
    r = randomIntegerUniform(pk.n, pk.modulusLength);
  } else {
    r = os2ip(options.r);
    if (options.r.length !== pk.modulusLength || r < 1n || r >= pk.n) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "blind");
  }
  // 7., 8. inv = inverse_mod(r, n); if it fails, raise "blinding error"
  const inv = inverseMod(r, pk.n);
  if (inv === undefined) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "blinding error");
  // 9. x = RSAVP1(pk, r)
  const x = rsavp1(pk, r);
  // 10. z = m * x mod n
  const z = (m * x) % pk.n;
  // 11., 12. blinded_msg = int_to_bytes(z, modulus_len); output blinded_msg, inv
  return { blindedMsg: i2osp(z, pk.modulusLength), inv };
}

/**
 * EMSA-PSS-VERIFY (RFC 8017 Section 9.1.2) with SHA-384 and MGF1-SHA-384: whether `em` is a
 * PSS encoding of `msg` with a salt of `saltLength` bytes.
 */
export function emsaPssVerify(msg: Uint8Array, em: Uint8Array, emBits: number, saltLength: number): boolean {
  const emLen = Math.ceil(emBits / 8);
  // 2. mHash = Hash(M)
  const mHash = primitives.sha384([msg]);
  // 3. If emLen < hLen + sLen + 2, output "inconsistent"
  if (em.length !== emLen || emLen < H_LEN + saltLength + 2) return false;
  // 4. The rightmost octet of EM must be 0xbc.
  if (em[emLen - 1] !== 0xbc) return false;
  // 5. maskedDB = the leftmost emLen - hLen - 1 octets; H = the next hLen octets.
  const maskedDb = em.subarray(0, emLen - H_LEN - 1);
  const h = em.subarray(emLen - H_LEN - 1, emLen - 1);
  // 6. The leftmost 8emLen - emBits bits of maskedDB must be zero.
  const topMask = 0xff >> (8 * emLen - emBits);
  if (((maskedDb[0] as number) & ~topMask & 0xff) !== 0) return false;
  // 7., 8., 9. DB = maskedDB xor MGF(H, emLen - hLen - 1), its leftmost bits cleared.
  const dbMask = mgf1(h, emLen - H_LEN - 1);
  const db = maskedDb.map((byte, i) => byte ^ (dbMask[i] as number));
  db[0] = (db[0] as number) & topMask;
  // 10. PS is zeros, then 0x01.
  const separator = emLen - H_LEN - saltLength - 2;
  for (let i = 0; i < separator; i++) if (db[i] !== 0) return false;
  if (db[separator] !== 0x01) return false;
  // 11. - 14. salt = the last sLen octets of DB; H' = Hash(0x00 * 8 || mHash || salt); H == H'.
  return equal(h, primitives.sha384([new Uint8Array(8), mHash, db.subarray(db.length - saltLength)]));
}

/**
 * RSASSA-PSS-VERIFY (RFC 8017 Section 8.1.2) with SHA-384, MGF1-SHA-384 and `saltLength`, in
 * bigint: s = OS2IP(S), m = RSAVP1(pk, s), EM = I2OSP(m, emLen), EMSA-PSS-VERIFY(M, EM, modBits - 1).
 */
export function rsassaPssVerify(pk: BlindRsaPublicKey, msg: Uint8Array, sig: Uint8Array, saltLength: number): boolean {
  // 1. Length checking.
  if (sig.length !== pk.modulusLength) return false;
  const s = os2ip(sig);
  if (s >= pk.n) return false;
  const m = rsavp1(pk, s);
  const emBits = pk.modulusBits - 1;
  const emLen = Math.ceil(emBits / 8);
  if (m >= 1n << BigInt(8 * emLen)) return false;
  return emsaPssVerify(msg, i2osp(m, emLen), emBits, saltLength);
}

/** Finalize(pk, msg, blind_sig, inv), RFC 9474 Section 4.4. */
export function finalize(pk: BlindRsaPublicKey, msg: Uint8Array, blindSig: Uint8Array, inv: bigint, saltLength: number): Uint8Array {
  // 1. If len(blind_sig) != modulus_len, raise "unexpected input size"
  if (blindSig.length !== pk.modulusLength) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidSignature, "unexpected input size");
  // 2. z = bytes_to_int(blind_sig)
  const z = os2ip(blindSig);
  // 3. s = z * inv mod n
  const s = (z * inv) % pk.n;
  // 4. sig = int_to_bytes(s, modulus_len)
  const sig = i2osp(s, pk.modulusLength);
  // 5., 6. result = RSASSA-PSS-VERIFY(pk, msg, sig); output sig if valid, else raise "invalid signature"
  if (!rsassaPssVerify(pk, msg, sig, saltLength)) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidSignature);
  return sig;
}
