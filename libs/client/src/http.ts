/**
 * Small HTTP helpers the client shares between backends: no node builtins, no Buffer (the
 * browser entry imports this file).
 */
import type { Field } from "./backend.js";

/** RFC 9458 Section 9 and RFC 9578 Section 8.3 / the batched-tokens draft: exact media types. */
export const MediaType = {
  OhttpRequest: "message/ohttp-req",
  OhttpResponse: "message/ohttp-res",
  OhttpKeys: "application/ohttp-keys",
  BatchedTokenRequest: "application/private-token-generic-batch-request",
  BatchedTokenResponse: "application/private-token-generic-batch-response",
  IssuerDirectory: "application/private-token-issuer-directory",
  Problem: "application/problem+json",
  Json: "application/json",
} as const;

/** RFC 9578 Section 4. */
export const ISSUER_DIRECTORY_PATH = "/.well-known/private-token-issuer-directory";

/** RFC 9458 Section 5.3: the gateway's answer to a key it does not know (or cannot use). */
export const OHTTP_KEY_PROBLEM_SUFFIX = "ohttp-key";
/** RFC 9458 Section 6.5.2: the gateway's answer to an inner Date outside its window. */
export const DATE_PROBLEM_TYPE = "https://iana.org/assignments/http-problem-types#date";

/** The value of the first field named `name` (case-insensitive), if any. */
export function fieldValue(fields: readonly Field[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return fields.find(([n]) => n.toLowerCase() === lower)?.[1];
}

/** A media type without parameters, lower-cased. */
export function essence(contentType: string | null | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/**
 * What an app may show of an RFC 9457 problem: its type, and the title and detail the service
 * wrote (fixed text in this project's services). Members that are not short printable strings
 * are left out, so a hostile answer cannot put a page of text or control bytes on a screen.
 */
export interface ProblemSummary {
  readonly type: string;
  readonly title?: string;
  readonly detail?: string;
}

const MAX_PROBLEM_TEXT = 200;

function shortText(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_PROBLEM_TEXT) return undefined;
  // Printable, and no bidirectional controls that would reorder what a screen shows.
  return /^[\x20-\x7e\u00a0-\uffff]*$/u.test(value) && !/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u.test(value) ? value : undefined;
}

/** The problem an answer carries (RFC 9457), or undefined when its body is not one. */
export function parseProblem(contentType: string | null | undefined, body: Uint8Array): ProblemSummary | undefined {
  if (essence(contentType) !== MediaType.Problem) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return undefined; // Not JSON: not a problem this client can read.
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const type = record["type"] === undefined ? "about:blank" : shortText(record["type"]);
  if (type === undefined) return undefined;
  const title = shortText(record["title"]);
  const detail = shortText(record["detail"]);
  return { type, ...(title === undefined ? {} : { title }), ...(detail === undefined ? {} : { detail }) };
}

/** The `type` of an RFC 9457 problem body, or undefined when the body is not one. */
export function problemType(contentType: string | null | undefined, body: Uint8Array): string | undefined {
  return parseProblem(contentType, body)?.type;
}

/** IMF-fixdate (RFC 9110 Section 5.6.7), the form the gateway reads. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** Unix milliseconds of an HTTP date, or undefined. */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Retry-After (RFC 9110 Section 10.2.3) in seconds: delay-seconds or an HTTP date. */
export function retryAfterSeconds(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  if (/^[0-9]+$/.test(value.trim())) return Number(value.trim());
  const at = parseHttpDate(value);
  return at === undefined ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/**
 * The padded size of an inner request: the next power of two, at least 256 bytes, so that the
 * relay sees a handful of sizes instead of the length of a query (RFC 9292 Section 3.8).
 */
export function paddedLength(length: number): number {
  let size = 256;
  while (size < length) size *= 2;
  return size;
}

/** Lower-case hex: a map key for byte strings (no Buffer here). */
export function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
