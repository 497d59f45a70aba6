// The client SDK on Node: the Node backend (node:crypto through the project's own libraries).
import { createClientWith } from "./client.js";
import type { Client, ClientOptions } from "./client.js";
import { nodeBackend } from "./node-backend.js";

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
  OhttpSealer,
  PendingBatch,
  SealedRequest,
} from "./backend.js";
export { nodeBackend } from "./node-backend.js";

/** A client on the Node backend. */
export function createClient(options: ClientOptions): Client {
  return createClientWith(nodeBackend(), options);
}
