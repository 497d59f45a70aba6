/**
 * Generic Token Batch Issuance, draft-ietf-privacypass-batched-tokens-08 Section 6: the batch
 * variant that carries token type 0x0002 (the "amortized" variant of Section 5 is for VOPRF types).
 *
 *   struct {
 *       uint16_t token_type;
 *       select (token_type) { case (...): TokenRequest token_request; }
 *   } GenericTokenRequest;
 *   struct { GenericTokenRequest generic_token_requests<V>; } GenericBatchTokenRequest;
 *
 *   struct {
 *       uint16_t token_type;
 *       select (token_type) { case (...): TokenResponse token_response; }
 *   } GenericTokenResponse;
 *   struct { optional<GenericTokenResponse> generic_token_response; } OptionalTokenResponse;
 *   struct { OptionalTokenResponse optional_token_responses<V>; } GenericBatchTokenResponse;
 *
 * token_type is the first field of the RFC 9578 TokenRequest itself (it is not written twice);
 * the response entry carries it in front of the type's TokenResponse. <V> is a byte length as a
 * minimal QUIC varint (Section 4.2); an optional<T> starts with a presence octet that MUST be 0
 * or 1 (Section 4.1). The test vectors of Appendix A.4 confirm this layout.
 */
import { ByteWriter, concat, varintLength } from "@oblivious/wire";
import type { ByteReader } from "@oblivious/wire";
import { copyBytes, decodeWhole, requireLength } from "./decode.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";
import { requireTruncatedKeyId } from "./token-request.js";
import { NK, TokenType } from "./token-types.js";

/**
 * The registered token types whose messages this codec can frame: the lengths of blinded_msg and
 * of TokenResponse. 0x0001 is VOPRF(P-384, SHA-384), RFC 9578 Section 5 (Ne = 49, Ns = 48);
 * 0x0005 is VOPRF(ristretto255, SHA-512), this draft Section 8.1 (Ne = 32, Ns = 32). Only 0x0002
 * can be issued or finalized by this library; the others are framed so that a mixed batch decodes.
 */
const FRAMING: ReadonlyMap<number, { readonly blindedMsg: number; readonly response: number }> = new Map<number, { blindedMsg: number; response: number }>([
  [0x0001, { blindedMsg: 49, response: 49 + 2 * 48 }],
  [TokenType.BlindRsa2048, { blindedMsg: NK, response: NK }],
  [0x0005, { blindedMsg: 32, response: 32 + 2 * 32 }],
]);

export interface GenericTokenRequest {
  readonly tokenType: number;
  readonly truncatedTokenKeyId: number;
  readonly blindedMsg: Uint8Array;
}

export interface GenericTokenResponse {
  readonly tokenType: number;
  /** The TokenResponse of that type, as bytes (for 0x0002: blind_sig[256]). */
  readonly tokenResponse: Uint8Array;
}

export interface GenericBatchTokenRequest {
  readonly tokenRequests: readonly GenericTokenRequest[];
}

export interface GenericBatchTokenResponse {
  /** One entry per request, in order; `undefined` where the issuer failed or refused to issue. */
  readonly tokenResponses: readonly (GenericTokenResponse | undefined)[];
}

/** A batch of type 0x0002 requests under one key (the agreed same-type shape). */
export interface BatchedTokenRequest {
  readonly tokenType: number;
  readonly truncatedTokenKeyId: number;
  readonly blindedMsgs: Uint8Array[];
}

export interface BatchedTokenResponse {
  readonly blindSigs: (Uint8Array | undefined)[];
}

function framing(tokenType: number, structure: string): { readonly blindedMsg: number; readonly response: number } {
  const f = FRAMING.get(tokenType);
  if (f === undefined) throw new PrivacyPassError(PrivacyPassErrorCode.UnsupportedTokenType, structure);
  return f;
}

/** A <V> vector: a minimal varint byte length, then exactly that many bytes. */
function readVector(reader: ByteReader, structure: string): Uint8Array {
  const start = reader.offset;
  const length = reader.varint();
  if (reader.offset - start !== varintLength(length)) throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, structure);
  return reader.bytes(length);
}

/** A <V> vector: the minimal varint byte length of `parts`, then the parts. */
function writeVector(parts: readonly Uint8Array[]): Uint8Array {
  const body = concat(...parts);
  // Sized up front: every byte is written into one allocation.
  return new ByteWriter(body.length + 8).varintPrefixed(body).finish();
}

export function encodeGenericBatchTokenRequest(batch: GenericBatchTokenRequest): Uint8Array {
  return writeVector(
    batch.tokenRequests.map((request) => {
      const f = framing(request.tokenType, "GenericTokenRequest");
      requireTruncatedKeyId(request.truncatedTokenKeyId);
      requireLength(request.blindedMsg, f.blindedMsg, "blindedMsg");
      return new ByteWriter(3 + f.blindedMsg).uint16(request.tokenType).uint8(request.truncatedTokenKeyId).bytes(request.blindedMsg).finish();
    }),
  );
}

