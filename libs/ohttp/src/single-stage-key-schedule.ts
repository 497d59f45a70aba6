import { labeledDeriveShake256 } from "./labeled-derive.js";

/**
 * The HPKE key schedule for a single-stage KDF (draft-ietf-hpke-pq-04 Section 5, on the
 * KeySchedule of the updated HPKE specification), for SHAKE256 (KDF 0x0011), base mode:
 *
 *   secrets = concat(lengthPrefixed(psk), lengthPrefixed(shared_secret))
 *   context = concat(mode, lengthPrefixed(psk_id), lengthPrefixed(info))
 *   secret = LabeledDerive(secrets, "secret", context, Nk + Nn + Nh)
 *   key = secret[0:Nk]; base_nonce = secret[Nk:Nk+Nn]; exporter_secret = secret[Nk+Nn:]
 *
 *   def Context.Export(exporter_context, L):
 *     return LabeledDerive(self.exporter_secret, "sec", exporter_context, L)
 *
 * with suite_id = concat("HPKE", I2OSP(kem_id, 2), I2OSP(kdf_id, 2), I2OSP(aead_id, 2)).
 * It is checked against the draft's X-Wing/SHAKE256 vector and used by nothing else: OHTTP's
 * response encapsulation (RFC 9458 Section 4.4) is defined on a two-stage KDF's Extract and
 * Expand, so no key configuration of this library offers a single-stage KDF.
 */

const SHAKE256_NH = 64;

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + bytes.length);
  out[0] = bytes.length >>> 8;
  out[1] = bytes.length & 0xff;
  out.set(bytes, 2);
  return out;
}

function hpkeSuiteId(kemId: number, kdfId: number, aeadId: number): Uint8Array {
  return Uint8Array.of(0x48, 0x50, 0x4b, 0x45, kemId >>> 8, kemId & 0xff, kdfId >>> 8, kdfId & 0xff, aeadId >>> 8, aeadId & 0xff);
}

export interface SingleStageSchedule {
  readonly key: Uint8Array;
  readonly baseNonce: Uint8Array;
  readonly exporterSecret: Uint8Array;
  /** Context.Export(exporter_context, L). */
  export(exporterContext: Uint8Array, L: number): Uint8Array;
}

/** KeySchedule(mode_base, shared_secret, info, "", "") with SHAKE256 (KDF 0x0011). */
export function keyScheduleShake256(
  suite: { readonly kemId: number; readonly aeadId: number; readonly Nk: number; readonly Nn: number },
  sharedSecret: Uint8Array,
  info: Uint8Array,
): SingleStageSchedule {
  const suiteId = hpkeSuiteId(suite.kemId, 0x0011, suite.aeadId);
  const empty = new Uint8Array(0);
  const secrets = new Uint8Array([...lengthPrefixed(empty), ...lengthPrefixed(sharedSecret)]);
  const context = new Uint8Array([0x00, ...lengthPrefixed(empty), ...lengthPrefixed(info)]);
  const secret = labeledDeriveShake256(suiteId, secrets, "secret", context, suite.Nk + suite.Nn + SHAKE256_NH);
  const exporterSecret = secret.slice(suite.Nk + suite.Nn);
  return {
    key: secret.slice(0, suite.Nk),
    baseNonce: secret.slice(suite.Nk, suite.Nk + suite.Nn),
    exporterSecret,
    export: (exporterContext, L) => labeledDeriveShake256(suiteId, exporterSecret, "sec", exporterContext, L),
  };
}
