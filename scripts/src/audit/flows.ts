/**
 * Every flow of docs/design.md, driven as a client would, from the canary client address and with
 * identifying client headers on every request a real device's HTTP stack might add: discovery,
 * issuance, a search, telemetry (with an undeclared device field and free text, which the
 * service must drop), and the error paths (bad bytes to the relay, a bad credential to the
 * issuer, bad input to each backend).
 */
import { randomBytes } from "node:crypto";
import { createClient, type Client } from "@oblivious/client";
import { createDevAttester } from "@oblivious/issuer/dev";
import { Agent, fetch as undiciFetch } from "undici";
import type { CanaryKind } from "./contract.js";

export interface FlowOptions {
  readonly relayUrl: string;
  readonly issuerUrl: string;
  readonly devDir: string;
  readonly canaries: Readonly<Record<Exclude<CanaryKind, "token" | "arc_credential">, string>>;
}

export interface FlowStep {
  readonly flow: string;
  /** The status the client got (the inner one for calls through the gateway). */
  readonly status: number;
  readonly expected: number;
}

export interface FlowReport {
  readonly steps: FlowStep[];
  /** Canaries the client itself handed to the relay and to the issuer (they may receive them). */
  readonly sentToRelay: readonly CanaryKind[];
  readonly sentToIssuer: readonly CanaryKind[];
  /** Every request line, header and body the client sent the issuer directly. */
  readonly sentToIssuerBytes: Buffer;
  /** Each ARC credential exchange (request and response bodies), and the values that betray it. */
  readonly arcCredentials: readonly { readonly request: Uint8Array; readonly response: Uint8Array; readonly related: readonly Uint8Array[] }[];
  /** Whether a real search found stickers (the path works, so silence elsewhere means something). */
  readonly searchHits: number;
  /** The KEM of the gateway key the client sealed to: X-Wing when the gateway lists it. */
  readonly kem: string | undefined;
}

interface IssuerExchange {
  readonly contentType: string;
  readonly request: Uint8Array;
  readonly response: Uint8Array;
}

/** fetch from the canary address, with the headers a device's HTTP stack or a proxy might add; what goes to `issuerUrl` is recorded. */
function identifyingFetch(
  canaries: FlowOptions["canaries"],
  issuerUrl: string,
): { fetch: typeof globalThis.fetch; close: () => Promise<void>; sent: Buffer[]; exchanges: IssuerExchange[] } {
  const sent: Buffer[] = [];
  const exchanges: IssuerExchange[] = [];
  const agent = new Agent({ connect: { localAddress: canaries.client_ip } });
  const identifying: Record<string, string> = {
    "user-agent": `Messenger/1.0 (${canaries.client_header})`,
    "x-client-id": canaries.client_header,
    "x-forwarded-for": canaries.client_ip,
    cookie: `session=${canaries.client_header}`,
  };
  const wrapped = async (input: Parameters<typeof globalThis.fetch>[0], init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" || input instanceof URL ? input.toString() : input.url;
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(identifying)) if (!headers.has(name)) headers.set(name, value);
    const body = init?.body === undefined || init.body === null ? undefined : (init.body as Uint8Array);
    const res = await undiciFetch(url, {
      method: init?.method ?? "GET",
      headers: Object.fromEntries(headers.entries()),
      ...(body === undefined ? {} : { body }),
      dispatcher: agent,
    });
    const answer = new Uint8Array(await res.arrayBuffer());
    if (url.startsWith(issuerUrl)) {
      const head = [`${init?.method ?? "GET"} ${url}`, ...[...headers.entries()].map(([n, v]) => `${n}: ${v}`)].join("\r\n");
      sent.push(Buffer.from(`${head}\r\n\r\n`, "latin1"), Buffer.from(body ?? new Uint8Array(0)));
      exchanges.push({ contentType: headers.get("content-type") ?? "", request: Uint8Array.from(body ?? []), response: answer });
    }
    return new Response(res.body === null ? null : answer, { status: res.status, headers: Object.fromEntries(res.headers.entries()) });
  };
  return { fetch: wrapped as typeof globalThis.fetch, close: () => agent.close(), sent, exchanges };
}

