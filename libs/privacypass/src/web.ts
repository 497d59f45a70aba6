// The package as browsers and other non-Node platforms resolve it (package.json "browser"
// condition): every codec, the authentication headers, the directory and the client's issuance,
// on the platform-neutral primitives. The issuer's signer, token verification on KeyObjects and
// ARC are Node's entry only (index.ts). docs/decisions/0040-one-implementation-per-platform.md.
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
