import { concat } from "@oblivious/wire";
import { KEM_PARAMETERS, isAeadId, isKdfId, isKemId } from "./algorithms.js";
import type { CipherSuite, SymmetricAlgorithm } from "./algorithms.js";
import {
  BHTTP_LABELS,
  checkLabels,
  buildInfo,
  encodeHeader,
  minEncapsulatedResponseLength,
  openResponse,
  plain,
  responseNonceLength,
} from "./encapsulation.js";
import type { Labels } from "./encapsulation.js";
import { OhttpError, OhttpErrorCode } from "./errors.js";
import { Hpke } from "./hpke.js";
import type { SenderContext } from "./hpke.js";
import type { KeyConfig } from "./key-config.js";
import { ResponseContext } from "./response-context.js";

/** The client's side of RFC 9458 Sections 4.3 and 4.4. */

const EMPTY = new Uint8Array(0);

export interface EncapsulateRequestOptions {
  /** The KDF and AEAD to use; one of the configuration's. Default: its first. */
  readonly suite?: SymmetricAlgorithm;
  /** skE for known-answer tests; random by default. Never set it otherwise. */
  readonly ephemeralPrivateKey?: Uint8Array;
  /** Default: BHTTP_LABELS. */
  readonly labels?: Labels;
}

export interface EncapsulatedRequest {
  readonly encapsulatedRequest: Uint8Array;
  readonly context: ClientResponseContext;
}

function chooseSuite(config: KeyConfig, wanted: SymmetricAlgorithm | undefined): CipherSuite {
  const { keyId, kemId, publicKey, symmetricAlgorithms } = config;
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > 0xff) throw new OhttpError(OhttpErrorCode.InvalidArgument, "key identifier");
  if (!isKemId(kemId) || publicKey.length !== KEM_PARAMETERS[kemId].Npk) throw new OhttpError(OhttpErrorCode.InvalidArgument, "key configuration");
  const usable = symmetricAlgorithms.filter((a) => isKdfId(a.kdfId) && isAeadId(a.aeadId));
  const chosen = wanted === undefined ? usable[0] : usable.find((a) => a.kdfId === wanted.kdfId && a.aeadId === wanted.aeadId);
  if (chosen === undefined) throw new OhttpError(OhttpErrorCode.InvalidArgument, "suite not in the key configuration");
  return { kemId, kdfId: chosen.kdfId, aeadId: chosen.aeadId };
}

/**
 * Encapsulates a request (RFC 9458 Section 4.3):
 *
 *   hdr = concat(encode(1, key_id), encode(2, kem_id), encode(2, kdf_id), encode(2, aead_id))
 *   info = concat(encode_str("message/bhttp request"), encode(1, 0), hdr)
 *   enc, sctxt = SetupBaseS(pkR, info)
 *   ct = sctxt.Seal("", request)
 *   enc_request = concat(hdr, enc, ct)
 *
 * The returned context opens the one response to this request.
 */
export function encapsulateRequest(config: KeyConfig, request: Uint8Array, options: EncapsulateRequestOptions = {}): EncapsulatedRequest {
  const labels = options.labels ?? BHTTP_LABELS;
  checkLabels(labels);
  const suite = chooseSuite(config, options.suite);
  const hpke = Hpke.for(suite);
  const hdr = encodeHeader(config.keyId, suite);
  const info = buildInfo(labels.request, hdr);
  const setupOptions = options.ephemeralPrivateKey === undefined ? {} : { ephemeralPrivateKey: options.ephemeralPrivateKey };
  const { enc, context: sctxt } = hpke.setupBaseS(config.publicKey, info, setupOptions);
  const ct = sctxt.seal(EMPTY, request);
  const encapsulatedRequest = concat(hdr, enc, ct);
  return { encapsulatedRequest, context: new ClientResponseContext(hpke, sctxt, Uint8Array.from(enc), labels.response) };
}

/**
 * Opens the Encapsulated Response to one request (RFC 9458 Section 4.4), once: a second call
 * throws `context-used`, whether or not the first succeeded.
 */
export class ClientResponseContext extends ResponseContext {
  /** @internal Built by `encapsulateRequest`. */
  constructor(hpke: Hpke, sctxt: SenderContext, enc: Uint8Array, responseLabel: string) {
    super("ClientResponseContext", hpke, sctxt, enc, responseLabel);
  }

  /**
   * Parses enc_response into response_nonce and ct, derives aead_key and aead_nonce as the
   * gateway did, and opens ct. Too short to hold a nonce and a tag is `malformed`; anything
   * else that fails is `decrypt-failed`. A second call is `context-used`, whether or not the
   * first succeeded.
   */
  decapsulateResponse(encapsulatedResponse: Uint8Array): Uint8Array {
    this.assertUnused();
    this.markUsed();
    if (encapsulatedResponse.length < minEncapsulatedResponseLength(this.hpke.suite.aeadId)) {
      throw new OhttpError(OhttpErrorCode.Malformed, "encapsulated response too short");
    }
    const nonceLength = responseNonceLength(this.hpke.aead);
    const keys = this.responseKeys(encapsulatedResponse.subarray(0, nonceLength));
    return plain(openResponse(this.hpke, keys, encapsulatedResponse.subarray(nonceLength)));
  }
}
