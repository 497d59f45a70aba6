/**
 * The Node backend: the project's own libraries on node:crypto (HPKE faster than @hpke/core on
 * Node, docs/decisions/0001-node-crypto-hpke.md; blind RSA in bigint with OpenSSL's RSASSA-PSS
 * verification).
 */
import { decodeResponse, encodeRequest } from "@oblivious/bhttp";
import { decodeKeyConfigs, encapsulateRequest } from "@oblivious/ohttp";
import {
  beginBatchedTokenRequest,
  decodeBatchedTokenResponse,
  decodeIssuerDirectory,
  encodeBatchedTokenRequest,
  encodeToken,
  formatAuthorization,
  parseWwwAuthenticate,
} from "@oblivious/privacypass";
import type { ClientBackend, OhttpSealer, PendingBatch } from "./backend.js";

export function nodeBackend(): ClientBackend {
  return {
    name: "node",
    async importKeys(keys: Uint8Array): Promise<OhttpSealer> {
      const config = decodeKeyConfigs(keys)[0];
      if (config === undefined) throw new TypeError("no usable key configuration");
      return {
        async seal(request) {
          const { encapsulatedRequest, context } = encapsulateRequest(config, request);
          return { encapsulatedRequest, open: async (response) => context.decapsulateResponse(response) };
        },
      };
    },
    encodeRequest(request) {
      return encodeRequest({ ...request, trailers: [] });
    },
    decodeResponse(bytes) {
      const { status, headers, content } = decodeResponse(bytes);
      return { status, headers, content };
    },
    parseChallenges(header) {
      return parseWwwAuthenticate(header).map(({ challenge, tokenKey }) => ({ challenge, tokenKey }));
    },
    decodeDirectory(json) {
      return decodeIssuerDirectory(json);
    },
    async beginBatch(challenge, tokenKey, originName, count): Promise<PendingBatch> {
      const pending = await beginBatchedTokenRequest(count, { challenge, tokenKey, origin: originName });
      return {
        body: encodeBatchedTokenRequest(pending.request),
        async finalize(responseBody) {
          const tokens = await pending.finalize(decodeBatchedTokenResponse(responseBody));
          return tokens.flatMap((token) => (token === undefined ? [] : [encodeToken(token)]));
        },
      };
    },
    formatAuthorization(token) {
      return formatAuthorization(token);
    },
  };
}
