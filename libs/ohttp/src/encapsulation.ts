import { concat, latin1ToBytes } from "@oblivious/wire";
import { AEAD_PARAMETERS, KEM_PARAMETERS, KemId, isKemId } from "./algorithms.js";
import type { AeadParameters, CipherSuite } from "./algorithms.js";
import * as aead from "./aead.js";
import { OhttpError, OhttpErrorCode } from "./errors.js";
import { expand, extract } from "./hkdf.js";
import type { Hpke } from "./hpke.js";

/**
 * The parts of RFC 9458 Section 4 that client and gateway share:
 *
 *   Encapsulated Request {
 *     Key Identifier (8),
 *     HPKE KEM ID (16),
 *     HPKE KDF ID (16),
 *     HPKE AEAD ID (16),
 *     Encapsulated KEM Shared Secret (8 * Nenc),
 *     HPKE-Protected Request (..),
 *   }
 *
 *   Encapsulated Response {
 *     Nonce (8 * max(Nn, Nk)),
 *     AEAD-Protected Response (..),
 *   }
 */

/**
 * The strings that bind an encapsulation to its content (RFC 9458 Section 4.6): the request
 * label starts `info`, the response label is the exporter context of the response secret.
 */
export interface Labels {
  readonly request: string;
  readonly response: string;
}

/** "message/bhttp request" and "message/bhttp response" (RFC 9458 Sections 4.3 and 4.4). */
export const BHTTP_LABELS: Labels = Object.freeze({ request: "message/bhttp request", response: "message/bhttp response" });

/** hdr: key_id (8), kem_id (16), kdf_id (16), aead_id (16). */
export const HEADER_LENGTH = 7;

/**
 * The shortest Encapsulated Request with a well-formed shape for the header's KEM: hdr, enc and
 * an AEAD tag around an empty request (every AEAD here has Nt = 16). An identifier that is no
 * KEM of ours counts as DHKEM(X25519) (its dummy decryption uses that KEM), so the length asked
 * for depends on the header's public KEM identifier alone and says nothing about any key.
 */
export function minEncapsulatedRequestLength(kemId: number): number {
  return HEADER_LENGTH + encLength(kemId) + 16;
}

/** Nenc of the header's KEM, or of DHKEM(X25519) for an identifier that is no KEM of ours. */
export function encLength(kemId: number): number {
  return KEM_PARAMETERS[isKemId(kemId) ? kemId : KemId.DhkemX25519HkdfSha256].Nenc;
}

const EMPTY = new Uint8Array(0);
const KEY_LABEL = new TextEncoder().encode("key");
const NONCE_LABEL = new TextEncoder().encode("nonce");
const encodedLabels = new Map<string, Uint8Array>();

/** encode_str(label): ASCII only, since the RFC's labels are ASCII strings. */
export function encodeLabel(label: string): Uint8Array {
  let bytes = encodedLabels.get(label);
  if (bytes === undefined) {
    if (!/^[\x20-\x7e]*$/.test(label)) throw new OhttpError(OhttpErrorCode.InvalidArgument, "label must be printable ASCII");
    bytes = latin1ToBytes(label);
    if (encodedLabels.size < 64) encodedLabels.set(label, bytes);
  }
  return bytes;
}

export function checkLabels(labels: Labels): void {
  encodeLabel(labels.request);
  encodeLabel(labels.response);
}

/**
 *   hdr = concat(encode(1, key_id), encode(2, kem_id), encode(2, kdf_id), encode(2, aead_id))
 */
export function encodeHeader(keyId: number, suite: CipherSuite): Uint8Array {
  return Uint8Array.of(keyId, suite.kemId >>> 8, suite.kemId & 0xff, suite.kdfId >>> 8, suite.kdfId & 0xff, suite.aeadId >>> 8, suite.aeadId & 0xff);
}

/**
 *   info = concat(encode_str("message/bhttp request"), encode(1, 0), hdr)
 */
export function buildInfo(requestLabel: string, hdr: Uint8Array): Uint8Array {
  return concat(encodeLabel(requestLabel), Uint8Array.of(0), hdr);
}

/** max(Nn, Nk): the length of the response nonce and of the exported secret. */
export function responseNonceLength(params: AeadParameters): number {
  return Math.max(params.Nn, params.Nk);
}

/** The values RFC 9458 Section 4.4 derives for a response, for checking against Appendix A. */
export interface ResponseKeys {
  readonly secret: Uint8Array;
  readonly salt: Uint8Array;
  readonly prk: Uint8Array;
  readonly aeadKey: Uint8Array;
  readonly aeadNonce: Uint8Array;
}

/**
 * RFC 9458 Section 4.4, steps 1 and 3 to 5:
 *
 *   secret = context.Export("message/bhttp response", max(Nn, Nk))
 *   salt = concat(enc, response_nonce)
 *   prk = Extract(salt, secret)
 *   aead_key = Expand(prk, "key", Nk)
 *   aead_nonce = Expand(prk, "nonce", Nn)
 */
export function deriveResponseKeys(
  hpke: Hpke,
  context: { export(exporterContext: Uint8Array, L: number): Uint8Array },
  enc: Uint8Array,
  responseNonce: Uint8Array,
  responseLabel: string,
): ResponseKeys {
  const params = hpke.aead;
  const secret = context.export(encodeLabel(responseLabel), responseNonceLength(params));
  const salt = concat(enc, responseNonce);
  const prk = extract(hpke.kdf.kdf, salt, secret);
  const aeadKey = expand(hpke.kdf.kdf, prk, [KEY_LABEL], params.Nk);
  const aeadNonce = expand(hpke.kdf.kdf, prk, [NONCE_LABEL], params.Nn);
  return { secret, salt, prk, aeadKey, aeadNonce };
}

/**
 *   ct = Seal(aead_key, aead_nonce, "", response)
 *   enc_response = concat(response_nonce, ct)
 */
export function sealResponse(hpke: Hpke, keys: ResponseKeys, responseNonce: Uint8Array, response: Uint8Array): Uint8Array {
  const ct = aead.seal(hpke.aead, keys.aeadKey, keys.aeadNonce, EMPTY, response);
  return concat(responseNonce, ct);
}

/** response, error = Open(aead_key, aead_nonce, "", ct) */
export function openResponse(hpke: Hpke, keys: ResponseKeys, ct: Uint8Array): Uint8Array {
  return aead.open(hpke.aead, keys.aeadKey, keys.aeadNonce, EMPTY, ct);
}

/** The shortest Encapsulated Response for a suite: the nonce and a tag. */
export function minEncapsulatedResponseLength(aeadId: CipherSuite["aeadId"]): number {
  const params = AEAD_PARAMETERS[aeadId];
  return responseNonceLength(params) + params.Nt;
}

/** A plain Uint8Array over the same memory (a Node platform may return Buffers; callers compare and copy Uint8Arrays). */
export function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
