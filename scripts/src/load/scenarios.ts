/**
 * What each kind of request sends and what counts as the right answer. A request is served only
 * if its answer decrypts and is right: a 200 with a well-formed body whose content matches what
 * was asked (a known emoji among the hits, every telemetry event accepted, every issued token
 * finalizing into a valid signature).
 */
import type { Field, Response as BhttpResponse } from "@oblivious/bhttp";
import { MediaType, decodeBatchedTokenResponse, encodeBatchedTokenRequest, type PendingBatchedTokenRequest } from "@oblivious/privacypass";
import { encodeInner, failureOutcome, header } from "./oblivious.js";

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

/** A query and the emoji of which at least one must be among its hits. */
export interface SearchQuery {
  readonly q: string;
  readonly locale: string;
  readonly expect: readonly string[];
}

/**
 * Queries whose answer is known from the CLDR annotations the catalogue is built from: each
 * expected emoji is named by the query in that locale (its label or a tag), so any sane ranking
 * puts it among the first SEARCH_LIMIT hits.
 */
export const SEARCH_QUERIES: readonly SearchQuery[] = [
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

/** Every emoji whose CLDR name or tags say "cat" (Katze, ネコ): any of them answers a cat query. */
const CAT_FAMILY = ["🐈", "🐱", "🐈‍⬛", "😺", "😸", "😹", "😻", "😼", "😽", "🙀", "😿", "😾"];

/**
 * Queries for the synthetic benchmark catalogue (catalogue-cli `synthetic`, locales en, de, ja),
 * checked against its 100,000-sticker build: on it, "Katze" ranks the cat faces first, and single
 * kanji (猫, 犬) match too widely to rank the animal in the first hits, so katakana stands in.
 */
export const SYNTHETIC_SEARCH_QUERIES: readonly SearchQuery[] = [
  { q: "cat", locale: "en", expect: CAT_FAMILY },
  { q: "Katze", locale: "de", expect: CAT_FAMILY },
  { q: "ネコ", locale: "ja", expect: CAT_FAMILY },
  { q: "dog", locale: "en", expect: DOG },
  { q: "Hund", locale: "de", expect: DOG },
  { q: "イヌ", locale: "ja", expect: DOG },
  { q: "pizza", locale: "en", expect: ["🍕"] },
  { q: "rocket", locale: "en", expect: ["🚀"] },
];

/** Telemetry batches: declared event types (services/telemetry/src/schemas.ts) with in-range values. */
export const TELEMETRY_EVENTS: readonly Readonly<Record<string, string | number | boolean>>[] = [
  { type: "app.start", platform: "android", version_major: 7, cold: true },
  { type: "ohttp.call", feature: "sticker_search", status_class: "2xx", retries: 0, latency_ms: 42 },
  { type: "sticker_search.result", outcome: "results", results: 12, latency_ms: 80 },
  { type: "token.wallet", event: "topup", batch: 10 },
];

const JSON_HEADERS: Field[] = [["content-type", "application/json"]];

/**
 * A feature call before it is wrapped: the oblivious mode encodes it as Binary HTTP inside OHTTP,
 * the direct mode sends it as plain HTTP to the origin. Both send the same fields and body.
 */
export interface InnerRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: readonly Field[];
  readonly content: Uint8Array;
}
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

/** In direct mode this is the origin's own status, named alike so both modes' error tables compare. */
function innerStatus(response: BhttpResponse): Verdict {
  if (response.status === 200) return undefined;
  return failureOutcome("inner", response.status, header(response, "content-type"), response.content);
}

export function searchBody(n: number, queries: readonly SearchQuery[] = SEARCH_QUERIES): Uint8Array {
  const query = queries[n % queries.length] ?? queries[0];
  return utf8.encode(JSON.stringify({ q: query?.q, locale: query?.locale, limit: SEARCH_LIMIT }));
}

export function searchCall(n: number, authorization: string, queries: readonly SearchQuery[] = SEARCH_QUERIES): InnerRequest {
  return { method: "POST", path: SEARCH_PATH, headers: [...JSON_HEADERS, ["authorization", authorization]], content: searchBody(n, queries) };
}

export function searchRequest(authorities: Authorities, n: number, authorization: string, queries: readonly SearchQuery[] = SEARCH_QUERIES): Uint8Array {
  const call = searchCall(n, authorization, queries);
  return encodeInner(authorities.search, call.method, call.path, call.headers, call.content);
}

export function verifySearch(n: number, response: BhttpResponse, queries: readonly SearchQuery[] = SEARCH_QUERIES): Verdict {
  const status = innerStatus(response);
  if (status !== undefined) return status;
  const query = queries[n % queries.length];
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

export function telemetryCall(n: number, authorization: string): InnerRequest {
  return { method: "POST", path: EVENTS_PATH, headers: [...JSON_HEADERS, ["authorization", authorization]], content: telemetryBody(n) };
}

export function telemetryRequest(authorities: Authorities, n: number, authorization: string): Uint8Array {
  const call = telemetryCall(n, authorization);
  return encodeInner(authorities.telemetry, call.method, call.path, call.headers, call.content);
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
