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
import { decodeTokenChallenge } from "@oblivious/privacypass";
import { SHED_PREFIX, currentTokenKey, fetchDirectory, fetchKeyConfigs, firstKeyConfig, probeChallenge, sameBytes } from "./oblivious.js";
import { WorkerSet } from "./workers.js";
import { REQUEST_KINDS, TOKEN_KINDS, countsFor, isTokenKind, mixOf, scheduledCount, wallNow, zeroCounts, type KindCounts, type LoadShape, type Mix, type RequestKind, type RunPlan, type Scenario, type TokenKind } from "./plan.js";
import { EVENTS_PATH, SEARCH_PATH, SEARCH_QUERIES, searchBody, telemetryBody, type Authorities, type SearchQuery } from "./scenarios.js";
import type { CredentialSource } from "./credentials.js";
import type { WorkerRun } from "./generator.js";
import { summarize, histogram, timeline, type Histogram, type LatencySummary, type Second } from "./stats.js";

export interface SessionOptions {
  /** The relay's base URL: requests go to `<relay>/relay`, keys come from `<relay>/ohttp-keys`. */
  readonly relayUrl: string;
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

export interface RunSpec {
  readonly shape: LoadShape;
  readonly durationMs: number;
  /** A run before the measured one, on the same shape, whose results are only checked for errors. */
  readonly warmupMs?: number;
  /** Concurrency mode: requests to provision tokens for (default 400 a second of the run). */
  readonly budget?: number;
  readonly label?: string;
}

export interface KindResult {
  readonly sent: number;
  readonly served: number;
  readonly latency: LatencySummary;
}

export interface GeneratorReport {
  readonly workers: readonly {
    readonly eventLoopUtilization: number;
    readonly prepareUsPerRequest: number;
    readonly verifyUsPerRequest: number;
    readonly preparedLate: number;
    readonly exhausted: boolean;
  }[];
  /** How late sends were against their due time, ms (rate mode; concurrency: always 0). */
  readonly lateness: LatencySummary;
  /** 1 − the busiest worker's event-loop utilization: how much more the generator could do. */
  readonly headroom: number;
  /** True when the generator, not the system, may have limited the run. */
  readonly limiting: boolean;
}

export interface PremintReport {
  readonly ms: number;
  readonly tokens: number;
  readonly blindedRequests: number;
}

export interface RunResult {
  readonly label: string;
  readonly scenario: Scenario;
  /** `relay`: the oblivious path; `direct`: plain HTTP to the origins. */
  readonly via: "relay" | "direct";
  readonly mix: Mix;
  readonly shape: LoadShape;
  readonly durationMs: number;
  readonly startedAt: string;
  /** From the start to the last answer (at least the duration), s. */
  readonly windowSeconds: number;
  readonly sent: number;
  /** Answers that decrypted and were right. */
  readonly served: number;
  /** Failures: neither served nor shed. */
  readonly errors: number;
  /** Every failure's outcome with its count: `relay 429`, `inner 401`, `wrong answer`, `timeout`... */
  readonly errorsByOutcome: Readonly<Record<string, number>>;
  /** Refused at once by a hop at its limit (503 with an overloaded problem): not served, not failed. */
  readonly shed: number;
  /** Shed requests by where the 503 was seen: `shed: relay 503` (relay or gateway), `shed: inner 503` (an origin). */
  readonly shedByOutcome: Readonly<Record<string, number>>;
  /** Served per second of the window. */
  readonly throughput: number;
  /** Of served requests, from due time (rate) or send time (concurrency) to the answer. */
  readonly latency: LatencySummary;
  readonly byKind: Readonly<Partial<Record<RequestKind, KindResult>>>;
  readonly timeline: readonly Second[];
  readonly histogram: Histogram;
  readonly generator: GeneratorReport;
  readonly premint: PremintReport;
  readonly warmup?: { readonly sent: number; readonly served: number; readonly errorsByOutcome: Readonly<Record<string, number>> };
}

/** Margin added to the tokens a concurrency run is provisioned with, so a worker rarely runs dry. */
const BUDGET_PER_SECOND = 400;
const START_DELAY_MS = 300;

export class LoadSession {
  readonly options: SessionOptions;
  readonly mix: Mix;
  readonly #workers: WorkerSet;

  private constructor(options: SessionOptions, mix: Mix, workers: WorkerSet) {
    this.options = options;
    this.mix = mix;
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
    const config = firstKeyConfig(keys);
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
    return new LoadSession(options, mix, workers);
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
      const r = merge(w.runs);
      warmup = { sent: r.sent, served: r.served, errorsByOutcome: r.errorsByOutcome };
    }
    const { runs, startedAt } = await this.#execute(spec.shape, spec.durationMs, "run", label);
    return { ...result(this, spec, label, runs, startedAt, premint), ...(warmup === undefined ? {} : { warmup }) };
  }

