/**
 * Type 2 against ARC on the real services, side by side in one run (issue 19, "Show"), on the
 * stack `npm start` runs (each service its own process; sticker-search with its ARC key):
 *
 *  1. Issuer CPU per 1,000 searches: the issuer process's CPU (/proc/PID/stat, all threads) over
 *     `requests` type-2 token requests in batches of 8 (the SDK's default) and over `requests`
 *     ARC credential requests, each over HTTP with a device credential, one at a time, the two
 *     interleaved in rounds. Type 2 needs 125 batches per 1,000 searches, ARC 1,000 / limit
 *     credentials (limit: the origin's rate-limit, TOKEN_ARC_RATE_LIMIT, default 100).
 *  2. An origin's verifications per CPU-second, in this process: token-gate's whole check (parse,
 *     checks, verification, spend in memory) on distinct genuine tokens of each type.
 *  3. The full path's p50 with each: the Node SDK through relay and gateway, one search at a
 *     time, beside a direct call to sticker-search with a token made beforehand, per type, in
 *     `rounds` ABBA pairs. The SDK makes an ARC token (Present) inside the full path's time, so
 *     the client's Present is timed alone in the same run (its p50) and taken off: added p50 =
 *     full - direct - Present for ARC, full - direct for type 2 (its tokens come from the
 *     wallet, topped up every 8 calls); the median over the pairs.
 *  4. Sizes on the wire: issuance request and response per type, the token, and the
 *     encapsulated request per search through the relay.
 *
 * argv: requests rounds searches   (default 40 3 60). The last stdout line is one JSON object.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { createClient, type Client } from "@oblivious/client";
import { createDevAttester } from "@oblivious/issuer/dev";
import {
  ARC_TOKEN_TYPE, ArcMediaType, ArcPresentationState, MediaType, arcChallengeDigest, arcIssuerKeyId, arcPresentationContext, arcRequestContext,
  arcSystemRandom, arcTruncatedIssuerKeyId, beginBatchedTokenRequest, createArcCredentialRequest, decodeArcCredentialResponseMessage,
  decodeArcServerPublicKey, decodeArcTokenChallenge, decodeBatchedTokenResponse, encodeArcCredentialRequestMessage, encodeArcToken,
  encodeBatchedTokenRequest, encodeToken, finalizeArcCredential, formatAuthorization, parseWwwAuthenticate,
} from "@oblivious/privacypass";
import { MemorySpentTokenStore, StaticKeySource, createArcGate, createTokenGate, readArcKeyFile } from "@oblivious/token-gate";
import { startStack, type RunningStack } from "../stack.js";
import { freePort } from "@oblivious/test-kit";

const [requestsText = "40", roundsText = "3", searchesText = "60"] = process.argv.slice(2);
const REQUESTS = Math.max(4, Number(requestsText));
const ROUNDS = Math.max(1, Number(roundsText));
const SEARCHES = Math.max(10, Number(searchesText));
const note = (text: string): boolean => process.stderr.write(`arc-path: ${text}\n`);
const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

interface Offers {
  readonly header: string;
  readonly type2: { readonly challenge: Uint8Array; readonly tokenKey: Uint8Array };
  readonly arc: { readonly challenge: Uint8Array; readonly tokenKey: Uint8Array; readonly limit: number };
}

async function offersOf(searchUrl: string): Promise<Offers> {
  const res = await fetch(`${searchUrl}/v1/search`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  const header = res.headers.get("www-authenticate") ?? "";
  const list = parseWwwAuthenticate(header);
  const type = (c: Uint8Array): number => ((c[0] ?? 0) << 8) | (c[1] ?? 0);
  const type2 = list.find((c) => type(c.challenge) === 2);
  const arc = list.find((c) => type(c.challenge) === ARC_TOKEN_TYPE);
  if (type2 === undefined || arc === undefined || arc.rateLimit === undefined) throw new Error("sticker-search does not offer both token types");
  return { header, type2, arc: { challenge: arc.challenge, tokenKey: arc.tokenKey, limit: arc.rateLimit } };
}

/** Makes tokens of each type straight from the issuer over HTTP, as the SDK does, counting bytes. */
class Minter {
  readonly sizes: Record<string, number> = {};
  constructor(
    readonly issuerUrl: string,
    readonly offers: Offers,
    readonly credential: () => Promise<string>,
  ) {}

