// The client SDK for browsers (`@oblivious/client/browser`): the same SDK as the Node entry.
// Bundlers resolve the protocol libraries under the "browser" condition to their @noble
// primitives, so nothing reachable from here imports a node builtin or uses Buffer; a test
// bundles this entry for the browser platform and checks that.
export { ClientError, ClientErrorCode } from "./errors.js";
export type { ClientErrorDetails } from "./errors.js";
export type { ProblemSummary } from "./http.js";
export { createClientWith } from "./client.js";
export type { Client, ClientOptions, ClientResponse, ClientStats, FetchInit } from "./client.js";
export { STICKER_SEARCH_ORIGIN, TELEMETRY_ORIGIN } from "./features.js";
export type { StickerHit, StickerQuery, StickerSearchResult, TelemetryEvent, TelemetryResult } from "./features.js";
export type { ChallengeOffer, ClientBackend, Directory, DirectoryKey, Field, InnerRequest, InnerResponse, KemName, OhttpSealer, PendingBatch, SealedRequest } from "./backend.js";
import { createClientWith, type Client, type ClientOptions } from "./client.js";
import { protocolBackend, type ProtocolBackendOptions } from "./protocol-backend.js";
import { arcClient } from "./arc-client.js";
export { protocolBackend } from "./protocol-backend.js";
export type { ProtocolBackendOptions } from "./protocol-backend.js";

/**
 * A client: X-Wing when the gateway lists it, X25519 otherwise; `kem` insists on one. ARC where
 * an origin offers it, type 2 otherwise (`tokenType` insists on one), as on Node: ARC's client
 * half comes from @oblivious/privacypass's browser entry, on @noble/curves.
 */
export function createClient(options: ClientOptions & Omit<ProtocolBackendOptions, "arc">): Client {
  return createClientWith(protocolBackend({ arc: arcClient, ...(options.kem === undefined ? {} : { kem: options.kem }) }), options);
}
