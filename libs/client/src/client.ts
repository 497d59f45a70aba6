/**
 * The client a messenger app embeds (docs/design.md, "Flows"): it pins the gateway's key
 * configuration and the issuer directory, both fetched through the relay; keeps a wallet of
 * tokens per (challenge, token key), topped up in batches from the issuer with the device
 * credential; and makes feature calls as Binary HTTP requests, padded and encapsulated with a
 * fresh HPKE context each, posted to the relay.
 *
 * Retries, each at most once per call: a fresh request with the gateway's clock after its `date`
 * problem (RFC 9458 Section 6.5.2), a key refresh after its `ohttp-key` problem (Section 5.3),
 * and a new token after a 401 carrying a PrivateToken challenge (RFC 9577 Section 2.1). Every
 * attempt takes its own token: a token that has left the device is never sent again.
 */
import type { ArcPresenter, ChallengeOffer, ClientBackend, Directory, DirectoryKey, Field, InnerRequest, InnerResponse, KemName, OhttpSealer } from "./backend.js";
import { ClientError, ClientErrorCode, withProblem } from "./errors.js";
import {
  DATE_PROBLEM_TYPE,
  ISSUER_DIRECTORY_PATH,
  MediaType,
  OHTTP_KEY_PROBLEM_SUFFIX,
  bytesEqual,
  essence,
  fieldValue,
  hex,
  httpDate,
  paddedLength,
  parseHttpDate,
  problemType,
  retryAfterSeconds,
} from "./http.js";
import type { Client, ClientOptions } from "./api.js";
import { checkInit, invalid, parseOrigin, response, type ClientResponse, type FetchInit, type Target } from "./call.js";
import { searchStickers, sendTelemetry } from "./features.js";
import { Wallet } from "./wallet.js";
import { ArcWallet, arcOffer, listsArcKey } from "./arc-wallet.js";

export type { Client, ClientOptions, ClientStats } from "./api.js";
export type { ClientResponse, FetchInit } from "./call.js";

const DEFAULT_DIRECTORY_ORIGIN = "https://issuer.internal";
/** draft-ietf-privacypass-arc-protocol, "Media Types". */
const ARC_MEDIA_TYPES = { request: "application/private-credential-request", response: "application/private-credential-response" } as const;
const EMPTY = new Uint8Array(0);

interface OriginState {
  readonly offer: ChallengeOffer;
  readonly walletKey: string;
}

/** RFC 9578 Section 4: the first type 0x0002 key whose not-before has passed. */
function currentKey(directory: Directory, nowMs: number): DirectoryKey | undefined {
  return directory.tokenKeys.find((k) => k.tokenType === 0x0002 && (k.notBefore === undefined || k.notBefore * 1000 <= nowMs));
}

