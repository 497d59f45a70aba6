/**
 * The prime-order group interface the Sigma protocol layer needs (draft-irtf-cfrg-sigma-protocols,
 * Section "Group abstraction"): elements, scalars as bigints modulo `order`, fixed-length
 * serialization. ARC's P-256 group implements it (./group.ts); the Sigma vectors' BLS12-381 G1
 * group implements it in the tests. Keeping the layer generic is what lets it be checked against
 * the Sigma draft's own vectors, which are made over BLS12-381 only.
 */
export interface SigmaGroup<E> {
  /** The group order p; scalars live in GF(p). */
  readonly order: bigint;
  /** Ns: bytes of one serialized scalar. */
  readonly scalarLength: number;
  /** Ne: bytes of one serialized element. */
  readonly elementLength: number;
  readonly identity: E;
  add(a: E, b: E): E;
  subtract(a: E, b: E): E;
  /** s * A for a secret or public scalar in [0, p); constant time in `s` where the library is. */
  multiply(a: E, s: bigint): E;
  /** s * A for public scalars only (verification). May be variable time. */
  multiplyPublic(a: E, s: bigint): E;
  /**
   * Optional: sum(scalars[i] * elements[i]) in one step (a multi-scalar multiplication), the same
   * element as multiplying and adding term by term. publicScalars as in multiply/multiplyPublic.
   */
  readonly multiplySum?: ((elements: readonly E[], scalars: readonly bigint[], publicScalars: boolean) => E) | undefined;
  equals(a: E, b: E): boolean;
  /** Ne bytes. Throws on an element with no encoding (the identity for SEC1 P-256). */
  serializeElement(a: E): Uint8Array;
  /** Ne bytes to an element; throws PrivacyPassError(malformed) if not a canonical, valid, non-identity encoding. */
  deserializeElement(bytes: Uint8Array): E;
}

/** I2OSP: `value` (0 <= value < 256^length) as `length` big-endian bytes. */
export function scalarToBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** OS2IP: big-endian bytes to a non-negative integer. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const byte of bytes) v = (v << 8n) | BigInt(byte);
  return v;
}

export function mod(a: bigint, p: bigint): bigint {
  const r = a % p;
  return r < 0n ? r + p : r;
}
