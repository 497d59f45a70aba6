/**
 * A load worker thread: it holds its share of tokens and blinded issuance requests, seals
 * requests ahead of their due time, sends them, and opens and verifies the answers with the
 * response contexts it kept. Nothing secret or per-request leaves it but measurements.
 */
import { parentPort, workerData } from "node:worker_threads";
import { firstKeyConfig, type Exchange } from "./oblivious.js";
import { blindIssuances, mintTokens, type MintContext } from "./mint.js";
import { runGenerator, type Prepared } from "./generator.js";
import { isTokenKind, type RequestKind, type TokenKind } from "./plan.js";
import {
  issuanceRequest,
  searchRequest,
  telemetryRequest,
  verifyIssuance,
  verifySearch,
  verifyTelemetry,
  type PreparedIssuance,
  type Verdict,
} from "./scenarios.js";
import { seal } from "./oblivious.js";
import { createTransport } from "./transport.js";
import type { FromWorker, ToWorker, WorkerInit, WorkerReplies, WorkerRequest } from "./protocol.js";

function requireParent(): NonNullable<typeof parentPort> {
  if (parentPort === null) throw new Error("worker.ts runs as a worker thread");
  return parentPort;
}
const port = requireParent();
const init = workerData as WorkerInit;
const config = firstKeyConfig(init.keys);
const transport = createTransport(init.relayUrl, init.connections, init.timeoutMs);
const mintContext: MintContext = { transport, config, issuerAuthority: init.authorities.issuer, tokenKey: init.tokenKey };

const tokens: Record<TokenKind, string[]> = { search: [], telemetry: [] };
const issuances: PreparedIssuance[] = [];

function judged(exchange: Exchange, verify: (response: Extract<Exchange, { ok: true }>["response"]) => Verdict | Promise<Verdict>): Verdict | Promise<Verdict> {
  return exchange.ok ? verify(exchange.response) : exchange.outcome;
}

function prepare(k: number, kind: RequestKind): Prepared | undefined {
  if (isTokenKind(kind)) {
    const authorization = tokens[kind].pop();
    if (authorization === undefined) return undefined;
    const inner = kind === "search" ? searchRequest(init.authorities, k, authorization) : telemetryRequest(init.authorities, k, authorization);
    const verify = kind === "search" ? verifySearch : verifyTelemetry;
    return { kind, sealed: seal(config, inner), verify: async (exchange) => judged(exchange, (r) => verify(k, r)) };
  }
  const issuance = issuances.pop();
  if (issuance === undefined) return undefined;
  return { kind, sealed: seal(config, issuanceRequest(init.authorities, issuance)), verify: async (exchange) => judged(exchange, (r) => verifyIssuance(issuance, r)) };
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
        send: (sealed) => transport.send(sealed),
        progress: (completed, ok) => port.postMessage({ progress: { completed, ok } } satisfies FromWorker),
      });
  }
}

port.on("message", (message: ToWorker) => {
  if ("close" in message) {
    void transport.close().finally(() => port.close());
    return;
  }
  handle(message.request).then(
    // Results are copied, not transferred: a few MB at most, once per run.
    (value) => port.postMessage({ id: message.id, ok: true, value } satisfies FromWorker),
    (e: unknown) => port.postMessage({ id: message.id, ok: false, error: e instanceof Error ? e.message : String(e) } satisfies FromWorker),
  );
});
