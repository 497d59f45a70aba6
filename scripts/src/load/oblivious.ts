/**
 * The client side of one oblivious call, as the load generator makes it: a Binary HTTP request
 * (RFC 9292) padded to a size bucket, encapsulated to the gateway's first key configuration
 * (RFC 9458 §4.3), posted to the relay, and the answer opened with that request's context.
 * Also the one-off calls made before the clock starts: the key configuration, a probe for each
 * origin's token challenge, and the issuer directory, all through the relay as a client would.
 */
import { decodeResponse, encodeRequest, type Field, type Request as BhttpRequest, type Response as BhttpResponse } from "@oblivious/bhttp";
import { decodeKeyConfigs, encapsulateRequest, type ClientResponseContext, type KeyConfig } from "@oblivious/ohttp";
import { OVERLOADED_PROBLEM, PROBLEM_MEDIA_TYPE, problemType } from "@oblivious/service-kit";
import {
  ISSUER_DIRECTORY_PATH,
  TokenType,
  decodeIssuerDirectory,
  parseWwwAuthenticate,
  type IssuerDirectory,
  type PrivateTokenChallenge,
} from "@oblivious/privacypass";

export const OHTTP_REQUEST = "message/ohttp-req";
export const OHTTP_RESPONSE = "message/ohttp-res";

/** Inner requests are padded to the next power of two from 256 bytes, the gateway's default for answers. */
const PAD_MIN = 256;

export function paddedSize(length: number): number {
  let size = PAD_MIN;
  while (size < length) size *= 2;
  return size;
}

/** The Binary HTTP bytes of an inner request with a fresh `Date`, zero-padded (RFC 9292 §3.8). */
export function encodeInner(authority: string, method: string, path: string, headers: readonly Field[], content: Uint8Array): Uint8Array {
  const request: BhttpRequest = {
    method,
    scheme: "https",
    authority,
    path,
    // The gateway refuses an inner request without a Date near its clock (RFC 9458 §6.5.2).
    headers: [["date", new Date().toUTCString()], ...headers],
    content,
    trailers: [],
  };
  const bytes = encodeRequest(request);
  const out = new Uint8Array(paddedSize(bytes.length));
  out.set(bytes);
  return out;
}

export interface Sealed {
  readonly bytes: Uint8Array;
  readonly context: ClientResponseContext;
}

export function seal(config: KeyConfig, inner: Uint8Array): Sealed {
  const { encapsulatedRequest, context } = encapsulateRequest(config, inner);
  return { bytes: encapsulatedRequest, context };
}

/** The relay's endpoints for a relay base URL such as `http://127.0.0.1:8080`. */
export function relayEndpoints(relayUrl: string): { readonly origin: string; readonly relayPath: string; readonly keysUrl: string } {
  const base = new URL(relayUrl);
  const prefix = base.pathname.replace(/\/+$/, "");
  return { origin: base.origin, relayPath: `${prefix}/relay`, keysUrl: `${base.origin}${prefix}/ohttp-keys` };
}

