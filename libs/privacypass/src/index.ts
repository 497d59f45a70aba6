export { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";
export { TokenType, NK } from "./token-types.js";
export { MediaType, ISSUER_DIRECTORY_PATH } from "./media-types.js";
export { encodeBase64Url, decodeBase64Url } from "./base64url.js";
export { encodeTokenChallenge, decodeTokenChallenge, challengeDigest } from "./challenge.js";
export type { TokenChallenge } from "./challenge.js";
export { encodeToken, decodeToken, tokenAuthenticatorInput, TOKEN_LENGTH } from "./token.js";
export type { Token } from "./token.js";
export { encodeTokenRequest, decodeTokenRequest, encodeTokenResponse, decodeTokenResponse } from "./token-request.js";
export type { TokenRequest } from "./token-request.js";
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
  GenericBatchTokenRequest,
  GenericBatchTokenResponse,
} from "./batched.js";
export { formatWwwAuthenticate, parseWwwAuthenticate, formatAuthorization, parseAuthorization } from "./auth-header.js";
export type { PrivateTokenChallenge } from "./auth-header.js";
export { encodeIssuerDirectory, decodeIssuerDirectory } from "./directory.js";
export type { IssuerDirectory } from "./directory.js";
export { encodeTokenKey, decodeTokenKey, tokenKeyId, truncatedTokenKeyId } from "./token-key.js";
export { beginTokenRequest, beginBatchedTokenRequest } from "./client.js";
export type {
  PendingBatchedTokenRequest,
} from "./client.js";
export { NativeBlindSigner } from "./native-signer.js";
export { blindSignWithLibrary } from "./library-signer.js";
export { verifyToken } from "./verify.js";
// ARC, Anonymous Rate-limited Credentials, suite ARCV1-P256 (draft-ietf-privacypass-arc-crypto);
// see README "ARC". Names carry an Arc prefix here; the modules under src/arc/ use the draft's.
export { ArcError, ArcErrorCode } from "./arc/errors.js";
// The package entry is Node's: ARC's scalar multiplications run on OpenSSL from here on (same
// results; the browser-safe src/arc/ modules fall back to @noble/curves without it). See
// docs/decisions/0030-arc-speed.md.
import { useNativeArcMultiplier } from "./arc-native.js";
useNativeArcMultiplier();
export { useNativeArcMultiplier, nativeArcMultiplier } from "./arc-native.js";
export { addonArcMultiplier, arcAddonUnavailable } from "./arc-addon.js";
export { setArcMultiplier } from "./arc/group.js";
export type { ArcMultiplier } from "./arc/group.js";
export type { ArcElement } from "./arc/group.js";
export { systemRandom as arcSystemRandom, SeededRandom as ArcSeededRandom } from "./arc/random.js";
export type { ArcRandom } from "./arc/random.js";
export { generateServerKey as generateArcServerKey, serverPublicKey as arcServerPublicKey } from "./arc/keys.js";
export type { ServerPrivateKey as ArcServerPrivateKey, ServerPublicKey as ArcServerPublicKey, ServerKeyPair as ArcServerKeyPair } from "./arc/keys.js";
export { createCredentialRequest as createArcCredentialRequest } from "./arc/request.js";
export type {
  CredentialRequest as ArcCredentialRequest,
  ClientSecrets as ArcClientSecrets,
  PendingCredentialRequest as ArcPendingCredentialRequest,
} from "./arc/request.js";
export { createCredentialResponse as createArcCredentialResponse } from "./arc/response.js";
export type { CredentialResponse as ArcCredentialResponse } from "./arc/response.js";
export { finalizeCredential as finalizeArcCredential } from "./arc/credential.js";
export type { Credential as ArcCredential } from "./arc/credential.js";
export { PresentationState as ArcPresentationState } from "./arc/presentation.js";
export type { Presentation as ArcPresentation, PresentResult as ArcPresentResult } from "./arc/presentation.js";
export { verifyPresentation as verifyArcPresentation } from "./arc/verify-presentation.js";
export { MAX_PRESENTATION_LIMIT as ARC_MAX_PRESENTATION_LIMIT } from "./arc/range-proof.js";
export {
  encodeServerPublicKey as encodeArcServerPublicKey,
  decodeServerPublicKey as decodeArcServerPublicKey,
  encodeServerPrivateKey as encodeArcServerPrivateKey,
  decodeServerPrivateKey as decodeArcServerPrivateKey,
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
  SERVER_PRIVATE_KEY_LENGTH as ARC_SERVER_PRIVATE_KEY_LENGTH,
  CREDENTIAL_REQUEST_LENGTH as ARC_CREDENTIAL_REQUEST_LENGTH,
  CREDENTIAL_RESPONSE_LENGTH as ARC_CREDENTIAL_RESPONSE_LENGTH,
  CREDENTIAL_LENGTH as ARC_CREDENTIAL_LENGTH,
} from "./arc/codec.js";
// ARC's protocol layer (draft-ietf-privacypass-arc-protocol): token type 0xE5AC challenge, contexts, messages, token.
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
