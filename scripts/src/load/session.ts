/**
 * A load session: what is set up once (the gateway's keys, each origin's token challenge and the
 * issuer's key, all fetched through the relay; the worker threads) and any number of runs on it.
 * Before each run's clock starts, every worker is topped up with the tokens and blinded issuance
 * requests that run will spend, in parallel, and that time is reported apart from the run.
 *
 * Direct mode (`direct`): the runs send the same calls with the same tokens as plain HTTP to the
 * origins' own URLs instead, the baseline for the cost of relay, gateway and HPKE. Set-up and
 * minting still go through the relay, as a client's would.
 */
import { availableParallelism } from "node:os";
import type { KemName } from "@oblivious/client";
import { decodeTokenChallenge } from "@oblivious/privacypass";
import { chooseConfig, currentTokenKey, fetchDirectory, fetchKeyConfigs, probeChallenge, sameBytes } from "./oblivious.js";
import { WorkerSet } from "./workers.js";
import { REQUEST_KINDS, TOKEN_KINDS, countsFor, isTokenKind, mixOf, scheduledCount, wallNow, zeroCounts, type KindCounts, type LoadShape, type Mix, type RunPlan, type Scenario, type TokenKind } from "./plan.js";
import { EVENTS_PATH, SEARCH_PATH, SEARCH_QUERIES, searchBody, telemetryBody, type Authorities, type SearchQuery } from "./scenarios.js";
import type { CredentialSource } from "./credentials.js";
import type { WorkerRun } from "./generator.js";
import { mergeOutcomes, runResult, type PremintReport, type RunResult, type RunSpec } from "./result.js";

export interface SessionOptions {
  /** The relay's base URL: requests go to `<relay>/relay`, keys come from `<relay>/ohttp-keys`. */
  readonly relayUrl: string;
  /** The gateway key's KEM: X-Wing when the relay lists one, else X25519, unless given. */
  readonly kem?: KemName;
  readonly scenario: Scenario;
  /** Weights for the `mix` scenario. */
  readonly mix?: Mix;
  readonly authorities: Authorities;
  readonly credentials: CredentialSource;
  /** Worker threads (default: one per core, at most 4). */
  readonly workers?: number;
  /** Connections to the relay per worker (default 64). */
  readonly connections?: number;
  /** Tokens per issuance request while minting (default 50; at most the issuer's ISSUER_MAX_BATCH). */
  readonly mintBatch?: number;
  /** Tokens per request of the issuance scenario (default 10). */
  readonly issuanceBatch?: number;
  /** Queries of the search scenario (default SEARCH_QUERIES); each must be answerable by the catalogue served. */
  readonly searchQueries?: readonly SearchQuery[];
  /**
   * Direct mode: each origin's base URL (such as `http://127.0.0.1:8083`), for every token kind
   * the scenario uses; the issuance kind has no direct mode.
   */
  readonly direct?: Readonly<Partial<Record<TokenKind, string>>>;
  /** Deadline of one request, ms (default 15 s). */
  readonly timeoutMs?: number;
  readonly onProgress?: (progress: Progress) => void;
}

export interface Progress {
  readonly phase: "mint" | "warm-up" | "run";
  readonly label: string;
  readonly elapsedMs: number;
  readonly durationMs: number;
  readonly completed: number;
  readonly served: number;
}

/** Margin added to the tokens a concurrency run is provisioned with, so a worker rarely runs dry. */
const BUDGET_PER_SECOND = 400;
const START_DELAY_MS = 300;

export class LoadSession {
  readonly options: SessionOptions;
  readonly mix: Mix;
  /** The KEM of the gateway key every request of this session is sealed to. */
  readonly kem: KemName;
  readonly #workers: WorkerSet;

  private constructor(options: SessionOptions, mix: Mix, workers: WorkerSet, kem: KemName) {
    this.options = options;
    this.mix = mix;
    this.kem = kem;
    this.#workers = workers;
  }