export function decodeGenericBatchTokenRequest(bytes: Uint8Array): GenericBatchTokenRequest {
  return decodeWhole("GenericBatchTokenRequest", bytes, (outer) => {
    const list = readVector(outer, "GenericBatchTokenRequest");
    return decodeWhole("GenericBatchTokenRequest", list, (reader) => {
      const tokenRequests: GenericTokenRequest[] = [];
      while (reader.remaining > 0) {
        const tokenType = reader.uint16();
        const f = framing(tokenType, "GenericTokenRequest");
        tokenRequests.push({ tokenType, truncatedTokenKeyId: reader.uint8(), blindedMsg: copyBytes(reader.bytes(f.blindedMsg)) });
      }
      return { tokenRequests };
    });
  });
}

export function encodeGenericBatchTokenResponse(batch: GenericBatchTokenResponse): Uint8Array {
  return writeVector(
    batch.tokenResponses.map((entry) => {
      if (entry === undefined) return Uint8Array.of(0);
      const f = framing(entry.tokenType, "GenericTokenResponse");
      requireLength(entry.tokenResponse, f.response, "tokenResponse");
      return new ByteWriter(3 + f.response).uint8(1).uint16(entry.tokenType).bytes(entry.tokenResponse).finish();
    }),
  );
}

export function decodeGenericBatchTokenResponse(bytes: Uint8Array): GenericBatchTokenResponse {
  return decodeWhole("GenericBatchTokenResponse", bytes, (outer) => {
    const list = readVector(outer, "GenericBatchTokenResponse");
    return decodeWhole("GenericBatchTokenResponse", list, (reader) => {
      const tokenResponses: (GenericTokenResponse | undefined)[] = [];
      while (reader.remaining > 0) {
        const present = reader.uint8();
        if (present === 0) {
          tokenResponses.push(undefined);
          continue;
        }
        if (present !== 1) throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, "OptionalTokenResponse");
        const tokenType = reader.uint16();
        const f = framing(tokenType, "GenericTokenResponse");
        tokenResponses.push({ tokenType, tokenResponse: copyBytes(reader.bytes(f.response)) });
      }
      return { tokenResponses };
    });
  });
}

/** A same-type batch of type 0x0002 requests, on the generic wire format. */
export function encodeBatchedTokenRequest(batch: BatchedTokenRequest): Uint8Array {
  if (batch.tokenType !== TokenType.BlindRsa2048) throw new PrivacyPassError(PrivacyPassErrorCode.UnsupportedTokenType);
  if (batch.blindedMsgs.length === 0) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "empty batch");
  return encodeGenericBatchTokenRequest({
    tokenRequests: batch.blindedMsgs.map((blindedMsg) => ({ tokenType: batch.tokenType, truncatedTokenKeyId: batch.truncatedTokenKeyId, blindedMsg })),
  });
}

/**
 * Decodes a generic batch that holds one or more type 0x0002 requests for one truncated key id.
 * Another registered type gives `unsupported-token-type`; an empty batch or mixed key ids give
 * `malformed` (an issuer that wants to answer such batches entry by entry, with 206 and absent
 * responses, decodes with `decodeGenericBatchTokenRequest` instead).
 */
export function decodeBatchedTokenRequest(bytes: Uint8Array): BatchedTokenRequest {
  const { tokenRequests } = decodeGenericBatchTokenRequest(bytes);
  const first = tokenRequests[0];
  if (first === undefined) throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, "empty batch");
  for (const request of tokenRequests) {
    if (request.tokenType !== TokenType.BlindRsa2048) throw new PrivacyPassError(PrivacyPassErrorCode.UnsupportedTokenType, "GenericTokenRequest");
    if (request.truncatedTokenKeyId !== first.truncatedTokenKeyId) {
      throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, "mixed truncated_token_key_id");
    }
  }
  return { tokenType: first.tokenType, truncatedTokenKeyId: first.truncatedTokenKeyId, blindedMsgs: tokenRequests.map((r) => r.blindedMsg) };
}

export function encodeBatchedTokenResponse(batch: BatchedTokenResponse): Uint8Array {
  return encodeGenericBatchTokenResponse({
    tokenResponses: batch.blindSigs.map((blindSig) =>
      blindSig === undefined ? undefined : { tokenType: TokenType.BlindRsa2048, tokenResponse: blindSig },
    ),
  });
}

/** Decodes a generic batch response whose present entries are all type 0x0002. */
export function decodeBatchedTokenResponse(bytes: Uint8Array): BatchedTokenResponse {
  const { tokenResponses } = decodeGenericBatchTokenResponse(bytes);
  const blindSigs = tokenResponses.map((entry) => {
    if (entry === undefined) return undefined;
    if (entry.tokenType !== TokenType.BlindRsa2048) throw new PrivacyPassError(PrivacyPassErrorCode.UnsupportedTokenType, "GenericTokenResponse");
    return entry.tokenResponse;
  });
  return { blindSigs };
}
