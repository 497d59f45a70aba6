import { primitives } from "#primitives";

/**
 * LabeledDerive for the single-stage KDF SHAKE256 (draft-ietf-hpke-pq-04 Section 5), which the
 * post-quantum KEMs' DeriveKeyPair uses with suite_id = concat("KEM", I2OSP(kem_id, 2)):
 *
 *   def LabeledDerive(ikm, label, context, L):
 *     labeled_ikm = concat(ikm, "HPKE-v1", suite_id, lengthPrefixed(label), I2OSP(L, 2), context)
 *     return Derive(labeled_ikm, L)
 *
 *   def SHAKE256.Derive(ikm, L):
 *     return SHAKE256(M = ikm, d = 8*L)
 *
 * lengthPrefixed(x) = concat(I2OSP(len(x), 2), x). Checked by the key derivations of
 * test/vectors/hpke-pq-04.json.
 */

const HPKE_V1 = new TextEncoder().encode("HPKE-v1");

/** SHAKE256(M, 8*L) as a plain Uint8Array. */
export function shake256(message: readonly Uint8Array[], L: number): Uint8Array {
  return primitives.shake256(message, L);
}

/** The KEM suite_id of RFC 9180 Section 4.1: concat("KEM", I2OSP(kem_id, 2)). */
export function kemSuiteId(kemId: number): Uint8Array {
  return Uint8Array.of(0x4b, 0x45, 0x4d, kemId >>> 8, kemId & 0xff);
}

export function labeledDeriveShake256(suiteId: Uint8Array, ikm: Uint8Array, label: string, context: Uint8Array, L: number): Uint8Array {
  const labelBytes = new TextEncoder().encode(label);
  return shake256([ikm, HPKE_V1, suiteId, Uint8Array.of(labelBytes.length >>> 8, labelBytes.length & 0xff), labelBytes, Uint8Array.of(L >>> 8, L & 0xff), context], L);
}
