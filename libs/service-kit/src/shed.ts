/**
 * Load shedding: a bound on the requests a hop works on at once, and an immediate refusal of
 * what exceeds it, instead of a queue that grows until a deadline (seconds) passes.
 *
 * A request over the bound is answered at once with 503, `Retry-After` (RFC 9110 §10.2.3) and an
 * `overloaded` problem (RFC 9457), and counted in `<prefix>_shed_total{route}`, where `route`
 * comes from the service's own closed set.
 *
 * The bound adapts (additive increase, multiplicative decrease) between `minLimit` and `limit`:
 * when every request answered in a 100 ms window took longer than `targetMs` (a standing queue,
 * not a burst: the idea of CoDel, RFC 8289), it shrinks by a quarter; otherwise it grows by a
 * tenth back toward `limit`. In flight ≈ throughput × latency (Little's law), so a bound that follows
 * the throughput keeps what is served near the target whatever the machine's speed.
 * Values and how they were chosen: docs/decisions/0028-load-shedding.md.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { FrontAnswer } from "@oblivious/http1";
import { Counter, Gauge, type Registry } from "prom-client";
import { problemAnswer, problemType, sendProblem, type Problem } from "./problem.js";

/** The answer to a request shed by any service; clients and the load tool know it by its type. */
export const OVERLOADED_PROBLEM: Problem = Object.freeze({
  type: problemType("overloaded"),
  title: "Service Unavailable",
  status: 503,
  detail: "The service is at its limit of concurrent requests; try again later.",
});

/**
 * How often the bound moves. Short, so that a bound far above the throughput comes down within
 * about a second (from 256 to 8 in 12 windows); a window only shrinks it when every answer in it
 * waited longer than the target.
 */
const WINDOW_MS = 100;

export interface ShedderOptions<R extends string> {
  /** Most requests admitted at once; 0 admits everything (no shedding). */
  readonly limit: number;
  /** Latency above which, for a whole window, the bound shrinks; 0 keeps the bound at `limit`. */
  readonly targetMs?: number;
  /** The smallest bound (default 4, at most `limit`). */
  readonly minLimit?: number;
  /** Clock, ms (tests); `performance.now` by default. */
  readonly now?: () => number;
  /** Seconds a shed client is told to wait (`Retry-After`); 1 by default. */
  readonly retryAfterS?: number;
  /** Where `<metricPrefix>_shed_total` and `<metricPrefix>_in_flight` are registered. */
  readonly registry: Registry;
  readonly metricPrefix: string;
  /** The closed set of `route` label values. */
  readonly routes: readonly R[];
}

/**
 * Counts what is in flight and refuses what exceeds the limit. One per service, shared by its
 * shedding routes: the bound is on the process's work, whichever route brings it.
 */
export class Shedder<R extends string> {
  readonly limit: number;
  readonly #targetMs: number;
  readonly #minLimit: number;
  readonly #now: () => number;
  readonly #retryAfter: string;
  readonly #shed: Counter<"route">;
  #inFlight = 0;
  #bound: number;
  #windowStart: number;
  /** The fastest answer of the current window, ms. */
  #windowMin = Infinity;

  constructor(options: ShedderOptions<R>) {
    if (!Number.isSafeInteger(options.limit) || options.limit < 0) throw new RangeError("limit must be a non-negative integer");
    this.limit = options.limit;
    this.#bound = options.limit;
    this.#targetMs = options.targetMs ?? 0;
    this.#minLimit = Math.min(options.limit, options.minLimit ?? 4);
    this.#now = options.now ?? (() => performance.now());
    this.#windowStart = this.#now();
    this.#retryAfter = String(options.retryAfterS ?? 1);
    const registers = [options.registry];
    this.#shed = new Counter({
      name: `${options.metricPrefix}_shed_total`,
      help: "Requests refused with 503 at once because the service was at its concurrency limit, by route.",
      labelNames: ["route"] as const,
      registers,
    });
    for (const route of options.routes) this.#shed.inc({ route }, 0);
    const inFlight = (): number => this.#inFlight;
    const bound = (): number => this.#bound;
    new Gauge({
      name: `${options.metricPrefix}_in_flight`,
      help: "Requests being worked on, of those the concurrency limit counts.",
      registers,
      collect() {
        this.set(inFlight());
      },
    });
    new Gauge({
      name: `${options.metricPrefix}_in_flight_limit`,
      help: "The concurrency limit now (it adapts between its minimum and maximum; 0: no limit).",
      registers,
      collect() {
        this.set(bound());
      },
    });
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** The bound now: between `minLimit` and `limit`. */
  get bound(): number {
    return this.#bound;
  }

  /** Admits one request (true: call `release` with the time it took, once answered) or counts it shed (false). */
  tryAcquire(route: R): boolean {
    if (this.limit > 0 && this.#inFlight >= this.#bound) {
      this.#shed.inc({ route });
      return false;
    }
    this.#inFlight++;
    return true;
  }

  release(latencyMs: number): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (this.#targetMs <= 0 || this.limit === 0) return;
    this.#windowMin = Math.min(this.#windowMin, latencyMs);
    const now = this.#now();
    if (now - this.#windowStart < WINDOW_MS) return;
    if (this.#windowMin > this.#targetMs) this.#bound = Math.max(this.#minLimit, Math.floor(this.#bound * 0.75));
    else this.#bound = Math.min(this.limit, this.#bound + Math.max(1, Math.floor(this.#bound / 10)));
    this.#windowStart = now;
    this.#windowMin = Infinity;
  }

  /** The 503 as a whole answer (Http1Front). */
  answer(): FrontAnswer {
    return problemAnswer(OVERLOADED_PROBLEM, { "retry-after": this.#retryAfter });
  }

  /** Runs `work` if admitted, else answers the 503 at once. `work` must not reject. */
  async run(route: R, work: () => Promise<FrontAnswer>): Promise<FrontAnswer> {
    if (!this.tryAcquire(route)) return this.answer();
    const started = this.#now();
    try {
      return await work();
    } finally {
      this.release(this.#now() - started);
    }
  }

  /**
   * A node:http listener that sheds the requests `routeOf` names (undefined: not counted, never
   * shed) and hands the others to `listener`. A request is counted until its response closes.
   */
  listener(routeOf: (req: IncomingMessage) => R | undefined, listener: RequestListener): RequestListener {
    return (req: IncomingMessage, res: ServerResponse) => {
      const route = routeOf(req);
      if (route === undefined) {
        listener(req, res);
        return;
      }
      if (!this.tryAcquire(route)) {
        // node:http reads and discards the unread body, within the listener's own limits.
        sendProblem(res, OVERLOADED_PROBLEM, { "retry-after": this.#retryAfter });
        return;
      }
      const started = this.#now();
      res.once("close", () => this.release(this.#now() - started));
      listener(req, res);
    };
  }
}
