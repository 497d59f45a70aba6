/**
 * Typed feature calls on top of `client.fetch`: the sticker search and the telemetry intake, each
 * reached through the gateway at its internal origin (docs/design.md, "Default local interfaces").
 */
import type { ClientResponse, FetchInit } from "./call.js";
import { ClientError, ClientErrorCode, withProblem } from "./errors.js";
import { MediaType, essence } from "./http.js";

export const STICKER_SEARCH_ORIGIN = "https://sticker-search.internal";
export const TELEMETRY_ORIGIN = "https://telemetry.internal";

export interface StickerQuery {
  readonly q: string;
  /** Default "en". */
  readonly locale?: string;
  /** Default 20. */
  readonly limit?: number;
  readonly offset?: number;
  readonly pack?: string;
}

export interface StickerHit {
  readonly id: string;
  readonly emoji: string;
  readonly pack: string;
  readonly keywords: readonly string[];
}

export interface StickerSearchResult {
  readonly hits: readonly StickerHit[];
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

/** One telemetry event; the backend drops whatever its schemas do not declare. */
export type TelemetryEvent = Readonly<Record<string, unknown>>;

export interface TelemetryResult {
  readonly status: number;
  /** The parsed JSON answer, if the backend sent one. */
  readonly body: unknown;
}

type Fetch = (origin: string, init: FetchInit) => Promise<ClientResponse>;

function jsonOf(res: ClientResponse): unknown {
  if (essence(res.header("content-type")) !== MediaType.Json) return undefined;
  try {
    return JSON.parse(res.text());
  } catch {
    throw new ClientError(ClientErrorCode.InvalidResponse, "JSON");
  }
}

/** A feature's refusal, with the problem the origin answered (an unknown locale, a bad query...). */
function refused(res: ClientResponse): ClientError {
  return new ClientError(ClientErrorCode.RequestFailed, undefined, withProblem(res.status, res.header("content-type"), res.body));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isHit(value: unknown): value is StickerHit {
  return (
    isRecord(value) &&
    typeof value.id === "string" &&
    typeof value.emoji === "string" &&
    typeof value.pack === "string" &&
    Array.isArray(value.keywords) &&
    value.keywords.every((k) => typeof k === "string")
  );
}

function postJson(fetch: Fetch, origin: string, path: string, payload: unknown): Promise<ClientResponse> {
  return fetch(origin, {
    method: "POST",
    path,
    headers: { "content-type": MediaType.Json, accept: MediaType.Json },
    body: JSON.stringify(payload),
  });
}

export async function searchStickers(fetch: Fetch, query: StickerQuery): Promise<StickerSearchResult> {
  if (typeof query.q !== "string") throw new ClientError(ClientErrorCode.InvalidArgument, "q");
  const payload = {
    q: query.q,
    locale: query.locale ?? "en",
    limit: query.limit ?? 20,
    ...(query.offset === undefined ? {} : { offset: query.offset }),
    ...(query.pack === undefined ? {} : { pack: query.pack }),
  };
  const res = await postJson(fetch, STICKER_SEARCH_ORIGIN, "/v1/search", payload);
  if (res.status !== 200) throw refused(res);
  const body = jsonOf(res);
  if (
    !isRecord(body) ||
    !Array.isArray(body.hits) ||
    !body.hits.every(isHit) ||
    typeof body.total !== "number" ||
    typeof body.offset !== "number" ||
    typeof body.limit !== "number"
  ) {
    throw new ClientError(ClientErrorCode.InvalidResponse, "search result");
  }
  return { hits: body.hits, total: body.total, offset: body.offset, limit: body.limit };
}

export async function sendTelemetry(fetch: Fetch, events: readonly TelemetryEvent[]): Promise<TelemetryResult> {
  if (!Array.isArray(events)) throw new ClientError(ClientErrorCode.InvalidArgument, "events");
  const res = await postJson(fetch, TELEMETRY_ORIGIN, "/v1/events", { events });
  if (res.status < 200 || res.status > 299) throw refused(res);
  return { status: res.status, body: jsonOf(res) };
}
