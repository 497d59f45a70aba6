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
export { encodeTokenKey, decodeTokenKey, tokenKeyId, truncatedTokenKeyId } from "./token-key.js";
export { beginTokenRequest, beginBatchedTokenRequest } from "./client.js";
export type {
  BeginTokenRequestOptions,
  PendingTokenRequest,
  BeginBatchedTokenRequestOptions,
  PendingBatchedTokenRequest,
} from "./client.js";
export { NativeBlindSigner } from "./native-signer.js";
export { blindSignWithLibrary } from "./library-signer.js";
export { verifyToken } from "./verify.js";