  async #post(contentType: string, body: Uint8Array): Promise<Uint8Array> {
    const res = await fetch(`${this.issuerUrl}/token-request`, { method: "POST", headers: { "content-type": contentType, authorization: `Bearer ${await this.credential()}` }, body });
    if (res.status !== 200) throw new Error(`issuer answered ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  /** One batch of 8 type-2 tokens; Authorization values. */
  async batch(): Promise<string[]> {
    const pending = await beginBatchedTokenRequest(8, { challenge: this.offers.type2.challenge, tokenKey: this.offers.type2.tokenKey });
    const body = encodeBatchedTokenRequest(pending.request);
    const answer = await this.#post(MediaType.BatchedTokenRequest, body);
    this.sizes["type2BatchOf8Request"] = body.length;
    this.sizes["type2BatchOf8Response"] = answer.length;
    const tokens = (await pending.finalize(decodeBatchedTokenResponse(answer))).flatMap((t) => (t === undefined ? [] : [encodeToken(t)]));
    this.sizes["type2Token"] = tokens[0]?.length ?? 0;
    return tokens.map((t) => formatAuthorization(t));
  }

  /** One ARC credential; a function giving each next presentation's Authorization value. */
  async credentialFor(): Promise<() => string> {
    const { challenge, tokenKey, limit } = this.offers.arc;
    const decoded = decodeArcTokenChallenge(challenge);
    const publicKey = decodeArcServerPublicKey(tokenKey);
    const keyId = arcIssuerKeyId(publicKey);
    const pending = createArcCredentialRequest(arcRequestContext(decoded, keyId), arcSystemRandom);
    const body = encodeArcCredentialRequestMessage({ truncatedIssuerKeyId: arcTruncatedIssuerKeyId(keyId), request: pending.request });
    const answer = await this.#post(ArcMediaType.CredentialRequest, body);
    this.sizes["arcCredentialRequest"] = body.length;
    this.sizes["arcCredentialResponse"] = answer.length;
    const credential = finalizeArcCredential(pending.secrets, publicKey, pending.request, decodeArcCredentialResponseMessage(answer));
    const state = new ArcPresentationState(credential, arcPresentationContext(decoded, keyId), limit);
    const digest = arcChallengeDigest(challenge);
    return () => {
      const { nonce, presentation } = state.present(arcSystemRandom);
      const token = encodeArcToken({ presentationNonce: nonce, challengeDigest: digest, issuerKeyId: keyId, presentation }, limit);
      this.sizes["arcToken"] = token.length;
      return formatAuthorization(token);
    };
  }
}

/** 1. The issuer's CPU per request of each kind, interleaved rounds. */
async function issuerCpu(pid: number, minter: Minter): Promise<{ type2BatchMs: number; arcCredentialMs: number }> {
  const per = { type2: [] as number[], arc: [] as number[] };
  await minter.batch();
  await minter.credentialFor();
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of round % 2 === 0 ? (["type2", "arc"] as const) : (["arc", "type2"] as const)) {
      const before = cpuSeconds(pid);
      for (let i = 0; i < REQUESTS; i++) await (kind === "type2" ? minter.batch() : minter.credentialFor());
      per[kind].push(((cpuSeconds(pid) - before) * 1000) / REQUESTS);
    }
  }
  return { type2BatchMs: median(per.type2), arcCredentialMs: median(per.arc) };
}

/** 2. token-gate's check per CPU-second for each type, on the origin's own keys. */
async function verificationsPerCpuSecond(minter: Minter, arcKeyFile: string, tokenKey: Uint8Array, offers: Offers): Promise<{ type2: number; arc: number }> {
  const store = new MemorySpentTokenStore();
  const arc = createArcGate({ issuerName: "issuer.internal", originInfo: ["sticker-search.internal"], key: readArcKeyFile(arcKeyFile), store, presentationLimit: offers.arc.limit, maxQueuedVerifications: 1_000_000 });
  const gate = createTokenGate({ issuerName: "issuer.internal", originInfo: ["sticker-search.internal"], keys: new StaticKeySource([tokenKey]), store, spendTtlMs: 3_600_000, registry: new Registry(), arc });
  const type2: string[] = [];
  while (type2.length < 400) type2.push(...(await minter.batch()));
  const arcTokens: string[] = [];
  let present = await minter.credentialFor();
  while (arcTokens.length < 60) {
    if (arcTokens.length % offers.arc.limit === offers.arc.limit - 1) present = await minter.credentialFor();
    arcTokens.push(present());
  }
  const rate = async (tokens: readonly string[]): Promise<number> => {
    const before = process.cpuUsage();
    for (const t of tokens) if (!(await gate.check(t)).ok) throw new Error("a genuine token was refused");
    const used = process.cpuUsage(before);
    return tokens.length / ((used.user + used.system) / 1e6);
  };
  return { type2: await rate(type2), arc: await rate(arcTokens) };
}

/** 3. p50 of one search at a time, full path (SDK) and direct, per type, in ABBA pairs. */
async function pathLatency(relayUrl: string, issuerUrl: string, searchUrl: string, minter: Minter, credential: () => Promise<string>) {
  const wire: Record<string, number> = {};
  const client = (tokenType: "arc" | "2"): Client =>
    createClient({
      relayUrl,
      issuerUrl,
      credential,
      tokenType,
      batchSize: 8,
      fetch: async (input, init) => {
        const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
        if (url.endsWith("/relay") && init?.body instanceof Uint8Array) wire[`encapsulatedRequest_${tokenType}`] = init.body.length;
        return fetch(input, init);
      },
    });
  const clients = { "2": client("2"), arc: client("arc") };
  const presentMs: number[] = [];
  let arcPresent: (() => string) | undefined;
  let arcUsed = 0;
  /** `n` tokens of a type, made before the timing (ARC: each Present timed on its own). */
  const tokens = async (type: "2" | "arc", n: number): Promise<string[]> => {
    const out: string[] = [];
    while (out.length < n) {
      if (type === "2") {
        out.push(...(await minter.batch()));
        continue;
      }
      if (arcPresent === undefined || arcUsed % minter.offers.arc.limit === 0) arcPresent = await minter.credentialFor();
      arcUsed++;
      const started = performance.now();
      out.push(arcPresent());
      presentMs.push(performance.now() - started);
    }
    return out.slice(0, n);
  };
  const body = JSON.stringify({ q: "cat", locale: "en", limit: 5 });
  const full = async (type: "2" | "arc"): Promise<number> => {
    const started = performance.now();
    await clients[type].searchStickers({ q: "cat", locale: "en", limit: 5 });
    return performance.now() - started;
  };
  const direct = async (authorization: string): Promise<number> => {
    const started = performance.now();
    const res = await fetch(`${searchUrl}/v1/search`, { method: "POST", headers: { "content-type": "application/json", authorization }, body });
    if (res.status !== 200) throw new Error(`direct search answered ${res.status}`);
    await res.arrayBuffer();
    return performance.now() - started;
  };
  const series = async (mode: "full" | "direct", type: "2" | "arc"): Promise<number> => {
    const made = mode === "direct" ? await tokens(type, SEARCHES) : [];
    const times: number[] = [];
    for (let i = 0; i < SEARCHES; i++) times.push(mode === "full" ? await full(type) : await direct(made[i] ?? ""));
    return median(times);
  };
  // Warm-up: keys, directory, a credential and a batch for each.
  for (const type of ["2", "arc"] as const) {
    for (let i = 0; i < 3; i++) await full(type);
    for (const t of await tokens(type, 3)) await direct(t);
  }
  const pairs: Record<"2" | "arc", { full: number; direct: number; added: number }[]> = { "2": [], arc: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const type of round % 2 === 0 ? (["2", "arc"] as const) : (["arc", "2"] as const)) {
      const order: readonly ("full" | "direct")[] = round % 2 === 0 ? ["full", "direct"] : ["direct", "full"];
      const got: Record<string, number> = {};
      for (const mode of order) got[mode] = await series(mode, type);
      const f = got["full"] ?? NaN;
      const d = got["direct"] ?? NaN;
      pairs[type].push({ full: f, direct: d, added: f - d });
    }
  }
  const present = median(presentMs);
  return {
    wire,
    pairs,
    presentP50Ms: present,
    addedP50Ms: { type2: median(pairs["2"].map((p) => p.added)), arc: median(pairs.arc.map((p) => p.added)) - present },
  };
}

async function main(): Promise<void> {
  const devDir = mkdtempSync(join(tmpdir(), "bench-arc-"));
  const port = async (): Promise<string> => String(await freePort());
  const pids = new Map<string, number>();
  let stack: RunningStack | undefined;
  try {
    note("starting the stack");
    stack = await startStack({
      devDir,
      stdio: "ignore",
      env: {
        PATH: process.env["PATH"],
        RELAY_PORT: await port(), RELAY_ADMIN_PORT: await port(), GATEWAY_PORT: await port(), GATEWAY_ADMIN_PORT: await port(),
        ISSUER_PORT: await port(), ISSUER_ADMIN_PORT: await port(), STICKER_SEARCH_PORT: await port(), STICKER_SEARCH_ADMIN_PORT: await port(),
        TELEMETRY_PORT: await port(), TELEMETRY_ADMIN_PORT: await port(),
        ISSUER_QUOTA: "1000000",
        ISSUER_ARC_QUOTA: "1000000",
      },
      onSpawn: (name, child) => {
        if (child.pid !== undefined) pids.set(name, child.pid);
      },
    });
    const url = (name: string): string => stack?.services.find((s) => s.name === name)?.url ?? "";
    const attester = await createDevAttester(devDir);
    let n = 0;
    const credential = (): Promise<string> => attester.mint(`bench-arc-${n++}`, 600);
    const offers = await offersOf(url("sticker-search"));
    const minter = new Minter(url("issuer"), offers, credential);
    note("issuer CPU per request");
    const issuer = await issuerCpu(pids.get("issuer") ?? 0, minter);
    note("verifications per CPU-second");
    const verify = await verificationsPerCpuSecond(minter, join(devDir, "arc-key-sticker-search.DEVELOPMENT-ONLY.txt"), offers.type2.tokenKey, offers);
    note("full path and direct p50");
    const path = await pathLatency(url("relay"), url("issuer"), url("sticker-search"), minter, credential);
    const limit = offers.arc.limit;
    const result = {
      limit,
      requests: REQUESTS,
      rounds: ROUNDS,
      searches: SEARCHES,
      issuer: {
        ...issuer,
        msPer1000SearchesType2: 125 * issuer.type2BatchMs,
        msPer1000SearchesArc: (1000 / limit) * issuer.arcCredentialMs,
        ratio: (125 * issuer.type2BatchMs) / ((1000 / limit) * issuer.arcCredentialMs),
      },
      verificationsPerCpuSecond: verify,
      path,
      sizes: { ...minter.sizes, ...path.wire },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await stack?.stop();
    rmSync(devDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
