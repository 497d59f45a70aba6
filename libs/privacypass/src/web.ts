// The package as browsers and other non-Node platforms resolve it (package.json "browser"
// condition): every codec, the authentication headers, the directory and the client's issuance,
// on the platform-neutral primitives, and ARC's client half (credential request, finalization,
// presentation, the protocol's challenge, messages and token) on @noble/curves. The issuer's
// signer, token verification on KeyObjects, ARC's server half (key generation, response,
// presentation verification) and its OpenSSL multiplier are Node's entry only (index.ts), which
// begins with this same list.
// docs/decisions/0040-one-implementation-per-platform.md.
export { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";
export { TokenType, NK, NID } from "./token-types.js";
export { MediaType, ISSUER_DIRECTORY_PATH } from "./media-types.js";
export { encodeBase64Url, decodeBase64Url } from "./base64url.js";
export { encodeTokenChallenge, decodeTokenChallenge, challengeDigest } from "./challenge.js";
export type { TokenChallenge } from "./challenge.js";
export { encodeToken, decodeToken, tokenAuthenticatorInput, TOKEN_LENGTH } from "./token.js";
export type { Token } from "./token.js";
export { encodeTokenRequest, decodeTokenRequest, encodeTokenResponse, decodeTokenResponse } from "./token-request.js";
export type { TokenRequest, TokenResponse } from "./token-request.js";
export {
  encodeBatchedTokenRequest,
  decodeBatchedTokenRequest,
  encodeBatchedTokenResponse,
  decodeBatchedTokenResponse,
  encodeGenericBatchTokenRequest,
  decodeGenericBatchTokenRequest,
  encodeGenericBatchTokenResponse,
  decodeGenericBatchTokenResponse,
} from "./batched.js";
export type {
  BatchedTokenRequest,
  BatchedTokenResponse,
  GenericTokenRequest,
  GenericTokenResponse,
  GenericBatchTokenRequest,
  GenericBatchTokenResponse,
} from "./batched.js";
export { AUTH_SCHEME, formatWwwAuthenticate, parseWwwAuthenticate, formatAuthorization, parseAuthorization } from "./auth-header.js";
export type { PrivateTokenChallenge } from "./auth-header.js";
export { encodeIssuerDirectory, decodeIssuerDirectory } from "./directory.js";
export type { IssuerDirectory, IssuerDirectoryKey } from "./directory.js";
export { tokenKeyId, truncatedTokenKeyId } from "./token-key-spki.js";
export { beginTokenRequest, beginBatchedTokenRequest } from "./client.js";
export type {
  BeginTokenRequestOptions,
  PendingTokenRequest,
  BeginBatchedTokenRequestOptions,
  PendingBatchedTokenRequest,
} from "./client.js";
// ARC's client half (token type 0xE5AC, suite ARCV1-P256), under the names index.ts gives it.
export { systemRandom as arcSystemRandom } from "./arc/random.js";
export type { ArcRandom } from "./arc/random.js";
export { createCredentialRequest as createArcCredentialRequest } from "./arc/request.js";
export type {
  CredentialRequest as ArcCredentialRequest,
  ClientSecrets as ArcClientSecrets,
  PendingCredentialRequest as ArcPendingCredentialRequest,
} from "./arc/request.js";
export type { CredentialResponse as ArcCredentialResponse } from "./arc/response.js";
export { finalizeCredential as finalizeArcCredential } from "./arc/credential.js";
export type { Credential as ArcCredential } from "./arc/credential.js";
export { PresentationState as ArcPresentationState } from "./arc/presentation.js";
export type { Presentation as ArcPresentation, PresentResult as ArcPresentResult } from "./arc/presentation.js";
export type { ServerPublicKey as ArcServerPublicKey } from "./arc/keys.js";
export { MAX_PRESENTATION_LIMIT as ARC_MAX_PRESENTATION_LIMIT } from "./arc/range-proof.js";
export {
  encodeServerPublicKey as encodeArcServerPublicKey,
  decodeServerPublicKey as decodeArcServerPublicKey,
  encodeCredentialRequest as encodeArcCredentialRequest,
  decodeCredentialRequest as decodeArcCredentialRequest,
  encodeCredentialResponse as encodeArcCredentialResponse,
  decodeCredentialResponse as decodeArcCredentialResponse,
  encodeCredential as encodeArcCredential,
  decodeCredential as decodeArcCredential,
  encodePresentation as encodeArcPresentation,
  decodePresentation as decodeArcPresentation,
  presentationLength as arcPresentationLength,
  SERVER_PUBLIC_KEY_LENGTH as ARC_SERVER_PUBLIC_KEY_LENGTH,
  CREDENTIAL_REQUEST_LENGTH as ARC_CREDENTIAL_REQUEST_LENGTH,
  CREDENTIAL_RESPONSE_LENGTH as ARC_CREDENTIAL_RESPONSE_LENGTH,
  CREDENTIAL_LENGTH as ARC_CREDENTIAL_LENGTH,
} from "./arc/codec.js";
export {
  ARC_TOKEN_TYPE,
  ARC_ISSUER_KEY_ID_LENGTH,
  encodeArcTokenChallenge,
  decodeArcTokenChallenge,
  arcChallengeDigest,
  arcIssuerKeyId,
  arcTruncatedIssuerKeyId,
  arcRequestContext,
  arcPresentationContext,
} from "./arc/protocol-challenge.js";
export type { ArcTokenChallenge } from "./arc/protocol-challenge.js";
export {
  ArcMediaType,
  ARC_CREDENTIAL_REQUEST_MESSAGE_LENGTH,
  encodeArcCredentialRequestMessage,
  decodeArcCredentialRequestMessage,
  encodeArcCredentialResponseMessage,
  decodeArcCredentialResponseMessage,
  encodeArcToken,
  decodeArcToken,
  arcTokenLength,
} from "./arc/protocol-messages.js";
export type { ArcCredentialRequestMessage, ArcToken } from "./arc/protocol-messages.js";
