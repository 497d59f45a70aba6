// The package as Node resolves it: every name web.ts gives (the same list, first below), plus
// what needs node:crypto KeyObjects or OpenSSL: token keys as KeyObjects, the issuer's signers,
// token verification, and ARC's server half (key generation, response, presentation verification).
// Both entries name their exports explicitly (STYLE.md: no `export *`); a name for every platform
// goes into both lists, and the layering check compares them.
// ARC, Anonymous Rate-limited Credentials, suite ARCV1-P256 (draft-ietf-privacypass-arc-crypto);
// see README "ARC". Names carry an Arc prefix here; the modules under src/arc/ use the draft's.
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
// Node only.
export { encodeTokenKey, decodeTokenKey } from "./token-key.js";
export { NativeBlindSigner } from "./native-signer.js";
export { blindSignWithLibrary } from "./library-signer.js";
export { verifyToken } from "./verify.js";
// The package entry is Node's: ARC's scalar multiplications run on OpenSSL from here on (same
// results; the browser-safe src/arc/ modules fall back to @noble/curves without it). See
// docs/decisions/0030-arc-speed.md.
import { useNativeArcMultiplier } from "./arc-native.js";
useNativeArcMultiplier();
export { useNativeArcMultiplier, nativeArcMultiplier } from "./arc-native.js";
export { addonArcMultiplier, arcAddonUnavailable } from "./arc-addon.js";
export { setArcMultiplier } from "./arc/group.js";
export type { ArcMultiplier, ArcElement } from "./arc/group.js";
export { SeededRandom as ArcSeededRandom } from "./arc/random.js";
export { generateServerKey as generateArcServerKey, serverPublicKey as arcServerPublicKey } from "./arc/keys.js";
export type { ServerPrivateKey as ArcServerPrivateKey, ServerKeyPair as ArcServerKeyPair } from "./arc/keys.js";
export { createCredentialResponse as createArcCredentialResponse } from "./arc/response.js";
export { verifyPresentation as verifyArcPresentation } from "./arc/verify-presentation.js";
export {
  encodeServerPrivateKey as encodeArcServerPrivateKey,
  decodeServerPrivateKey as decodeArcServerPrivateKey,
  SERVER_PRIVATE_KEY_LENGTH as ARC_SERVER_PRIVATE_KEY_LENGTH,
} from "./arc/codec.js";
