/**
 * Load shedding: a bound on the requests a hop works on at once, and an immediate refusal of
 * what exceeds it, instead of a queue that grows until a deadline (seconds) passes.
 *
 * A request over the bound is answered at once with 503, `Retry-After` (RFC 9110 §10.2.3) and an
 * `overloaded` problem (RFC 9457), and counted in `<prefix>_shed_total{route}`, where `route`
 * comes from the service's own closed set. What is admitted waits for nothing but its own work,
 * so the latency of what is served stays bounded by the limit over the throughput (Little's law).
 * Limits and how they were chosen: docs/decisions/0028-load-shedding.md.
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

export interface ShedderOptions<R extends string> {
  /** Requests admitted at once; 0 admits everything (no shedding). */
  readonly limit: number;
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
  readonly #retryAfter: string;
  readonly #shed: Counter<"route">;
  #inFlight = 0;

  constructor(options: ShedderOptions<R>) {
    if (!Number.isSafeInteger(options.limit) || options.limit < 0) throw new RangeError("limit must be a non-negative integer");
    this.limit = options.limit;
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
    new Gauge({
      name: `${options.metricPrefix}_in_flight`,
      help: "Requests being worked on, of those the concurrency limit counts.",
      registers,
      collect() {
        this.set(inFlight());
      },
    });
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Admits one request (true: call `release` once it is answered) or counts it shed (false). */
  tryAcquire(route: R): boolean {
    if (this.limit > 0 && this.#inFlight >= this.limit) {
      this.#shed.inc({ route });
      return false;
    }
    this.#inFlight++;
    return true;
  }

  release(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
  }

  /** The 503 as a whole answer (Http1Front). */
  answer(): FrontAnswer {
    return problemAnswer(OVERLOADED_PROBLEM, { "retry-after": this.#retryAfter });
  }

  /** Runs `work` if admitted, else answers the 503 at once. `work` must not reject. */
  async run(route: R, work: () => Promise<FrontAnswer>): Promise<FrontAnswer> {
    if (!this.tryAcquire(route)) return this.answer();
    try {
      return await work();
    } finally {
      this.release();
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
      res.once("close", () => this.release());
      listener(req, res);
    };
  }
}
