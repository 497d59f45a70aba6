/**
 * The send loop of one worker, for one run. Requests are prepared (sealed, in the oblivious mode)
 * ahead of their due time (never more than LOOKAHEAD_MS ahead, so the inner Date stays fresh),
 * sent on time, and their answers opened and verified by the same worker that holds their
 * response context.
 *
 * Open loop (rate): latency runs from the due time, not the send, so a generator or a server that
 * falls behind shows as latency instead of silently sending less (coordinated omission). How late
 * each send was against its due time is recorded too: it is the generator's share.
 */
import { REQUEST_KINDS, kindOf, scheduledCount, wallNow, type RequestKind, type RunPlan } from "./plan.js";
import type { Exchange } from "./oblivious.js";
import type { Verdict } from "./scenarios.js";

/**
 * A request ready to send (`M`: sealed OHTTP bytes, or a plain call in direct mode); `verify`
 * judges its answer.
 */
export interface Prepared<M> {
  readonly kind: RequestKind;
  readonly message: M;
  readonly verify: (exchange: Exchange) => Promise<Verdict>;
}

export interface GeneratorDeps<M> {
  /** Prepares request number `k`; `undefined` when this worker has no token (or credential) left for it. */
  prepare(k: number, kind: RequestKind): Prepared<M> | undefined;
  send(message: M): Promise<Exchange>;
  progress(completed: number, ok: number): void;
}

/** What one worker measured; per-request columns are index-aligned. */
export interface WorkerRun {
  /** Due time of each request, ms after the plan's start (concurrency: its send time). */
  readonly due: Float64Array;
  /** Answer time less due time, ms. */
  readonly latency: Float64Array;
  /** Send time less due time, ms: the generator's lateness. */
  readonly lateness: Float64Array;
  /** Index into `outcomes`; outcome 0 is "ok". */
  readonly outcome: Uint16Array;
  /** Index into REQUEST_KINDS. */
  readonly kind: Uint8Array;
  readonly outcomes: readonly string[];
  /** Event-loop utilization of the worker over the run, 0..1. */
  readonly eventLoopUtilization: number;
  /** Time spent sealing and verifying, ms in total. */
  readonly prepareMs: number;
  readonly verifyMs: number;
  /** Requests that were not sealed by their due time (sealed on the spot, late). */
  readonly preparedLate: number;
  /** True when the worker ran out of tokens before the end of the run. */
  readonly exhausted: boolean;
}

const LOOKAHEAD_MS = 200;
const PROGRESS_MS = 250;

class Recorder {
  readonly due: number[] = [];
  readonly latency: number[] = [];
  readonly lateness: number[] = [];
  readonly outcome: number[] = [];
  readonly kind: number[] = [];
  readonly outcomes: string[] = ["ok"];
  ok = 0;
  verifyMs = 0;

  add(kind: RequestKind, due: number, sent: number, done: number, verdict: Verdict): void {
    this.due.push(due);
    this.latency.push(done - due);
    this.lateness.push(sent - due);
    this.kind.push(REQUEST_KINDS.indexOf(kind));
    if (verdict === undefined) {
      this.ok++;
      this.outcome.push(0);
      return;
    }
    let i = this.outcomes.indexOf(verdict);
    if (i < 0) i = this.outcomes.push(verdict) - 1;
    this.outcome.push(i);
  }
}

/** Runs `plan` to its end and until every answer is in. */
export async function runGenerator<M>(plan: RunPlan, deps: GeneratorDeps<M>): Promise<WorkerRun> {
  const rec = new Recorder();
  let prepareMs = 0;
  let preparedLate = 0;
  let exhausted = false;
  const inFlight = new Set<Promise<void>>();
  const t0 = plan.startAt;
  const clock = (): number => wallNow() - t0;

  const prepare = (k: number): Prepared<M> | undefined => {
    const started = performance.now();
    const p = deps.prepare(k, kindOf(plan.mix, k));
    prepareMs += performance.now() - started;
    return p;
  };

  const fire = (p: Prepared<M>, due: number): Promise<void> => {
    const sent = clock();
    const done = deps.send(p.message).then(async (exchange) => {
      const answered = clock();
      const started = performance.now();
      let verdict: Verdict;
      try {
        verdict = await p.verify(exchange);
      } catch {
        verdict = "verifier failed";
      }
      rec.verifyMs += performance.now() - started;
      rec.add(p.kind, due, sent, answered, verdict);
    });
    const tracked = done.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    return tracked;
  };

  const ticker = setInterval(() => deps.progress(rec.due.length, rec.ok), PROGRESS_MS);
  const elu0 = performance.eventLoopUtilization();
  try {
    if (plan.shape.mode === "rate") {
      const { rate } = plan.shape;
      const total = scheduledCount(rate, plan.durationMs);
      const dueOf = (k: number): number => (k * 1000) / rate;
      const ready: (Prepared<M> | undefined)[] = [];
      let nextSend = plan.index;
      let nextPrepare = plan.index;
      while (nextSend < total && !exhausted) {
        const now = clock();
        while (nextSend < total && dueOf(nextSend) <= now) {
          let p = ready.shift();
          if (nextPrepare <= nextSend) {
            preparedLate++;
            p = prepare(nextSend);
            nextPrepare = nextSend + plan.workers;
          }
          if (p === undefined) {
            exhausted = true;
            break;
          }
          void fire(p, dueOf(nextSend));
          nextSend += plan.workers;
        }
        // Seal ahead while the next send is not due.
        while (nextPrepare < total && dueOf(nextPrepare) <= clock() + LOOKAHEAD_MS && clock() < dueOf(nextSend) - 0.5) {
          ready.push(prepare(nextPrepare));
          nextPrepare += plan.workers;
        }
        if (nextSend >= total || exhausted) break;
        const wait = dueOf(nextSend) - clock();
        await new Promise<void>((r) => (wait >= 1 ? setTimeout(r, Math.floor(wait)) : setImmediate(r)));
      }
    } else {
      const end = plan.durationMs;
      let j = 0;
      const nextK = (): number => plan.index + plan.workers * j++;
      const buffer: (Prepared<M> | undefined)[] = [];
      const refill = (): void => {
        while (buffer.length < plan.inFlight && clock() < end) buffer.push(prepare(nextK()));
      };
      const loop = async (): Promise<void> => {
        while (clock() < end && !exhausted) {
          let p: Prepared<M> | undefined;
          if (buffer.length > 0) p = buffer.shift();
          else {
            preparedLate++;
            p = prepare(nextK());
          }
          if (p === undefined) {
            exhausted = true;
            return;
          }
          const sending = fire(p, clock());
          setImmediate(refill);
          await sending;
        }
      };
      if (clock() < 0) await new Promise((r) => setTimeout(r, -clock()));
      refill();
      await Promise.all(Array.from({ length: plan.inFlight }, loop));
    }
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  } finally {
    clearInterval(ticker);
  }
  const elu = performance.eventLoopUtilization(elu0);
  deps.progress(rec.due.length, rec.ok);
  return {
    due: Float64Array.from(rec.due),
    latency: Float64Array.from(rec.latency),
    lateness: Float64Array.from(rec.lateness),
    outcome: Uint16Array.from(rec.outcome),
    kind: Uint8Array.from(rec.kind),
    outcomes: rec.outcomes,
    eventLoopUtilization: elu.utilization,
    prepareMs,
    verifyMs: rec.verifyMs,
    preparedLate,
    exhausted,
  };
}
