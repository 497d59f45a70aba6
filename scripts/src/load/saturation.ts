/**
 * The saturation finder: steps of rising offered load until throughput stops rising or errors
 * appear. Rate steps (open loop) multiply the rate by `factor` until a step is not sustained
 * (an error, or less than `tolerance` of the offered rate served), then bisect between the last
 * sustained and the first unsustained rate. Concurrency steps multiply the requests in flight
 * until throughput rises by less than `minGain` or errors appear.
 *
 * The saturation rate is the highest error-free throughput seen; the operators' checks build on
 * it (for instance a hold at 80% of it for 60 s, with `--hold 0.8`).
 */
import type { RunResult } from "./result.js";
import type { LoadSession } from "./session.js";

export interface SaturationOptions {
  readonly mode: "rate" | "concurrency";
  /** First offered rate (requests/s) or concurrency. */
  readonly start: number;
  readonly factor: number;
  readonly stepMs: number;
  readonly warmupMs: number;
  readonly maxSteps: number;
  /** Rate mode: share of the offered rate that must be served for a step to count as sustained. */
  readonly tolerance: number;
  /** Concurrency mode: smallest relative throughput gain that counts as still rising. */
  readonly minGain: number;
  /** Rate mode: bisection steps after the first unsustained rate. */
  readonly refine: number;
}

export const DEFAULT_SATURATION: Omit<SaturationOptions, "mode" | "start"> = {
  factor: 1.5,
  stepMs: 5000,
  warmupMs: 1000,
  maxSteps: 12,
  tolerance: 0.97,
  minGain: 0.05,
  refine: 2,
};

export interface SaturationStep {
  readonly offered: number;
  readonly throughput: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly sustained: boolean;
  readonly generatorLimited: boolean;
}

export interface SaturationResult {
  readonly mode: "rate" | "concurrency";
  readonly steps: readonly SaturationStep[];
  /** The highest error-free throughput of any step, requests/s. */
  readonly saturationRps: number;
  /** The offered load of the last sustained step. */
  readonly lastSustained: number | undefined;
  readonly reason: string;
  /** True when some step was limited by the generator rather than the system. */
  readonly generatorLimited: boolean;
}

export async function findSaturation(
  session: LoadSession,
  options: SaturationOptions,
  onStep: (step: SaturationStep, run: RunResult) => void = () => undefined,
): Promise<{ result: SaturationResult; runs: RunResult[] }> {
  const steps: SaturationStep[] = [];
  const runs: RunResult[] = [];
  let previous: SaturationStep | undefined;

  const measure = async (offered: number): Promise<SaturationStep> => {
    const shape = options.mode === "rate" ? { mode: "rate" as const, rate: offered } : { mode: "concurrency" as const, concurrency: Math.round(offered) };
    // Concurrency steps are provisioned for a little more than the best rate seen can spend.
    const best = Math.max(0, ...steps.map((s) => s.throughput));
    const budget = Math.ceil(Math.max(200, best * options.factor * 1.5) * ((options.stepMs + options.warmupMs) / 1000));
    const run = await session.run({ shape, durationMs: options.stepMs, warmupMs: options.warmupMs, budget, label: `step ${steps.length + 1}` });
    const rising = previous === undefined || run.throughput >= previous.throughput * (1 + options.minGain);
    const sustained = run.errors === 0 && run.shed === 0 && (options.mode === "rate" ? run.throughput >= offered * options.tolerance : rising);
    const step: SaturationStep = {
      offered,
      throughput: run.throughput,
      errors: run.errors,
      p50Ms: run.latency.p50Ms,
      p99Ms: run.latency.p99Ms,
      sustained,
      generatorLimited: run.generator.limiting,
    };
    steps.push(step);
    runs.push(run);
    onStep(step, run);
    return step;
  };

  let offered = options.start;
  let lastGood: SaturationStep | undefined;
  let firstBad: SaturationStep | undefined;
  let reason = `reached ${options.maxSteps} steps without saturating`;
  for (let i = 0; i < options.maxSteps; i++) {
    const step = await measure(offered);
    if (!step.sustained) {
      firstBad = step;
      reason = step.errors > 0 ? `errors at ${offered}` : options.mode === "rate" ? `served less than ${options.tolerance * 100}% of ${offered}/s` : `throughput stopped rising at ${offered} in flight`;
      break;
    }
    lastGood = step;
    previous = step;
    offered = options.mode === "rate" ? Math.round(offered * options.factor) : Math.max(offered + 1, Math.round(offered * options.factor));
  }
  if (options.mode === "rate" && lastGood !== undefined && firstBad !== undefined) {
    let lo = lastGood.offered;
    let hi = firstBad.offered;
    for (let i = 0; i < options.refine && hi - lo > Math.max(1, lo * 0.05); i++) {
      const mid = Math.round((lo + hi) / 2);
      const step = await measure(mid);
      if (step.sustained) {
        lo = mid;
        lastGood = step;
      } else hi = mid;
    }
  }
  const clean = steps.filter((s) => s.errors === 0);
  return {
    result: {
      mode: options.mode,
      steps,
      saturationRps: Math.max(0, ...clean.map((s) => s.throughput)),
      lastSustained: lastGood?.offered,
      reason,
      generatorLimited: steps.some((s) => s.generatorLimited),
    },
    runs,
  };
}
