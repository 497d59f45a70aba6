/**
 * ARC's issuance messages and token (draft-ietf-privacypass-arc-protocol, Sections
 * "Client-to-Issuer Request", "Issuer-to-Client Response", "Token Creation"):
 *
 *   struct {                                  // application/private-credential-request
 *     uint16_t token_type = 0xE5AC;
 *     uint8_t truncated_issuer_key_id;
 *     uint8_t encoded_request[Nrequest];      // 226
 *   } CredentialRequest;
 *
 *   struct {                                  // application/private-credential-response
 *     uint8_t encoded_response[Nresponse];    // 454
 *   } CredentialResponse;
 *
 *   struct {
 *     uint16_t token_type = 0xE5AC;
 *     uint32_t presentation_nonce;
 *     uint8_t challenge_digest[32];
 *     uint8_t issuer_key_id[Nid];             // 32
 *     uint8_t presentation[Npresentation];    // depends on the presentation limit
 *   } Token;
 *
 * The issuer answers 422 to a request of another token type, an unknown truncated key id or a
 * wrong size, and to one whose encoded_request does not decode (the draft's words): decoding
 * reports all of them as `malformed` except the key id, which the caller matches.
 */
import { ByteWriter } from "@oblivious/wire";
import {
  CREDENTIAL_REQUEST_LENGTH, CREDENTIAL_RESPONSE_LENGTH, decodeCredentialRequest, decodeCredentialResponse, decodePresentation,
  encodeCredentialRequest, encodeCredentialResponse, encodePresentation, presentationLength,
} from "./codec.js";
import { decodeWhole } from "../decode.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "../errors.js";
import type { Presentation } from "./presentation.js";
import { ARC_ISSUER_KEY_ID_LENGTH, ARC_TOKEN_TYPE } from "./protocol-challenge.js";
import type { CredentialRequest } from "./request.js";
import type { CredentialResponse } from "./response.js";

/** The media types of the issuance exchange (draft Section "Media Types"); compared exactly. */
export const ArcMediaType = {
  CredentialRequest: "application/private-credential-request",
  CredentialResponse: "application/private-credential-response",
} as const;

export interface ArcCredentialRequestMessage {
  readonly truncatedIssuerKeyId: number;
  readonly request: CredentialRequest;
}

export interface ArcToken {
  readonly presentationNonce: number;
  readonly challengeDigest: Uint8Array;
  readonly issuerKeyId: Uint8Array;
  readonly presentation: Presentation;
}

export const ARC_CREDENTIAL_REQUEST_MESSAGE_LENGTH = 3 + CREDENTIAL_REQUEST_LENGTH;
const DIGEST_LENGTH = 32;


export function encodeArcCredentialRequestMessage(message: ArcCredentialRequestMessage): Uint8Array {
  const id = message.truncatedIssuerKeyId;
  if (!Number.isInteger(id) || id < 0 || id > 0xff) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "truncatedIssuerKeyId");
  return new ByteWriter(ARC_CREDENTIAL_REQUEST_MESSAGE_LENGTH).uint16(ARC_TOKEN_TYPE).uint8(id).bytes(encodeCredentialRequest(message.request)).finish();
}

export function decodeArcCredentialRequestMessage(bytes: Uint8Array): ArcCredentialRequestMessage {
  return decodeWhole("CredentialRequest message", bytes, (reader) => {
    if (reader.uint16() !== ARC_TOKEN_TYPE) throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, "token type");
    const truncatedIssuerKeyId = reader.uint8();
    return { truncatedIssuerKeyId, request: decodeCredentialRequest(reader.bytes(CREDENTIAL_REQUEST_LENGTH)) };
  });
}

/** The response message is the encoded response itself. */
export function encodeArcCredentialResponseMessage(response: CredentialResponse): Uint8Array {
  return encodeCredentialResponse(response);
}

export function decodeArcCredentialResponseMessage(bytes: Uint8Array): CredentialResponse {
  return decodeWhole("CredentialResponse message", bytes, (reader) => decodeCredentialResponse(reader.bytes(CREDENTIAL_RESPONSE_LENGTH)));
}

/** 2 + 4 + 32 + 32 + Npresentation. */
export function arcTokenLength(presentationLimit: number): number {
  return 6 + DIGEST_LENGTH + ARC_ISSUER_KEY_ID_LENGTH + presentationLength(presentationLimit);
}

export function encodeArcToken(token: ArcToken, presentationLimit: number): Uint8Array {
  const n = token.presentationNonce;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "presentationNonce");
  if (token.challengeDigest.length !== DIGEST_LENGTH) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "challengeDigest");
  if (token.issuerKeyId.length !== ARC_ISSUER_KEY_ID_LENGTH) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "issuerKeyId");
  return new ByteWriter(arcTokenLength(presentationLimit))
    .uint16(ARC_TOKEN_TYPE)
    .uint32(n)
    .bytes(token.challengeDigest)
    .bytes(token.issuerKeyId)
    .bytes(encodePresentation(token.presentation, presentationLimit))
    .finish();
}

/** The presentation's length depends on the limit the origin announced with the challenge. */
export function decodeArcToken(bytes: Uint8Array, presentationLimit: number): ArcToken {
  const length = presentationLength(presentationLimit);
  return decodeWhole("Token", bytes, (reader) => {
    if (reader.uint16() !== ARC_TOKEN_TYPE) throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, "token type");
    const presentationNonce = reader.uint32();
    const challengeDigest = new Uint8Array(reader.bytes(DIGEST_LENGTH));
    const issuerKeyId = new Uint8Array(reader.bytes(ARC_ISSUER_KEY_ID_LENGTH));
    return { presentationNonce, challengeDigest, issuerKeyId, presentation: decodePresentation(reader.bytes(length), presentationLimit) };
  });
}
