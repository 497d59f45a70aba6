import { ByteReader, ByteWriter, WireError } from "@oblivious/wire";
import { KEM_PARAMETERS, isAeadId, isKdfId, isKemId } from "./algorithms.js";
import type { KemId, SymmetricAlgorithm } from "./algorithms.js";
import { OhttpError, OhttpErrorCode } from "./errors.js";

/**
 * Key configurations, RFC 9458 Section 3.1:
 *
 *   HPKE Symmetric Algorithms {
 *     HPKE KDF ID (16),
 *     HPKE AEAD ID (16),
 *   }
 *
 *   Key Config {
 *     Key Identifier (8),
 *     HPKE KEM ID (16),
 *     HPKE Public Key (Npk * 8),
 *     HPKE Symmetric Algorithms Length (16) = 4..65532,
 *     HPKE Symmetric Algorithms (32) ...,
 *   }
 *
 * and the "application/ohttp-keys" list, RFC 9458 Section 3.2: "one or more key configuration
 * encodings ... Each encoded configuration is prefixed with a 2-byte integer in network byte
 * order that indicates the length of the key configuration in bytes."
 *
 * A decoded KeyConfig holds only what this library can use: KDF and AEAD pairs it does not
 * implement are left out, and a configuration with an unknown KEM, or with no usable pair, is
 * `unsupported` (Section 3: "Clients are responsible for selecting a preferred key configuration
 * from those it supports").
 */
export interface KeyConfig {
  readonly keyId: number;
  readonly kemId: KemId;
  readonly publicKey: Uint8Array;
  readonly symmetricAlgorithms: readonly SymmetricAlgorithm[];
}

/** 4..65532 bytes of pairs. */
const MAX_SYMMETRIC_ALGORITHMS = 65532 / 4;

function invalid(detail: string): OhttpError {
  return new OhttpError(OhttpErrorCode.InvalidArgument, detail);
}

function writeKeyConfig(writer: ByteWriter, config: KeyConfig): void {
  const { keyId, kemId, publicKey, symmetricAlgorithms } = config;
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > 0xff) throw invalid("key identifier");
  if (!isKemId(kemId)) throw invalid("KEM");
  if (publicKey.length !== KEM_PARAMETERS[kemId].Npk) throw invalid("public key length");
  if (symmetricAlgorithms.length === 0 || symmetricAlgorithms.length > MAX_SYMMETRIC_ALGORITHMS) throw invalid("symmetric algorithms count");
  writer.uint8(keyId).uint16(kemId).bytes(publicKey).uint16(symmetricAlgorithms.length * 4);
  for (const { kdfId, aeadId } of symmetricAlgorithms) {
    if (!isKdfId(kdfId) || !isAeadId(aeadId)) throw invalid("symmetric algorithm");
    writer.uint16(kdfId).uint16(aeadId);
  }
}

/** Encodes one Key Config. */
export function encodeKeyConfig(config: KeyConfig): Uint8Array {
  const writer = new ByteWriter(64);
  writeKeyConfig(writer, config);
  return writer.finish();
}

/** Encodes an "application/ohttp-keys" list of one or more configurations. */
export function encodeKeyConfigs(configs: readonly KeyConfig[]): Uint8Array {
  if (configs.length === 0) throw invalid("an empty key configuration list");
  const writer = new ByteWriter(64 * configs.length);
  for (const config of configs) {
    const encoded = encodeKeyConfig(config);
    if (encoded.length > 0xffff) throw invalid("key configuration too long");
    writer.uint16Prefixed(encoded);
  }
  return writer.finish();
}

const UNSUPPORTED = Symbol("unsupported");

/**
 * Reads one Key Config that fills `bytes` exactly. Returns UNSUPPORTED for an unknown KEM
 * (whose Npk, so whose layout, is unknown) or for a configuration with no usable pair;
 * throws WireError or `malformed` for bad structure.
 */
function parseKeyConfig(bytes: Uint8Array): KeyConfig | typeof UNSUPPORTED {
  const reader = new ByteReader(bytes);
  const keyId = reader.uint8();
  const kemId = reader.uint16();
  if (!isKemId(kemId)) return UNSUPPORTED;
  const publicKey = reader.bytes(KEM_PARAMETERS[kemId].Npk).slice();
  const length = reader.uint16();
  if (length < 4 || length % 4 !== 0) throw new OhttpError(OhttpErrorCode.Malformed, "symmetric algorithms length");
  const algorithms = new ByteReader(reader.bytes(length));
  reader.end();
  const symmetricAlgorithms: SymmetricAlgorithm[] = [];
  while (algorithms.remaining > 0) {
    const kdfId = algorithms.uint16();
    const aeadId = algorithms.uint16();
    if (isKdfId(kdfId) && isAeadId(aeadId)) symmetricAlgorithms.push(Object.freeze({ kdfId, aeadId }));
  }
  if (symmetricAlgorithms.length === 0) return UNSUPPORTED;
  return Object.freeze({ keyId, kemId, publicKey, symmetricAlgorithms: Object.freeze(symmetricAlgorithms) });
}

function decodeOrThrow<T>(decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof OhttpError) throw error;
    if (error instanceof WireError) throw new OhttpError(OhttpErrorCode.Malformed, `key configuration ${error.message}`);
    throw error;
  }
}

/** Decodes one Key Config: `malformed`, or `unsupported` when nothing in it is usable here. */
export function decodeKeyConfig(bytes: Uint8Array): KeyConfig {
  return decodeOrThrow(() => {
    const config = parseKeyConfig(bytes);
    if (config === UNSUPPORTED) throw new OhttpError(OhttpErrorCode.Unsupported);
    return config;
  });
}

/**
 * Decodes an "application/ohttp-keys" list and returns the configurations this library can use,
 * in order; the others are skipped. Section 3.2: "Clients MUST discard incorrectly encoded key
 * configuration collections", so any framing error, any trailing byte, or any malformed
 * configuration with a known KEM rejects the whole list (`malformed`). A configuration with an
 * unknown KEM cannot be parsed further; it is skipped if at least long enough for a key
 * identifier, a KEM identifier and one pair. The list may thus decode to no usable configuration.
 */
export function decodeKeyConfigs(bytes: Uint8Array): KeyConfig[] {
  return decodeOrThrow(() => {
    if (bytes.length === 0) throw new OhttpError(OhttpErrorCode.Malformed, "an empty key configuration list");
    const reader = new ByteReader(bytes);
    const configs: KeyConfig[] = [];
    while (reader.remaining > 0) {
      const encoded = reader.uint16Prefixed();
      // Key Identifier (1) + KEM ID (2) + Symmetric Algorithms Length (2) + one pair (4).
      if (encoded.length < 9) throw new OhttpError(OhttpErrorCode.Malformed, "key configuration too short");
      const config = parseKeyConfig(encoded);
      if (config !== UNSUPPORTED) configs.push(config);
    }
    return configs;
  });
}