  /** Fetches keys, challenges and the issuer key through the relay, and starts the workers. */
  static async open(options: SessionOptions): Promise<LoadSession> {
    const mix = mixOf(options.scenario, options.mix);
    const searchQueries = options.searchQueries ?? SEARCH_QUERIES;
    if (searchQueries.length === 0) throw new Error("no search queries");
    const direct = options.direct ?? {};
    if (options.direct !== undefined) {
      for (const kind of REQUEST_KINDS) {
        if (mix[kind] <= 0) continue;
        if (!isTokenKind(kind)) throw new Error(`direct mode: the ${kind} scenario has no direct mode`);
        const url = direct[kind];
        if (url === undefined) throw new Error(`direct mode: no URL for the ${kind} origin`);
        // Fails here, with the URL named, rather than in every request of a worker.
        if (!URL.canParse(url)) throw new Error(`direct mode: not a URL: ${url}`);
      }
    }
    const keys = await fetchKeyConfigs(options.relayUrl);
    const { config, kem } = chooseConfig(keys, options.kem);
    const directory = await fetchDirectory(options.relayUrl, config, options.authorities.issuer);
    const tokenKey = currentTokenKey(directory, Date.now());
    const challenges: Partial<Record<TokenKind, Uint8Array>> = {};
    const probes: Record<TokenKind, { authority: string; path: string; body: Uint8Array }> = {
      search: { authority: options.authorities.search, path: SEARCH_PATH, body: searchBody(0, searchQueries) },
      telemetry: { authority: options.authorities.telemetry, path: EVENTS_PATH, body: telemetryBody(0) },
    };
    for (const kind of TOKEN_KINDS) {
      if (mix[kind] <= 0) continue;
      const probe = probes[kind];
      const challenge = await probeChallenge(options.relayUrl, config, probe.authority, probe.path, probe.body);
      // The origin must name the key the issuer signs with now, or no token would verify there.
      if (!sameBytes(challenge.tokenKey, tokenKey)) throw new Error(`${probe.authority} challenges with a token key that is not the issuer's current key`);
      decodeTokenChallenge(challenge.challenge);
      challenges[kind] = challenge.challenge;
    }
    const count = options.workers ?? Math.max(1, Math.min(4, availableParallelism()));
    const workers = new WorkerSet(
      {
        relayUrl: options.relayUrl,
        keys,
        kem,
        authorities: options.authorities,
        tokenKey,
        challenges,
        connections: options.connections ?? 64,
        timeoutMs: options.timeoutMs ?? 15_000,
        searchQueries,
        direct,
      },
      count,
    );
    return new LoadSession(options, mix, workers, kem);
  }

  get workerCount(): number {
    return this.#workers.size;
  }

