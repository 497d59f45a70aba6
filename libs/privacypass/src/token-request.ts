/**
 * TokenRequest and TokenResponse for token type 0x0002, RFC 9578 Sections 6.1 and 6.2.
 *
 *   struct {
 *     uint16_t token_type = 0x0002; // Type Blind RSA (2048-bit)
 *     uint8_t truncated_token_key_id;
 *     uint8_t blinded_msg[Nk];
 *   } TokenRequest;
 *
 *   struct {
 *     uint8_t blind_sig[Nk];
 *   } TokenResponse;
 *
 * truncated_token_key_id is the least significant byte of token_key_id.
 */
import { ByteWriter } from "@oblivious/wire";
import { copyBytes, decodeWhole, requireLength } from "./decode.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";
import { NK, TokenType } from "./token-types.js";

export interface TokenRequest {
  readonly tokenType: number;
  /** uint8: the last byte of the token key id. */
  readonly truncatedTokenKeyId: number;
  readonly blindedMsg: Uint8Array;
}

export interface TokenResponse {
  readonly blindSig: Uint8Array;
}

/** The encoded length of a type 0x0002 TokenRequest: 2 + 1 + 256. */
export const TOKEN_REQUEST_LENGTH = 3 + NK;

export function requireTruncatedKeyId(value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "truncatedTokenKeyId");
  }
}

export function encodeTokenRequest(request: TokenRequest): Uint8Array {
  if (request.tokenType !== TokenType.BlindRsa2048) throw new PrivacyPassError(PrivacyPassErrorCode.UnsupportedTokenType);
  requireTruncatedKeyId(request.truncatedTokenKeyId);
  requireLength(request.blindedMsg, NK, "blindedMsg");
  return new ByteWriter(TOKEN_REQUEST_LENGTH)
    .uint16(request.tokenType)
    .uint8(request.truncatedTokenKeyId)
    .bytes(request.blindedMsg)
    .finish();
}

export function decodeTokenRequest(bytes: Uint8Array): TokenRequest {
  return decodeWhole("TokenRequest", bytes, (reader) => {
    const tokenType = reader.uint16();
    if (tokenType !== TokenType.BlindRsa2048) throw new PrivacyPassError(PrivacyPassErrorCode.UnsupportedTokenType, "TokenRequest");
    return { tokenType, truncatedTokenKeyId: reader.uint8(), blindedMsg: copyBytes(reader.bytes(NK)) };
  });
}

export function encodeTokenResponse(response: TokenResponse): Uint8Array {
  requireLength(response.blindSig, NK, "blindSig");
  return copyBytes(response.blindSig);
}

export function decodeTokenResponse(bytes: Uint8Array): TokenResponse {
  return decodeWhole("TokenResponse", bytes, (reader) => ({ blindSig: copyBytes(reader.bytes(NK)) }));
}
