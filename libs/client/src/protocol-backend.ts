/**
 * The one backend, on every platform: the project's own protocol libraries, which pick their
 * cryptography per platform themselves (node:crypto under Node, @noble in browsers:
 * docs/decisions/0040-one-implementation-per-platform.md). No protocol code lives in this package.
 */
import { decodeResponse, encodeRequest } from "@oblivious/bhttp";
import { KemId, decodeKeyConfigs, encapsulateRequest, type KeyConfig } from "@oblivious/ohttp";
import {
  beginBatchedTokenRequest,
  decodeBatchedTokenResponse,
  decodeIssuerDirectory,
  encodeBatchedTokenRequest,
  encodeToken,
  formatAuthorization,
  parseWwwAuthenticate,
} from "@oblivious/privacypass";
import type { ArcBackend, ClientBackend, KemName, OhttpSealer, PendingBatch } from "./backend.js";

const KEM_IDS: Readonly<Record<KemName, KemId>> = {
  "x-wing": KemId.MlKem768X25519,
  "ml-kem-768": KemId.MlKem768,
  x25519: KemId.DhkemX25519HkdfSha256,
};

/** Without a choice: X-Wing when the listing offers it, X25519 otherwise. */
const DEFAULT_PREFERENCE: readonly KemName[] = ["x-wing", "x25519"];

export interface ProtocolBackendOptions {
  /** Use only this KEM's configuration (the key fetch fails when the listing has none). */
  readonly kem?: KemName;
  /**
   * ARC: both package entries pass arc-client.ts (ARC's client half is in both of
   * @oblivious/privacypass's entries, decision 0040); without it, type 2 only.
   */
  readonly arc?: ArcBackend;
}

/**
 * The configuration to pin from a decoded listing: the first of the wanted KEM, else (no choice
 * made) the first X-Wing one, else the first X25519 one. RFC 9458 §3.2 leaves the choice among
 * usable configurations to the client.
 */
export function chooseKeyConfig(configs: readonly KeyConfig[], kem?: KemName): { readonly config: KeyConfig; readonly kem: KemName } | undefined {
  for (const name of kem === undefined ? DEFAULT_PREFERENCE : [kem]) {
    const config = configs.find((c) => c.kemId === KEM_IDS[name]);
    if (config !== undefined) return { config, kem: name };
  }
  return undefined;
}

export function protocolBackend(options: ProtocolBackendOptions = {}): ClientBackend {
  return {
    name: "protocol-libraries",
    ...(options.arc === undefined ? {} : { arc: options.arc }),
    async importKeys(keys: Uint8Array): Promise<OhttpSealer> {
      const chosen = chooseKeyConfig(decodeKeyConfigs(keys), options.kem);
      if (chosen === undefined) throw new TypeError("no usable key configuration");
      const { config } = chosen;
      return {
        kem: chosen.kem,
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
      return parseWwwAuthenticate(header).map(({ challenge, tokenKey, rateLimit }) => ({ challenge, tokenKey, ...(rateLimit === undefined ? {} : { rateLimit }) }));
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