  /** What each worker needs for a run of `spec` (rate: exact; concurrency: the budget spread by the mix). */
  #needs(spec: RunSpec): KindCounts[] {
    const w = this.#workers.size;
    const runs = [spec.durationMs, spec.warmupMs ?? 0].filter((ms) => ms > 0);
    return Array.from({ length: w }, (_, i) => {
      const need = zeroCounts();
      for (const ms of runs) {
        let counts: KindCounts;
        if (spec.shape.mode === "rate") counts = countsFor(this.mix, scheduledCount(spec.shape.rate, ms), i, w);
        else {
          const budget = Math.ceil(((spec.budget ?? (BUDGET_PER_SECOND * spec.durationMs) / 1000) * ms) / spec.durationMs);
          counts = countsFor(this.mix, budget + w * spec.shape.concurrency, i, w);
        }
        for (const k of REQUEST_KINDS) need[k] += counts[k];
      }
      return need;
    });
  }

  /** Tops every worker up to what `spec` spends. */
  async provision(spec: RunSpec): Promise<PremintReport> {
    const started = performance.now();
    const batch = this.options.mintBatch ?? 50;
    const size = this.options.issuanceBatch ?? 10;
    const needs = this.#needs(spec);
    const stocks = await Promise.all(needs.map((_, i) => this.#workers.request(i, { op: "stock" })));
    let tokens = 0;
    let blindedRequests = 0;
    const jobs: Promise<unknown>[] = [];
    // Credentials are handed out here, in one thread, so no two workers ever share a quota slot.
    for (let i = 0; i < needs.length; i++) {
      const need = needs[i] ?? zeroCounts();
      const stock = stocks[i] ?? zeroCounts();
      for (const kind of TOKEN_KINDS) {
        const missing = need[kind] - stock[kind];
        if (missing <= 0) continue;
        tokens += missing;
        jobs.push(this.options.credentials.grants(missing).then((grants) => this.#workers.request(i, { op: "mint", kind, grants, batch })));
      }
      const missing = need.issuance - stock.issuance;
      if (missing > 0) {
        blindedRequests += missing;
        jobs.push(this.options.credentials.perRequest(missing, size).then((credentials) => this.#workers.request(i, { op: "blind", credentials, size })));
      }
    }
    const ticker = setInterval(() => this.#report("mint", "pre-minting", started, 0), 250);
    try {
      await Promise.all(jobs);
    } finally {
      clearInterval(ticker);
    }
    return { ms: performance.now() - started, tokens, blindedRequests };
  }

  #report(phase: Progress["phase"], label: string, startedAt: number, durationMs: number): void {
    const completed = this.#workers.progress.reduce((s, p) => s + p.completed, 0);
    const served = this.#workers.progress.reduce((s, p) => s + p.ok, 0);
    this.options.onProgress?.({ phase, label, elapsedMs: performance.now() - startedAt, durationMs, completed, served });
  }

  async #execute(shape: LoadShape, durationMs: number, phase: Progress["phase"], label: string): Promise<{ runs: WorkerRun[]; startedAt: number }> {
    const w = this.#workers.size;
    const startAt = wallNow() + START_DELAY_MS;
    this.#workers.resetProgress();
    const localStart = performance.now() + START_DELAY_MS;
    const ticker = setInterval(() => this.#report(phase, label, localStart, durationMs), 250);
    try {
      const runs = await Promise.all(
        Array.from({ length: w }, (_, i) => {
          const concurrency = shape.mode === "concurrency" ? shape.concurrency : 0;
          // Concurrency is split as evenly as it goes; a worker with a share of 0 sends nothing.
          const inFlight = Math.floor(concurrency / w) + (i < concurrency % w ? 1 : 0);
          const plan: RunPlan = { shape, mix: this.mix, startAt, durationMs, index: i, workers: w, inFlight };
          return this.#workers.request(i, { op: "run", plan });
        }),
      );
      return { runs, startedAt: startAt };
    } finally {
      clearInterval(ticker);
      this.#report(phase, label, localStart, durationMs);
    }
  }

  /** Provisions, warms up (if asked), then measures one run. */
  async run(spec: RunSpec): Promise<RunResult> {
    const label = spec.label ?? (spec.shape.mode === "rate" ? `${spec.shape.rate}/s` : `${spec.shape.concurrency} in flight`);
    const premint = await this.provision(spec);
    let warmup: RunResult["warmup"];
    if ((spec.warmupMs ?? 0) > 0) {
      const w = await this.#execute(spec.shape, spec.warmupMs ?? 0, "warm-up", label);
      const r = mergeOutcomes(w.runs);
      warmup = { sent: r.sent, served: r.served, errorsByOutcome: r.errorsByOutcome };
    }
    const { runs, startedAt } = await this.#execute(spec.shape, spec.durationMs, "run", label);
    const context = { scenario: this.options.scenario, via: this.options.direct === undefined ? "relay" : "direct", mix: this.mix } as const;
    return { ...runResult(context, spec, label, runs, startedAt, premint), ...(warmup === undefined ? {} : { warmup }) };
  }

  async close(): Promise<void> {
    await this.#workers.close();
  }
}