/** Builds a client on a given backend; `createClient` from the package entries picks one. */
export function createClientWith(backend: ClientBackend, options: ClientOptions): Client {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const deviceNow = options.now ?? Date.now;
  const relayUrl = options.relayUrl.replace(/\/+$/, "");
  const issuerUrl = options.issuerUrl.replace(/\/+$/, "");
  const directoryTarget = parseOrigin(options.directoryOrigin ?? DEFAULT_DIRECTORY_ORIGIN);
  const batchSize = options.batchSize ?? 8;
  const lowWater = options.lowWater ?? 2;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 256) throw invalid("batchSize");
  if (!Number.isInteger(lowWater) || lowWater < 0) throw invalid("lowWater");

  const stats = { keyFetches: 0, directoryFetches: 0, relayRequests: 0, dateRetries: 0, keyRetries: 0, challengeRetries: 0, challengeProbes: 0, issuanceRequests: 0, tokensIssued: 0, credentialsIssued: 0, tokensSent: 0 };
  let clockOffsetMs = 0;
  let sealer: Promise<OhttpSealer> | undefined;
  let kem: KemName | undefined;
  let directory: Promise<Directory> | undefined;
  const origins = new Map<string, OriginState>();
  const wallets = new Map<string, Wallet | ArcWallet>();
  const tokenType = options.tokenType;
  if (tokenType !== undefined && tokenType !== "arc" && tokenType !== "2") throw invalid("tokenType");
  const now = (): number => deviceNow() + clockOffsetMs;

  async function send(url: string, init: RequestInit): Promise<Response> {
    // No cookies, no referrer: nothing about the app or its user rides along (RFC 9458 Section 6.1).
    // No HTTP cache: a key refresh must reach the relay (node's types lack `cache`; browsers honour it).
    const full: RequestInit & { readonly cache: "no-store" } = { ...init, credentials: "omit", referrerPolicy: "no-referrer", cache: "no-store" };
    try {
      return await fetchImpl(url, full);
    } catch (cause) {
      throw new ClientError(ClientErrorCode.Network, undefined, { cause });
    }
  }

  /** Single flight that forgets a failure, so the next call tries again. */
  function once<T>(current: Promise<T> | undefined, make: () => Promise<T>, store: (p: Promise<T> | undefined) => void): Promise<T> {
    if (current !== undefined) return current;
    const p = make();
    store(p);
    p.catch(() => store(undefined));
    return p;
  }

  async function fetchKeys(): Promise<OhttpSealer> {
    stats.keyFetches++;
    const answer = await send(`${relayUrl}/ohttp-keys`, { method: "GET", headers: { accept: MediaType.OhttpKeys } });
    const body = new Uint8Array(await answer.arrayBuffer());
    if (answer.status !== 200 || essence(answer.headers.get("content-type")) !== MediaType.OhttpKeys) {
      throw new ClientError(ClientErrorCode.KeysUnavailable, undefined, { status: answer.status });
    }
    try {
      const imported = await backend.importKeys(body);
      kem = imported.kem;
      return imported;
    } catch (cause) {
      throw new ClientError(ClientErrorCode.KeysUnavailable, "no usable configuration", { cause });
    }
  }

  const keys = (): Promise<OhttpSealer> => once(sealer, fetchKeys, (p) => (sealer = p));

  /**
   * One inner request through relay and gateway, with at most one key refresh and one date
   * retry. `authorization` is asked for once per attempt, so every attempt carries its own token.
   */
  async function exchange(target: Target, init: FetchInit, authorization?: () => Promise<string>): Promise<InnerResponse> {
    const { method, fields } = checkInit(init);
    const content = typeof init.body === "string" ? new TextEncoder().encode(init.body) : (init.body ?? EMPTY);
    let dateRetried = false;
    let keyRetried = false;
    for (;;) {
      const pinned = keys();
      const current = await pinned;
      const headers: Field[] = [["date", httpDate(now())]];
      if (authorization !== undefined) {
        headers.push(["authorization", await authorization()]);
        stats.tokensSent++;
      }
      const request: InnerRequest = { method, scheme: target.scheme, authority: target.authority, path: init.path, headers: [...headers, ...fields], content };
      let encoded: Uint8Array;
      try {
        encoded = backend.encodeRequest(request);
      } catch (cause) {
        throw new ClientError(ClientErrorCode.InvalidArgument, "request", { cause });
      }
      // Padding: zero bytes after the message (RFC 9292 Section 3.8), up to the size bucket.
      const padded = new Uint8Array(paddedLength(encoded.length));
      padded.set(encoded);
      const sealed = await current.seal(padded);
      stats.relayRequests++;
      const answer = await send(`${relayUrl}/relay`, {
        method: "POST",
        headers: { "content-type": MediaType.OhttpRequest, accept: MediaType.OhttpResponse },
        body: sealed.encapsulatedRequest,
      });
      const body = new Uint8Array(await answer.arrayBuffer());
      const contentType = answer.headers.get("content-type");
      if (answer.status !== 200) {
        const type = problemType(contentType, body);
        const keyProblem = (answer.status === 400 || answer.status === 422) && type?.endsWith(OHTTP_KEY_PROBLEM_SUFFIX) === true;
        if (keyProblem && !keyRetried) {
          keyRetried = true;
          stats.keyRetries++;
          if (sealer === pinned) sealer = undefined;
          continue;
        }
        throw new ClientError(keyProblem ? ClientErrorCode.KeyRejected : ClientErrorCode.RelayFailed, undefined, withProblem(answer.status, contentType, body));
      }
      if (essence(contentType) !== MediaType.OhttpResponse) throw new ClientError(ClientErrorCode.InvalidResponse, "content type");
      let inner: InnerResponse;
      try {
        inner = backend.decodeResponse(await sealed.open(body));
      } catch (cause) {
        throw new ClientError(ClientErrorCode.InvalidResponse, "encapsulated response", { cause });
      }
      if (inner.status === 400 && problemType(fieldValue(inner.headers, "content-type"), inner.content) === DATE_PROBLEM_TYPE) {
        const gatewayMs = parseHttpDate(fieldValue(inner.headers, "date"));
        if (dateRetried || gatewayMs === undefined) throw new ClientError(ClientErrorCode.DateRejected, undefined, { status: 400 });
        dateRetried = true;
        stats.dateRetries++;
        clockOffsetMs = gatewayMs - deviceNow();
        continue;
      }
      return inner;
    }
  }

  async function fetchDirectory(): Promise<Directory> {
    stats.directoryFetches++;
    const inner = await exchange(directoryTarget, { method: "GET", path: ISSUER_DIRECTORY_PATH, headers: { accept: MediaType.IssuerDirectory } });
    if (inner.status !== 200) throw new ClientError(ClientErrorCode.DirectoryFailed, undefined, { status: inner.status });
    try {
      return backend.decodeDirectory(new TextDecoder().decode(inner.content));
    } catch (cause) {
      throw new ClientError(ClientErrorCode.DirectoryFailed, "malformed", { cause });
    }
  }

  function pinnedDirectory(refresh = false): Promise<Directory> {
    if (refresh) directory = undefined;
    return once(directory, fetchDirectory, (p) => (directory = p));
  }

  /** One issuance request with the device credential; the answer's body, or the ClientError for its status. */
  async function postIssuer(contentType: string, accept: string, requestBody: Uint8Array): Promise<Uint8Array> {
    const credential = await options.credential();
    stats.issuanceRequests++;
    const answer = await send(`${issuerUrl}/token-request`, {
      method: "POST",
      headers: { "content-type": contentType, accept, authorization: `Bearer ${credential}` },
      body: requestBody,
    });
    const body = new Uint8Array(await answer.arrayBuffer());
    if (answer.status === 429) {
      const retryAfter = retryAfterSeconds(answer.headers.get("retry-after"), now());
      const details = withProblem(429, answer.headers.get("content-type"), body);
      throw new ClientError(ClientErrorCode.RateLimited, undefined, retryAfter === undefined ? details : { ...details, retryAfterSeconds: retryAfter });
    }
    const answerType = answer.headers.get("content-type");
    if (answer.status === 401) throw new ClientError(ClientErrorCode.CredentialRejected, undefined, withProblem(401, answerType, body));
    if (answer.status !== 200 || essence(answerType) !== accept) {
      throw new ClientError(ClientErrorCode.IssuanceFailed, undefined, withProblem(answer.status, answerType, body));
    }
    return body;
  }

  /** One ARC credential for an offer (arc-wallet.ts). */
  async function issueCredential(offer: ChallengeOffer, limit: number): Promise<ArcPresenter> {
    const arc = backend.arc;
    if (arc === undefined) throw new ClientError(ClientErrorCode.UntrustedChallenge, "no ARC");
    let pending;
    try {
      pending = await arc.beginCredential(offer.challenge, offer.tokenKey, limit);
    } catch (cause) {
      throw new ClientError(ClientErrorCode.UntrustedChallenge, undefined, { cause });
    }
    const body = await postIssuer(ARC_MEDIA_TYPES.request, ARC_MEDIA_TYPES.response, pending.body);
    try {
      const presenter = pending.finalize(body);
      stats.credentialsIssued++;
      return presenter;
    } catch (cause) {
      throw new ClientError(ClientErrorCode.IssuanceFailed, "finalize", { cause });
    }
  }

  async function issue(target: Target, offer: ChallengeOffer): Promise<Uint8Array[]> {
    let pending;
    try {
      pending = await backend.beginBatch(offer.challenge, offer.tokenKey, target.originName, batchSize);
    } catch (cause) {
      throw new ClientError(ClientErrorCode.UntrustedChallenge, undefined, { cause });
    }
    const body = await postIssuer(MediaType.BatchedTokenRequest, MediaType.BatchedTokenResponse, pending.body);
    let tokens: Uint8Array[];
    try {
      tokens = await pending.finalize(body);
    } catch (cause) {
      throw new ClientError(ClientErrorCode.IssuanceFailed, "finalize", { cause });
    }
    if (tokens.length === 0) throw new ClientError(ClientErrorCode.IssuanceFailed, "no tokens");
    stats.tokensIssued += tokens.length;
    return tokens;
  }

  /** Picks the offer under the directory's current key (refreshing the pin once) and its wallet. */
  async function adopt(target: Target, offers: readonly ChallengeOffer[]): Promise<OriginState> {
    const arc = backend.arc;
    const arcChoice = tokenType === "2" || arc === undefined ? undefined : arcOffer(offers, (c) => arc.accepts(c, target.originName));
    if (tokenType === "arc" && arcChoice === undefined) throw new ClientError(ClientErrorCode.UntrustedChallenge, "no ARC challenge");
    for (const refresh of [false, true]) {
      const dir = await pinnedDirectory(refresh);
      let offer: ChallengeOffer | undefined;
      let make: () => Wallet | ArcWallet;
      if (arcChoice !== undefined && listsArcKey(dir, arcChoice.tokenKey, now())) {
        const chosen = arcChoice;
        // The origin's type-2 offer under the current key: the fallback when the issuer refuses a credential.
        const key = tokenType === "arc" ? undefined : currentKey(dir, now());
        const type2 = key === undefined ? undefined : offers.find((o) => bytesEqual(o.tokenKey, key.tokenKey));
        offer = chosen;
        make = () => new ArcWallet(() => issueCredential(chosen, chosen.rateLimit ?? 0), type2 === undefined ? undefined : () => new Wallet(() => issue(target, type2), lowWater));
      } else {
        if (tokenType === "arc") continue;
        const key = currentKey(dir, now());
        const found = key === undefined ? undefined : offers.find((o) => bytesEqual(o.tokenKey, key.tokenKey));
        offer = found;
        make = () => new Wallet(() => issue(target, found as ChallengeOffer), lowWater);
      }
      if (offer === undefined) continue;
      const walletKey = `${hex(offer.challenge)}.${hex(offer.tokenKey)}`;
      if (!wallets.has(walletKey)) wallets.set(walletKey, make());
      const previous = origins.get(target.key);
      const state = { offer, walletKey };
      origins.set(target.key, state);
      if (previous !== undefined && previous.walletKey !== walletKey && ![...origins.values()].some((s) => s.walletKey === previous.walletKey)) {
        wallets.get(previous.walletKey)?.clear();
        wallets.delete(previous.walletKey);
      }
      return state;
    }
    throw new ClientError(ClientErrorCode.UntrustedChallenge, "token key not in the issuer directory");
  }

  function offersOf(header: string): ChallengeOffer[] {
    try {
      return backend.parseChallenges(header);
    } catch (cause) {
      throw new ClientError(ClientErrorCode.UntrustedChallenge, "malformed", { cause });
    }
  }

  async function stateFor(target: Target): Promise<OriginState | undefined> {
    const known = origins.get(target.key);
    if (known !== undefined) return known;
    const configured = options.challenges?.[target.key];
    return configured === undefined ? undefined : adopt(target, offersOf(configured));
  }

  function spender(state: OriginState): () => Promise<string> {
    return async () => {
      const wallet = wallets.get(state.walletKey);
      if (wallet === undefined) throw new ClientError(ClientErrorCode.UntrustedChallenge, "challenge replaced");
      const token = await wallet.take();
      const header = backend.formatAuthorization(token);
      token.fill(0);
      return header;
    };
  }

  /**
   * An origin whose challenge is not known yet is asked for it first with the same method and
   * path but no fields and no content: the caller's request (a query, events) never reaches an
   * origin without a token. Not token-gated (no challenge in the answer): the request goes as is.
   */
  async function learnChallenge(target: Target, init: FetchInit): Promise<OriginState | undefined> {
    checkInit(init);
    stats.challengeProbes++;
    const probe = await exchange(target, { ...(init.method === undefined ? {} : { method: init.method }), path: init.path });
    const header = probe.status === 401 ? fieldValue(probe.headers, "www-authenticate") : undefined;
    const offers = header === undefined ? [] : offersOf(header);
    return offers.length === 0 ? undefined : adopt(target, offers);
  }

  async function clientFetch(origin: string, init: FetchInit): Promise<ClientResponse> {
    const target = parseOrigin(origin);
    let state = (await stateFor(target)) ?? (await learnChallenge(target, init));
    for (let challengeRetried = false; ; challengeRetried = true) {
      const inner = await exchange(target, init, state === undefined ? undefined : spender(state));
      if (inner.status !== 401 || challengeRetried) return response(inner);
      const header = fieldValue(inner.headers, "www-authenticate");
      const offers = header === undefined ? [] : offersOf(header);
      if (offers.length === 0) return response(inner);
      state = await adopt(target, offers);
      stats.challengeRetries++;
    }
  }

  const client: Client = {
    fetch: clientFetch,
    searchStickers: (query) => searchStickers(clientFetch, query),
    sendTelemetry: (events) => sendTelemetry(clientFetch, events),
    directory: () => pinnedDirectory(),
    tokenCount(origin) {
      const state = origins.get(parseOrigin(origin).key);
      return state === undefined ? 0 : (wallets.get(state.walletKey)?.size ?? 0);
    },
    async idle() {
      await Promise.all([...wallets.values()].map((w) => w.idle()));
    },
    get kem() {
      return kem;
    },
    get clockOffsetMs() {
      return clockOffsetMs;
    },
    stats: () => Object.freeze({ ...stats }),
  };
  return client;
}
