// The client SDK on Node (the browser entry, browser.ts, is the same SDK: only the protocol
// libraries underneath resolve to other primitives).
import { createClientWith } from "./client.js";
import type { Client, ClientOptions } from "./client.js";
import { arcClient } from "./arc-client.js";
import { protocolBackend, type ProtocolBackendOptions } from "./protocol-backend.js";

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
export { chooseKeyConfig, protocolBackend } from "./protocol-backend.js";
export type { ProtocolBackendOptions } from "./protocol-backend.js";

/**
 * A client: X-Wing when the gateway lists it, X25519 otherwise; `kem` insists on one. ARC where
 * an origin offers it, type 2 otherwise (`tokenType` insists on one).
 */
export function createClient(options: ClientOptions & Omit<ProtocolBackendOptions, "arc">): Client {
  return createClientWith(protocolBackend({ arc: arcClient, ...(options.kem === undefined ? {} : { kem: options.kem }) }), options);
}