export async function driveFlows(options: FlowOptions): Promise<FlowReport> {
  const { canaries } = options;
  const attester = await createDevAttester(options.devDir);
  const http = identifyingFetch(canaries, options.issuerUrl);
  const steps: FlowStep[] = [];
  const step = (flow: string, status: number, expected: number): void => {
    steps.push({ flow, status, expected });
  };
  try {
    const client: Client = createClient({
      relayUrl: options.relayUrl,
      issuerUrl: options.issuerUrl,
      credential: () => attester.mint(canaries.device_id, 600, { account: canaries.account_id }),
      fetch: http.fetch,
      batchSize: 4,
    });
    // Discovery through the relay: the key configuration and the issuer directory.
    await client.directory();
    step("discovery: keys and issuer directory through the relay", 200, 200);

    // Issuance (the first search's 401 tops the wallet up) and a search for the canary query.
    const canarySearch = await client.searchStickers({ q: canaries.query, locale: "en" });
    step("search: the canary query (no sticker matches it)", canarySearch.hits.length === 0 ? 200 : 0, 200);
    const real = await client.searchStickers({ q: "cat", locale: "en", limit: 5 });
    step("search: a real query", real.hits.length > 0 ? 200 : 0, 200);

    // Telemetry: a declared event, plus undeclared identifier-like fields and free text, which the
    // service must drop. (Their values are the telemetry canary: a device never sends its real
    // device or account id here, and the telemetry service must never receive one.)
    const telemetry = await client.sendTelemetry([
      { type: "app.start", platform: "android", version_major: 7, cold: true, device_id: canaries.telemetry_text, note: canaries.telemetry_text },
      { type: "sticker_search.result", outcome: canaries.telemetry_text, latency_ms: 42, account: canaries.telemetry_text },
      { type: canaries.telemetry_text, platform: "ios" },
    ]);
    step("telemetry: one valid event, undeclared fields and free text dropped", telemetry.status, 200);

    // Error paths.
    const badSearch = await client.fetch("https://sticker-search.internal", {
      method: "POST",
      path: "/v1/search",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ q: canaries.query, locale: "xx-canary", limit: 5 }),
    });
    step("search: an unknown locale", badSearch.status, 422);
    const badBatch = await client.fetch("https://telemetry.internal", {
      method: "POST",
      path: "/v1/events",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ events: canaries.telemetry_text }),
    });
    step("telemetry: a malformed batch", badBatch.status, 422);
    const garbage = await http.fetch(`${options.relayUrl}/relay`, {
      method: "POST",
      headers: { "content-type": "message/ohttp-req" },
      body: randomBytes(64),
    });
    step("relay: bytes that are no encapsulated request", garbage.status, 400);
    const badCredential = await http.fetch(`${options.issuerUrl}/token-request`, {
      method: "POST",
      headers: { "content-type": "application/private-token-request", authorization: `Bearer ${canaries.device_id}.${canaries.account_id}.x` },
      body: new Uint8Array(0),
    });
    step("issuer: a credential that is not a valid JWT", badCredential.status, 401);
    await client.idle();
    // ARC: the client fetched one credential per token-gated origin (npm start gives each its own ARC key).
    const arc = http.exchanges.filter((e) => e.contentType === "application/private-credential-request" && e.response.length === 454);
    step(`issuance: ${arc.length} ARC credential(s), one per token-gated origin`, arc.length === 2 && client.stats().credentialsIssued === 2 ? 200 : 0, 200);
    return {
      steps,
      sentToRelay: ["client_ip", "client_header"],
      sentToIssuer: ["client_ip", "client_header", "device_id", "account_id"],
      sentToIssuerBytes: Buffer.concat(http.sent),
      // Request: token_type 2 | key id 1 | m1Enc 33 | m2Enc 33 | proof; response: U 33 | encUPrime 33 | ...
      arcCredentials: arc.map((e) => ({
        request: e.request,
        response: e.response,
        related: [e.request.slice(3, 36), e.request.slice(36, 69), e.response.slice(0, 33), e.response.slice(33, 66)],
      })),
      searchHits: real.hits.length,
      kem: client.kem,
    };
  } finally {
    await http.close();
  }
}
