/**
 * A load worker thread: it holds its share of tokens and blinded issuance requests, seals
 * requests ahead of their due time, sends them, and opens and verifies the answers with the
 * response contexts it kept. In direct mode it sends the same calls, with the same tokens, as
 * plain HTTP to the origins. Nothing secret or per-request leaves it but measurements.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Response as BhttpResponse } from "@oblivious/bhttp";
import { chooseConfig, encodeInner, seal, type Exchange, type Sealed } from "./oblivious.js";
import { blindIssuances, mintTokens, type MintContext } from "./mint.js";
import { runGenerator, type Prepared } from "./generator.js";
import { isTokenKind, type RequestKind, type TokenKind } from "./plan.js";
import {
  issuanceRequest,
  searchCall,
  telemetryCall,
  verifyIssuance,
  verifySearch,
  verifyTelemetry,
  type PreparedIssuance,
  type Verdict,
} from "./scenarios.js";
import { createTransport } from "./transport.js";
import { createDirectTransport, type DirectCall } from "./direct.js";
import type { FromWorker, ToWorker, WorkerInit, WorkerReplies, WorkerRequest } from "./protocol.js";

function requireParent(): NonNullable<typeof parentPort> {
  if (parentPort === null) throw new Error("worker.ts runs as a worker thread");
  return parentPort;
}
const port = requireParent();
const init = workerData as WorkerInit;
const { config } = chooseConfig(init.keys, init.kem);
const transport = createTransport(init.relayUrl, init.connections, init.timeoutMs);
const direct = createDirectTransport(init.connections, init.timeoutMs);
const mintContext: MintContext = { transport, config, issuerAuthority: init.authorities.issuer, tokenKey: init.tokenKey };

const tokens: Record<TokenKind, string[]> = { search: [], telemetry: [] };
const issuances: PreparedIssuance[] = [];

function judged(exchange: Exchange, verify: (response: BhttpResponse) => Verdict | Promise<Verdict>): Verdict | Promise<Verdict> {
  return exchange.ok ? verify(exchange.response) : exchange.outcome;
}

/** What a run sends: sealed bytes for the relay, or a plain call for an origin (direct mode). */
type Message = { readonly via: "relay"; readonly sealed: Sealed } | { readonly via: "direct"; readonly call: DirectCall };

function prepare(k: number, kind: RequestKind): Prepared<Message> | undefined {
  if (isTokenKind(kind)) {
    const authorization = tokens[kind].pop();
    if (authorization === undefined) return undefined;
    const call = kind === "search" ? searchCall(k, authorization, init.searchQueries) : telemetryCall(k, authorization);
    const verify = (r: BhttpResponse): Verdict => (kind === "search" ? verifySearch(k, r, init.searchQueries) : verifyTelemetry(k, r));
    const origin = init.direct[kind];
    const message: Message =
      origin === undefined
        ? { via: "relay", sealed: seal(config, encodeInner(init.authorities[kind], call.method, call.path, call.headers, call.content)) }
        : { via: "direct", call: { origin, request: call } };
    return { kind, message, verify: async (exchange) => judged(exchange, verify) };
  }
  const issuance = issuances.pop();
  if (issuance === undefined) return undefined;
  return { kind, message: { via: "relay", sealed: seal(config, issuanceRequest(init.authorities, issuance)) }, verify: async (exchange) => judged(exchange, (r) => verifyIssuance(issuance, r)) };
}

async function handle(request: WorkerRequest): Promise<WorkerReplies[keyof WorkerReplies]> {
  switch (request.op) {
    case "mint": {
      const challenge = init.challenges[request.kind];
      if (challenge === undefined) throw new Error(`no token challenge for ${request.kind}`);
      const minted = await mintTokens(mintContext, challenge, request.grants, request.batch);
      tokens[request.kind].push(...minted);
      return { minted: minted.length };
    }
    case "blind": {
      const blinded = await blindIssuances(init.tokenKey, request.credentials, request.size);
      issuances.push(...blinded);
      return { blinded: blinded.length };
    }
    case "stock":
      return { search: tokens.search.length, telemetry: tokens.telemetry.length, issuance: issuances.length };
    case "run":
      return runGenerator(request.plan, {
        prepare,
        send: (message) => (message.via === "relay" ? transport.send(message.sealed) : direct.send(message.call)),
        progress: (completed, ok) => port.postMessage({ progress: { completed, ok } } satisfies FromWorker),
      });
  }
}

port.on("message", (message: ToWorker) => {
  if ("close" in message) {
    void Promise.all([transport.close(), direct.close()]).finally(() => port.close());
    return;
  }
  handle(message.request).then(
    // Results are copied, not transferred: a few MB at most, once per run.
    (value) => port.postMessage({ id: message.id, ok: true, value } satisfies FromWorker),
    (e: unknown) => port.postMessage({ id: message.id, ok: false, error: e instanceof Error ? e.message : String(e) } satisfies FromWorker),
  );
});
