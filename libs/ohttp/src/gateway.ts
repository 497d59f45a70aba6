import { ByteReader } from "@oblivious/wire";
import { primitives } from "#primitives";
import { AeadId, KdfId, KemId, isAeadId, isKemId } from "./algorithms.js";
import type { CipherSuite } from "./algorithms.js";
import {
  BHTTP_LABELS,
  HEADER_LENGTH,
  checkLabels,
  encLength,
  minEncapsulatedRequestLength,
  plain,
  responseNonceLength,
  sealResponse,
} from "./encapsulation.js";
import type { Labels } from "./encapsulation.js";
import { OhttpError, OhttpErrorCode, decryptFailed } from "./errors.js";
import { GatewayKey, SUPPORTED_SYMMETRIC_ALGORITHMS, gatewayKeyInternals } from "./gateway-key.js";
import { Hpke } from "./hpke.js";
import type { RecipientContext } from "./hpke.js";
import { ResponseContext } from "./response-context.js";

/** The gateway's side of RFC 9458 Sections 4.3 and 4.4. */

const EMPTY = new Uint8Array(0);

export interface DecapsulateRequestOptions {
  /** Default: BHTTP_LABELS. */
  readonly labels?: Labels;
}

export interface DecapsulatedRequest {
  readonly request: Uint8Array;
  readonly keyId: number;
  /** The encapsulated KEM shared secret (a copy): unique per request, for a replay cache. */
  readonly enc: Uint8Array;
  readonly context: ServerResponseContext;
}

export interface EncapsulateResponseOptions {
  /** response_nonce, max(Nn, Nk) bytes, for known-answer tests; random by default. */
  readonly responseNonce?: Uint8Array;
}

/**
 * Response nonces are public (they travel in clear), so they are cut from a pool of random bytes
 * filled 4 KiB at a time rather than drawn with one OpenSSL call each (the cost measured in
 * docs/decisions/0001-node-crypto-hpke.md). Each byte is handed out once.
 */
const NONCE_POOL_SIZE = 4096;
let noncePool: Uint8Array = new Uint8Array(0);
let noncePoolOffset = 0;

function randomNonce(length: number): Uint8Array {
  if (noncePoolOffset + length > noncePool.length) {
    noncePool = primitives.randomBytes(NONCE_POOL_SIZE);
    noncePoolOffset = 0;
  }
  const nonce = Uint8Array.from(noncePool.subarray(noncePoolOffset, noncePoolOffset + length));
  noncePoolOffset += length;
  return nonce;
}

/**
 * Decryptions for unknown key identifiers and unaccepted suites are done with these keys, one per
 * KEM (the header's, or X25519 for an identifier that is no KEM of ours), so that they take as
 * long as real ones. They are random per process (a fixed, published dummy key would let anyone
 * build a request that it opens). All are made by the process's first `decapsulateRequest`,
 * before its key lookup, whatever the request: the first call pays for them whether its key
 * identifier is known or not, and a client, which never decapsulates a request, never makes them.
 */
let dummyKeys: Readonly<Record<KemId, GatewayKey>> | undefined;

function dummies(): Readonly<Record<KemId, GatewayKey>> {
  dummyKeys ??= Object.freeze({
    [KemId.DhkemX25519HkdfSha256]: GatewayKey.generate(0, SUPPORTED_SYMMETRIC_ALGORITHMS, KemId.DhkemX25519HkdfSha256),
    [KemId.MlKem768]: GatewayKey.generate(0, SUPPORTED_SYMMETRIC_ALGORITHMS, KemId.MlKem768),
    [KemId.MlKem768X25519]: GatewayKey.generate(0, SUPPORTED_SYMMETRIC_ALGORITHMS, KemId.MlKem768X25519),
  });
  return dummyKeys;
}

/**
 * Decapsulates a request (RFC 9458 Section 4.3):
 *
 *   key_id, kem_id, kdf_id, aead_id, enc, ct = parse(enc_request)
 *   info = concat(encode_str("message/bhttp request"), encode(1, 0), encode(1, key_id),
 *                 encode(2, kem_id), encode(2, kdf_id), encode(2, aead_id))
 *   rctxt = SetupBaseR(enc, skR, info)
 *   request, error = rctxt.Open("", ct)
 *
 * `lookup` finds the key for key_id. A message shorter than hdr, enc (of the header's KEM) and a
 * tag is `malformed`.
 * After that, every failure is the same `decrypt-failed`: an unknown key identifier, a KEM or a
 * KDF and AEAD pair the key does not accept (step 1a and 1b), a bad enc, a failed Open. For the
 * first two, a full decryption with a dummy key is done anyway, so timing does not tell them apart.
 */