export async function fetchKeyConfigs(relayUrl: string): Promise<Uint8Array> {
  const res = await fetch(relayEndpoints(relayUrl).keysUrl);
  if (!res.ok) throw new Error(`GET ohttp-keys from the relay: ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  firstKeyConfig(bytes);
  return bytes;
}

export function firstKeyConfig(keys: Uint8Array): KeyConfig {
  const config = decodeKeyConfigs(keys)[0];
  if (config === undefined) throw new Error("the relay published no key configuration");
  return config;
}

/** Outcome of one exchange, before the scenario judges the inner answer. */
export type Exchange = { readonly ok: true; readonly response: BhttpResponse } | { readonly ok: false; readonly outcome: string };

/** Outcomes that name a request shed by a hop at its limit; reported apart from failures. */
export const SHED_PREFIX = "shed: ";

/** The problems a hop answers when it sheds (service-kit's shed.ts; the issuer's full signer queue). */
const SHED_TYPES: ReadonlySet<string> = new Set([OVERLOADED_PROBLEM.type, problemType("issuer-overloaded")]);

const PROBLEM_NAME = /^tag:oblivious-services,2026:problem\/([a-z0-9-]{1,64})$/;

/** The `type` of a problem+json answer, or undefined. */
function problemTypeOf(contentType: string | undefined, body: Uint8Array): string | undefined {
  if (contentType?.split(";")[0]?.trim().toLowerCase() !== PROBLEM_MEDIA_TYPE) return undefined;
  try {
    const problem: unknown = JSON.parse(new TextDecoder().decode(body));
    const type = typeof problem === "object" && problem !== null ? (problem as { type?: unknown }).type : undefined;
    return typeof type === "string" ? type : undefined;
  } catch {
    return undefined;
  }
}

/** Whether an answer is a hop's refusal at its limit: 503 with one of SHED_TYPES as its problem. */
export function isShedAnswer(status: number, contentType: string | undefined, body: Uint8Array): boolean {
  return status === 503 && SHED_TYPES.has(problemTypeOf(contentType, body) ?? "");
}

/**
 * The outcome of an answer that is not a success: `<where> <status>`, with the project problem's
 * name for a 5xx (`inner 503 token-check-unavailable`), which tells one unavailability from another;
 * `shed: ` first for a refusal at a limit.
 */
export function failureOutcome(where: "relay" | "inner", status: number, contentType: string | undefined, body: Uint8Array): string {
  if (isShedAnswer(status, contentType, body)) return `${SHED_PREFIX}${where} ${status}`;
  const name = status >= 500 ? PROBLEM_NAME.exec(problemTypeOf(contentType, body) ?? "")?.[1] : undefined;
  return name === undefined ? `${where} ${status}` : `${where} ${status} ${name}`;
}

/** Turns the relay's answer into the inner response, or the name of what went wrong. */
export function openAnswer(context: ClientResponseContext, status: number, contentType: string | undefined, body: Uint8Array): Exchange {
  if (status !== 200) return { ok: false, outcome: failureOutcome("relay", status, contentType, body) };
  if (contentType !== OHTTP_RESPONSE) return { ok: false, outcome: "relay content-type" };
  try {
    return { ok: true, response: decodeResponse(context.decapsulateResponse(body)) };
  } catch {
    return { ok: false, outcome: "undecryptable" };
  }
}

/** One exchange with fetch, for the calls made before the clock starts. */
export async function exchangeOnce(relayUrl: string, config: KeyConfig, inner: Uint8Array): Promise<Exchange> {
  const { origin, relayPath } = relayEndpoints(relayUrl);
  const sealed = seal(config, inner);
  const res = await fetch(`${origin}${relayPath}`, { method: "POST", headers: { "content-type": OHTTP_REQUEST }, body: sealed.bytes });
  const body = new Uint8Array(await res.arrayBuffer());
  return openAnswer(sealed.context, res.status, res.headers.get("content-type") ?? undefined, body);
}

export function header(response: BhttpResponse, name: string): string | undefined {
  const lower = name.toLowerCase();
  const values = response.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  return values.length === 0 ? undefined : values.join(", ");
}

/**
 * The origin's token challenge (RFC 9577 §2.1): a request without a token is answered 401 with
 * `WWW-Authenticate: PrivateToken challenge=..., token-key=...`. `method`, `path` and `body` make
 * the probe a real request of the scenario, so it reaches the token check.
 */
export async function probeChallenge(relayUrl: string, config: KeyConfig, authority: string, path: string, body: Uint8Array): Promise<PrivateTokenChallenge> {
  const inner = encodeInner(authority, "POST", path, [["content-type", "application/json"]], body);
  const answer = await exchangeOnce(relayUrl, config, inner);
  if (!answer.ok) throw new Error(`token challenge of ${authority}: ${answer.outcome}`);
  const www = header(answer.response, "www-authenticate");
  if (answer.response.status !== 401 || www === undefined) throw new Error(`token challenge of ${authority}: expected 401 with WWW-Authenticate, got ${answer.response.status}`);
  const challenge = parseWwwAuthenticate(www)[0];
  if (challenge === undefined) throw new Error(`token challenge of ${authority}: no PrivateToken challenge`);
  return challenge;
}

/** The issuer directory through the relay (RFC 9578 §4), the same bytes every client gets. */
export async function fetchDirectory(relayUrl: string, config: KeyConfig, issuerAuthority: string): Promise<IssuerDirectory> {
  const inner = encodeInner(issuerAuthority, "GET", ISSUER_DIRECTORY_PATH, [], new Uint8Array(0));
  const answer = await exchangeOnce(relayUrl, config, inner);
  if (!answer.ok) throw new Error(`issuer directory: ${answer.outcome}`);
  if (answer.response.status !== 200) throw new Error(`issuer directory: inner status ${answer.response.status}`);
  return decodeIssuerDirectory(new TextDecoder().decode(answer.response.content));
}

/** The key a client uses: the first type 0x0002 key whose not-before has passed (RFC 9578 §4). */
export function currentTokenKey(directory: IssuerDirectory, nowMs: number): Uint8Array {
  const key = directory.tokenKeys.find((k) => k.tokenType === TokenType.BlindRsa2048 && (k.notBefore ?? 0) * 1000 <= nowMs);
  if (key === undefined) throw new Error("the issuer directory lists no usable key");
  return key.tokenKey;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
