/**
 * What each kind of request sends and what counts as the right answer. A request is served only
 * if its answer decrypts and is right: a 200 with a well-formed body whose content matches what
 * was asked (a known emoji among the hits, every telemetry event accepted, every issued token
 * finalizing into a valid signature).
 */
import type { Response as BhttpResponse } from "@oblivious/bhttp";
import { MediaType, decodeBatchedTokenResponse, encodeBatchedTokenRequest, type PendingBatchedTokenRequest } from "@oblivious/privacypass";
import { encodeInner, header } from "./oblivious.js";

/** The inner origins, as clients name them (the gateway's allow-list). */
export interface Authorities {
  readonly search: string;
  readonly telemetry: string;
  readonly issuer: string;
}

export const SEARCH_PATH = "/v1/search";
export const EVENTS_PATH = "/v1/events";
export const TOKEN_REQUEST_PATH = "/token-request";

const CAT = ["🐈", "🐱"];
const DOG = ["🐕", "🐶"];

/**
 * Queries whose answer is known from the CLDR annotations the catalogue is built from: each
 * expected emoji is named by the query in that locale (its label or a tag), so any sane ranking
 * puts it among the first SEARCH_LIMIT hits.
 */
export const SEARCH_QUERIES: readonly { readonly q: string; readonly locale: string; readonly expect: readonly string[] }[] = [
  { q: "cat", locale: "en", expect: CAT },
  { q: "Katze", locale: "de", expect: CAT },
  { q: "猫", locale: "ja", expect: CAT },
  { q: "кошка", locale: "ru", expect: CAT },
  { q: "dog", locale: "en", expect: DOG },
  { q: "Hund", locale: "de", expect: DOG },
  { q: "pizza", locale: "en", expect: ["🍕"] },
  { q: "rocket", locale: "en", expect: ["🚀"] },
];
export const SEARCH_LIMIT = 24;

/** Telemetry batches: declared event types (services/telemetry/src/schemas.ts) with in-range values. */
export const TELEMETRY_EVENTS: readonly Readonly<Record<string, string | number | boolean>>[] = [
  { type: "app.start", platform: "android", version_major: 7, cold: true },
  { type: "ohttp.call", feature: "sticker_search", status_class: "2xx", retries: 0, latency_ms: 42 },
  { type: "sticker_search.result", outcome: "results", results: 12, latency_ms: 80 },
  { type: "token.wallet", event: "topup", batch: 10 },
];

const JSON_HEADERS: [string, string][] = [["content-type", "application/json"]];
const utf8 = new TextEncoder();

/** A verdict: `undefined` when the answer is right, else a short name of what was wrong. */
export type Verdict = string | undefined;

/** Emoji compared without variation selector 16, which CLDR data writes inconsistently. */
function bareEmoji(text: string): string {
  return text.replace(/\uFE0F/g, "");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseJson(response: BhttpResponse): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(response.content));
  } catch {
    return undefined;
  }
}

function innerStatus(response: BhttpResponse): Verdict {
  return response.status === 200 ? undefined : `inner ${response.status}`;
}

export function searchBody(n: number): Uint8Array {
  const query = SEARCH_QUERIES[n % SEARCH_QUERIES.length] ?? SEARCH_QUERIES[0];
  return utf8.encode(JSON.stringify({ q: query?.q, locale: query?.locale, limit: SEARCH_LIMIT }));
}

export function searchRequest(authorities: Authorities, n: number, authorization: string): Uint8Array {
  return encodeInner(authorities.search, "POST", SEARCH_PATH, [...JSON_HEADERS, ["authorization", authorization]], searchBody(n));
}

export function verifySearch(n: number, response: BhttpResponse): Verdict {
  const status = innerStatus(response);
  if (status !== undefined) return status;
  const query = SEARCH_QUERIES[n % SEARCH_QUERIES.length];
  const body = parseJson(response);
  if (query === undefined || !isRecord(body) || !Array.isArray(body["hits"])) return "wrong answer";
  const hits: unknown[] = body["hits"];
  const wellFormed = hits.every(
    (h) =>
      isRecord(h) &&
      typeof h["id"] === "string" &&
      typeof h["emoji"] === "string" &&
      typeof h["pack"] === "string" &&
      Array.isArray(h["keywords"]) &&
      h["keywords"].every((k) => typeof k === "string"),
  );
  if (!wellFormed || typeof body["total"] !== "number" || body["total"] < hits.length || hits.length > SEARCH_LIMIT) return "wrong answer";
  const expected = new Set(query.expect.map(bareEmoji));
  return hits.some((h) => isRecord(h) && typeof h["emoji"] === "string" && expected.has(bareEmoji(h["emoji"]))) ? undefined : "wrong answer";
}

export function telemetryBody(n: number): Uint8Array {
  // One to four events, so the count in the answer is checked against what this request sent.
  const events = TELEMETRY_EVENTS.slice(0, 1 + (n % TELEMETRY_EVENTS.length));
  return utf8.encode(JSON.stringify({ events }));
}

export function telemetryRequest(authorities: Authorities, n: number, authorization: string): Uint8Array {
  return encodeInner(authorities.telemetry, "POST", EVENTS_PATH, [...JSON_HEADERS, ["authorization", authorization]], telemetryBody(n));
}

export function verifyTelemetry(n: number, response: BhttpResponse): Verdict {
  const status = innerStatus(response);
  if (status !== undefined) return status;
  const body = parseJson(response);
  const sent = 1 + (n % TELEMETRY_EVENTS.length);
  if (!isRecord(body) || body["accepted"] !== sent) return "wrong answer";
  // Every event sent is declared and in range: nothing may be dropped, whether the service
  // reports drops as a total or as counts by reason.
  const dropped = body["dropped"];
  const none = dropped === 0 || (isRecord(dropped) && Object.values(dropped).every((n) => n === 0));
  return none ? undefined : "wrong answer";
}

/** A token request made before the clock (blinding is the expensive part) and the credential to send it with. */
export interface PreparedIssuance {
  readonly pending: PendingBatchedTokenRequest;
  readonly credential: string;
}

export function issuanceRequest(authorities: Authorities, prepared: PreparedIssuance): Uint8Array {
  return encodeInner(
    authorities.issuer,
    "POST",
    TOKEN_REQUEST_PATH,
    [
      ["content-type", MediaType.BatchedTokenRequest],
      ["authorization", `Bearer ${prepared.credential}`],
    ],
    encodeBatchedTokenRequest(prepared.pending.request),
  );
}

/** Right: every blinded message signed, and each signature finalizes (unblinds and verifies) into a token. */
export async function verifyIssuance(prepared: PreparedIssuance, response: BhttpResponse): Promise<Verdict> {
  const status = innerStatus(response);
  if (status !== undefined) return status;
  if (header(response, "content-type") !== MediaType.BatchedTokenResponse) return "wrong answer";
  try {
    const tokens = await prepared.pending.finalize(decodeBatchedTokenResponse(response.content));
    return tokens.length === prepared.pending.request.blindedMsgs.length && tokens.every((t) => t !== undefined) ? undefined : "wrong answer";
  } catch {
    return "wrong answer";
  }
}
