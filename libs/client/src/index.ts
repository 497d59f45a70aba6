// The client SDK on Node: the Node backend (node:crypto through the project's own libraries).
import { createClientWith } from "./client.js";
import type { Client, ClientOptions } from "./client.js";
import { nodeBackend, type NodeBackendOptions } from "./node-backend.js";

export { ClientError, ClientErrorCode } from "./errors.js";
export type { ClientErrorDetails } from "./errors.js";
export type { ProblemSummary } from "./http.js";
export { createClientWith } from "./client.js";
export type { Client, ClientOptions, ClientResponse, ClientStats, FetchInit } from "./client.js";
export { STICKER_SEARCH_ORIGIN, TELEMETRY_ORIGIN } from "./features.js";
export type { StickerHit, StickerQuery, StickerSearchResult, TelemetryEvent, TelemetryResult } from "./features.js";
export type {
  ChallengeOffer,
  ClientBackend,
  Directory,
  DirectoryKey,
  Field,
  InnerRequest,
  InnerResponse,
  KemName,
  OhttpSealer,
  PendingBatch,
  SealedRequest,
} from "./backend.js";
export { chooseKeyConfig, nodeBackend } from "./node-backend.js";
export type { NodeBackendOptions } from "./node-backend.js";

/**
 * A client on the Node backend: X-Wing when the gateway lists it, X25519 otherwise; `kem`
 * insists on one.
 */
export function createClient(options: ClientOptions & NodeBackendOptions): Client {
  return createClientWith(nodeBackend(options.kem === undefined ? {} : { kem: options.kem }), options);
}