export function decapsulateRequest(
  lookup: (keyId: number) => GatewayKey | undefined,
  encapsulatedRequest: Uint8Array,
  options: DecapsulateRequestOptions = {},
): DecapsulatedRequest {
  const labels = options.labels ?? BHTTP_LABELS;
  checkLabels(labels);
  const dummy = dummies();
  const headerKemId = encapsulatedRequest.length < HEADER_LENGTH ? KemId.DhkemX25519HkdfSha256 : ((encapsulatedRequest[1] as number) << 8) | (encapsulatedRequest[2] as number);
  if (encapsulatedRequest.length < minEncapsulatedRequestLength(headerKemId)) {
    throw new OhttpError(OhttpErrorCode.Malformed, "encapsulated request too short");
  }
  // The length check above makes these reads safe; ByteReader still bounds every one.
  const reader = new ByteReader(encapsulatedRequest);
  const keyId = reader.uint8();
  const kemId = reader.uint16();
  const kdfId = reader.uint16();
  const aeadId = reader.uint16();
  const enc = Uint8Array.from(reader.bytes(encLength(kemId)));
  const ct = reader.rest();

  const found = lookup(keyId);
  const accepted = found !== undefined && found.keyId === keyId && found.kemId === kemId && found.supports(kdfId, aeadId);
  // When accepted, the header's KEM, KDF and AEAD are exactly these (one KDF). When not, the
  // dummy decryption uses the header's KEM and AEAD where they are ours, so it costs the same.
  const suiteKemId = isKemId(kemId) ? kemId : KemId.DhkemX25519HkdfSha256;
  const key = accepted ? found : dummy[suiteKemId];
  const suite: CipherSuite = { kemId: suiteKemId, kdfId: KdfId.HkdfSha256, aeadId: isAeadId(aeadId) ? aeadId : AeadId.Aes128Gcm };

  const hpke = Hpke.for(suite);
  let request: Uint8Array;
  let rctxt: RecipientContext;
  try {
    const internals = gatewayKeyInternals(key);
    rctxt = hpke.setupBaseR(enc, internals.keyPair, internals.preparedInfo(hpke, labels.request));
    request = plain(rctxt.open(EMPTY, ct));
  } catch {
    throw decryptFailed();
  }
  if (!accepted) throw decryptFailed();
  return { request, keyId, enc: Uint8Array.from(enc), context: new ServerResponseContext(hpke, rctxt, enc, labels.response) };
}

/**
 * Encapsulates the one response to a decapsulated request (RFC 9458 Section 4.4), once: a
 * second call throws `context-used`.
 */
export class ServerResponseContext extends ResponseContext {
  /** @internal Built by `decapsulateRequest`. */
  constructor(hpke: Hpke, rctxt: RecipientContext, enc: Uint8Array, responseLabel: string) {
    super("ServerResponseContext", hpke, rctxt, enc, responseLabel);
  }

  /**
   *   secret = context.Export("message/bhttp response", max(Nn, Nk))
   *   response_nonce = random(max(Nn, Nk))
   *   salt = concat(enc, response_nonce)
   *   prk = Extract(salt, secret)
   *   aead_key = Expand(prk, "key", Nk)
   *   aead_nonce = Expand(prk, "nonce", Nn)
   *   ct = Seal(aead_key, aead_nonce, "", response)
   *   enc_response = concat(response_nonce, ct)
   */
  encapsulateResponse(response: Uint8Array, options: EncapsulateResponseOptions = {}): Uint8Array {
    this.assertUnused();
    const nonceLength = responseNonceLength(this.hpke.aead);
    const responseNonce = options.responseNonce ?? randomNonce(nonceLength);
    if (responseNonce.length !== nonceLength) throw new OhttpError(OhttpErrorCode.InvalidArgument, "response nonce length");
    this.markUsed();
    const keys = this.responseKeys(responseNonce);
    return plain(sealResponse(this.hpke, keys, responseNonce, response));
  }
}
