// The client SDK for browsers (`@oblivious/client/browser`): the browser backend, web APIs only.
// Nothing reachable from here may import a node builtin or use Buffer; a test bundles this
// entry for the browser platform and runs it in a context without them.
import { createClientWith } from "../client.js";
import type { Client, ClientOptions } from "../client.js";
import { browserBackend } from "./backend.js";

export { ClientError, ClientErrorCode } from "../errors.js";
export type { ClientErrorDetails } from "../errors.js";
export type { ProblemSummary } from "../http.js";
export { createClientWith } from "../client.js";
export type { Client, ClientOptions, ClientResponse, ClientStats, FetchInit } from "../client.js";
export { STICKER_SEARCH_ORIGIN, TELEMETRY_ORIGIN } from "../features.js";
export type { StickerHit, StickerQuery, StickerSearchResult, TelemetryEvent, TelemetryResult } from "../features.js";
export type { ChallengeOffer, ClientBackend, Directory, DirectoryKey, Field, InnerRequest, InnerResponse, KemName, OhttpSealer, PendingBatch, SealedRequest } from "../backend.js";
export { browserBackend } from "./backend.js";

/** A client on the browser backend. */
export function createClient(options: ClientOptions): Client {
  return createClientWith(browserBackend(), options);
}
