/**
 * What a load run does, as plain data shared by the coordinator and its worker threads: the kinds
 * of request, how a scenario mixes them, and which request of a run is which kind.
 *
 * The kind of request number k is a pure function of k and the mix (a low-discrepancy sequence
 * over the weights), so the coordinator knows, before the clock starts, exactly how many tokens
 * and blinded batches each worker will spend, and a mix is spread evenly over time.
 */

/** One kind of oblivious call: a feature origin (needs a token) or the issuer (needs a credential). */
export const REQUEST_KINDS = ["search", "telemetry", "issuance"] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** Kinds that spend a Privacy Pass token at a feature origin. */
export const TOKEN_KINDS = ["search", "telemetry"] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export const SCENARIOS = ["search", "telemetry", "issuance", "mix"] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Relative weights of each kind; kinds with weight 0 never occur. */
export type Mix = Readonly<Record<RequestKind, number>>;

export const DEFAULT_MIX: Mix = { search: 6, telemetry: 3, issuance: 1 };

export function isTokenKind(kind: RequestKind): kind is TokenKind {
  return kind !== "issuance";
}

export function mixOf(scenario: Scenario, mix: Mix = DEFAULT_MIX): Mix {
  switch (scenario) {
    case "search":
      return { search: 1, telemetry: 0, issuance: 0 };
    case "telemetry":
      return { search: 0, telemetry: 1, issuance: 0 };
    case "issuance":
      return { search: 0, telemetry: 0, issuance: 1 };
    case "mix":
      return mix;
  }
}

/** Parses `search=6,telemetry=3,issuance=1` (missing kinds weigh 0). */
export function parseMix(text: string): Mix {
  const out: Record<RequestKind, number> = { search: 0, telemetry: 0, issuance: 0 };
  for (const part of text.split(",")) {
    const [name = "", weight = ""] = part.split("=").map((s) => s.trim());
    const kind = REQUEST_KINDS.find((k) => k === name);
    const w = Number(weight);
    if (kind === undefined || !Number.isFinite(w) || w < 0) throw new Error(`bad mix entry "${part}" (want kind=weight, kinds ${REQUEST_KINDS.join(", ")})`);
    out[kind] = w;
  }
  if (REQUEST_KINDS.every((k) => out[k] === 0)) throw new Error("the mix has no weight");
  return out;
}

/** The inverse golden ratio: k·φ⁻¹ mod 1 fills [0, 1) evenly for consecutive k. */
const PHI_INVERSE = (Math.sqrt(5) - 1) / 2;

/** The kind of request number `k` of a run under `mix`. */
export function kindOf(mix: Mix, k: number): RequestKind {
  const total = REQUEST_KINDS.reduce((s, kind) => s + mix[kind], 0);
  let u = ((k * PHI_INVERSE) % 1) * total;
  let last: RequestKind = "search";
  for (const kind of REQUEST_KINDS) {
    if (mix[kind] <= 0) continue;
    last = kind;
    if (u < mix[kind]) return kind;
    u -= mix[kind];
  }
  return last;
}

export type KindCounts = Record<RequestKind, number>;

export function zeroCounts(): KindCounts {
  return { search: 0, telemetry: 0, issuance: 0 };
}

/**
 * How the load is offered. `rate`: open loop, request k is due at k/rate seconds after the start
 * whatever happened to earlier ones (latency is measured from that due time, so a stall is not
 * hidden: coordinated omission). `concurrency`: closed loop, a fixed number of requests in flight.
 */
export type LoadShape = { readonly mode: "rate"; readonly rate: number } | { readonly mode: "concurrency"; readonly concurrency: number };

/** Worker `index` of `workers` takes requests index, index + workers, ...: its counts per kind for `total` requests. */
export function countsFor(mix: Mix, total: number, index: number, workers: number): KindCounts {
  const counts = zeroCounts();
  for (let k = index; k < total; k += workers) counts[kindOf(mix, k)]++;
  return counts;
}

/** One measured (or warm-up) run as a worker executes it. */
export interface RunPlan {
  readonly shape: LoadShape;
  readonly mix: Mix;
  /** Wall-clock start, ms since the epoch (`performance.timeOrigin + performance.now()`). */
  readonly startAt: number;
  readonly durationMs: number;
  /** This worker's place among `workers`: it takes requests index, index + workers, ... */
  readonly index: number;
  readonly workers: number;
  /** Concurrency mode: this worker's share of the requests in flight. */
  readonly inFlight: number;
}

/** The global number of requests a rate plan schedules. */
export function scheduledCount(rate: number, durationMs: number): number {
  return Math.floor((rate * durationMs) / 1000);
}

/** Clock shared by every thread of the process, in ms since the epoch. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