  async close(): Promise<void> {
    await this.#workers.close();
  }
}

function merge(runs: readonly WorkerRun[]): { sent: number; served: number; errorsByOutcome: Record<string, number>; shed: number; shedByOutcome: Record<string, number> } {
  const errorsByOutcome: Record<string, number> = {};
  const shedByOutcome: Record<string, number> = {};
  let shed = 0;
  let sent = 0;
  let served = 0;
  for (const r of runs) {
    sent += r.outcome.length;
    for (const o of r.outcome) {
      if (o === 0) served++;
      else {
        const name = r.outcomes[o] ?? "unknown";
        const table = name.startsWith(SHED_PREFIX) ? shedByOutcome : errorsByOutcome;
        if (table === shedByOutcome) shed++;
        table[name] = (table[name] ?? 0) + 1;
      }
    }
  }
  return { sent, served, errorsByOutcome, shed, shedByOutcome };
}

function concat<T extends Float64Array | Uint8Array>(parts: readonly T[], make: (n: number) => T): T {
  const out = make(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function result(session: LoadSession, spec: RunSpec, label: string, runs: readonly WorkerRun[], startedAt: number, premint: PremintReport): RunResult {
  const { sent, served, errorsByOutcome, shed, shedByOutcome } = merge(runs);
  const due = concat(runs.map((r) => r.due), (n) => new Float64Array(n));
  const latency = concat(runs.map((r) => r.latency), (n) => new Float64Array(n));
  const lateness = concat(runs.map((r) => r.lateness), (n) => new Float64Array(n));
  const kind = concat(runs.map((r) => r.kind), (n) => new Uint8Array(n));
  const ok = new Uint8Array(due.length);
  let at = 0;
  for (const r of runs) for (const o of r.outcome) ok[at++] = o === 0 ? 1 : 0;
  const servedLatency = latency.filter((_, i) => ok[i] === 1);
  let lastAnswer = 0;
  for (let i = 0; i < due.length; i++) lastAnswer = Math.max(lastAnswer, (due[i] ?? 0) + (latency[i] ?? 0));
  const exhausted = runs.some((r) => r.exhausted);
  // A run cut short by a worker out of tokens is measured over the time it actually ran.
  const windowMs = exhausted ? Math.max(1, lastAnswer) : Math.max(spec.durationMs, lastAnswer);
  const byKind: Partial<Record<RequestKind, KindResult>> = {};
  REQUEST_KINDS.forEach((k, index) => {
    const mine = latency.filter((_, i) => kind[i] === index);
    if (mine.length === 0) return;
    byKind[k] = { sent: mine.length, served: latency.filter((_, i) => kind[i] === index && ok[i] === 1).length, latency: summarize(latency.filter((_, i) => kind[i] === index && ok[i] === 1)) };
  });
  const workers = runs.map((r) => ({
    eventLoopUtilization: r.eventLoopUtilization,
    prepareUsPerRequest: r.outcome.length === 0 ? 0 : (r.prepareMs * 1000) / r.outcome.length,
    verifyUsPerRequest: r.outcome.length === 0 ? 0 : (r.verifyMs * 1000) / r.outcome.length,
    preparedLate: r.preparedLate,
    exhausted: r.exhausted,
  }));
  const busiest = Math.max(...workers.map((w) => w.eventLoopUtilization));
  const latenessSummary = summarize(spec.shape.mode === "rate" ? lateness : new Float64Array(0));
  return {
    label,
    scenario: session.options.scenario,
    via: session.options.direct === undefined ? "relay" : "direct",
    mix: session.mix,
    shape: spec.shape,
    durationMs: spec.durationMs,
    startedAt: new Date(startedAt).toISOString(),
    windowSeconds: windowMs / 1000,
    sent,
    served,
    errors: sent - served - shed,
    errorsByOutcome,
    shed,
    shedByOutcome,
    throughput: served / (windowMs / 1000),
    latency: summarize(servedLatency),
    byKind,
    timeline: timeline(due, latency, (i) => ok[i] === 1),
    histogram: histogram(servedLatency),
    generator: {
      workers,
      lateness: latenessSummary,
      headroom: 1 - busiest,
      // A busy event loop or sends that slipped by more than a few ms mean the numbers are partly the generator's.
      limiting: busiest > 0.85 || (spec.shape.mode === "rate" && latenessSummary.p99Ms > 5) || exhausted,
    },
    premint,
  };
}
