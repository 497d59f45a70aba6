/**
 * A token request's body against the keys that sign now, before any quota is counted: one
 * TokenRequest (RFC 9578 §6.1) or a generic batch of them (draft-ietf-privacypass-batched-tokens),
 * each refusal an IssuerError of the problem table (errors.ts). The blinded messages are checked
 * again when signed; this refuses early and whole.
 */
import {
  ArcMediaType,
  MediaType,
  NK,
  PrivacyPassError,
  PrivacyPassErrorCode,
  TokenType,
  decodeGenericBatchTokenRequest,
  decodeTokenRequest,
} from "@oblivious/privacypass";
import { mediaType } from "@oblivious/service-kit";
import { IssuerError } from "./errors.js";
import type { IssuerKey, KeyStore } from "./keys.js";
import type { RequestKind } from "./metrics.js";

/** One TokenRequest for type 0x0002: token_type (2) + truncated_token_key_id (1) + blinded_msg (Nk). */
export const TOKEN_REQUEST_LENGTH = 2 + 1 + NK;

export type Validated = { readonly ok: true; readonly key: IssuerKey; readonly msgs: readonly Uint8Array[] } | { readonly ok: false; readonly error: IssuerError };

/** RFC 9474 §4.3 step 1 needs m < n; the worker checks again, this refuses before any quota is counted. */
function belowModulus(msg: Uint8Array, modulus: Uint8Array): boolean {
  return msg.length === modulus.length && Buffer.compare(msg, modulus) < 0;
}

function check(keys: KeyStore, tokenType: number, truncatedId: number, msgs: readonly Uint8Array[]): Validated {
  if (tokenType !== TokenType.BlindRsa2048) return { ok: false, error: IssuerError.UnsupportedTokenType };
  const key = keys.signer(truncatedId);
  if (key === undefined) return { ok: false, error: IssuerError.UnknownKey };
  if (!msgs.every((m) => belowModulus(m, key.modulus))) return { ok: false, error: IssuerError.InvalidBlindedMessage };
  return { ok: true, key, msgs };
}

/**
 * RFC 9578 §6.2: an unsupported token_type, or a blinded_msg that is not Nk bytes, is a 422; only
 * a body too short to hold a token type and a key id is malformed.
 */
export function validateSingle(keys: KeyStore, body: Uint8Array): Validated {
  let request;
  try {
    request = decodeTokenRequest(body);
  } catch (e) {
    if (!(e instanceof PrivacyPassError)) throw e;
    if (e.code === PrivacyPassErrorCode.UnsupportedTokenType) return { ok: false, error: IssuerError.UnsupportedTokenType };
    // The decoder read token_type 0x0002 and then found the wrong number of bytes for blinded_msg.
    return { ok: false, error: body.length >= 3 ? IssuerError.InvalidBlindedMessage : IssuerError.Malformed };
  }
  return check(keys, request.tokenType, request.truncatedTokenKeyId, [request.blindedMsg]);
}

/**
 * draft-ietf-privacypass-batched-tokens (generic batch): a token type that is not registered is a
 * 422; no tokens to issue is a 400; more than the issuer issues in one batch is a 422. This issuer
 * issues a batch whole or not at all, so it never answers 206: every entry must be of type 0x0002
 * and name the key that signs now.
 */
export function validateBatch(keys: KeyStore, body: Uint8Array, maxBatch: number): Validated {
  let batch;
  try {
    batch = decodeGenericBatchTokenRequest(body);
  } catch (e) {
    if (!(e instanceof PrivacyPassError)) throw e;
    return { ok: false, error: e.code === PrivacyPassErrorCode.UnsupportedTokenType ? IssuerError.UnsupportedTokenType : IssuerError.Malformed };
  }
  const requests = batch.tokenRequests;
  const first = requests[0];
  if (first === undefined) return { ok: false, error: IssuerError.Malformed };
  if (requests.length > maxBatch) return { ok: false, error: IssuerError.BatchTooLarge };
  if (requests.some((r) => r.tokenType !== TokenType.BlindRsa2048)) return { ok: false, error: IssuerError.UnsupportedTokenType };
  if (requests.some((r) => r.truncatedTokenKeyId !== first.truncatedTokenKeyId)) return { ok: false, error: IssuerError.UnknownKey };
  return check(
    keys,
    first.tokenType,
    first.truncatedTokenKeyId,
    requests.map((r) => r.blindedMsg),
  );
}

/**
 * The largest body read for a kind: `maxBatch` TokenRequests with their framing, plus slack so
 * that a blinded message of the wrong size is answered as such (422) rather than as too large.
 */
export function bodyLimit(kind: Exclude<RequestKind, "arc">, maxBatch: number): number {
  return (kind === "single" ? TOKEN_REQUEST_LENGTH : 8 + maxBatch * (TOKEN_REQUEST_LENGTH + 8)) + 1024;
}

export function kindOf(contentType: string | undefined): RequestKind | undefined {
  const type = mediaType(contentType);
  if (type === MediaType.TokenRequest) return "single";
  if (type === MediaType.BatchedTokenRequest) return "batch";
  if (type === ArcMediaType.CredentialRequest) return "arc";
  return undefined;
}
