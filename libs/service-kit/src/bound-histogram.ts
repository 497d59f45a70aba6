/**
 * A Prometheus histogram for hot paths: each label set is bound once, and an observation is a
 * bucket search and three additions on numbers that set owns.
 *
 * Why not prom-client's Histogram there: its `observe` (also through `labels(...)`) rebuilds and
 * validates the label object, hashes it into a string and looks that string up, then indexes the
 * bucket counts by the bound turned into a property name, on every observation, which showed in
 * the gateway's profile (docs/decisions/0006-bound-histogram.md). prom-client stays for
 * everything else: the registry, the exposition format, every metric off the hot path. This class
 * is registered in a prom-client Registry and exposes exactly what a prom-client Histogram with
 * the same observations would (a test holds the two texts equal):
 * `<name>_bucket` per bound (cumulative) and `+Inf`, `<name>_sum`, `<name>_count`, for each label
 * set from its first observation on.
 *
 * Values that are not finite are ignored (prom-client throws on them).
 */
import type { Metric, Registry } from "prom-client";

export interface BoundHistogramOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  /** Upper bounds, increasing. */
  readonly buckets: readonly number[];
  readonly registers: readonly Registry[];
}

/** Records one observation in seconds (or whatever unit the histogram counts) for a bound label set. */
export type Observe = (value: number) => void;

interface Series {
  readonly labels: Readonly<Record<string, string>>;
  /** Observations per bucket, not cumulative; the last slot counts those above every bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

interface Value {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  readonly metricName: string;
}

export class BoundHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly #labelNames: readonly L[];
  readonly #bounds: Float64Array;
  /** By the label values in `labelNames` order, joined by NUL (which no label value here holds). */
  readonly #series = new Map<string, Series>();

  constructor(options: BoundHistogramOptions<L>) {
    const { buckets } = options;
    if (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (buckets[i - 1] as number)))) {
      throw new TypeError(`${options.name}: buckets must be finite and increasing`);
    }
    this.name = options.name;
    this.help = options.help;
    this.#labelNames = options.labelNames;
    this.#bounds = Float64Array.from(buckets);
    // The registry reads `name`, `help`, `type`, `aggregator` and `get()`, as of any metric.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The observer of one label set (every label named, no other). */
  bind(labels: Readonly<Record<L, string>>): Observe {
    const names = Object.keys(labels);
    if (names.length !== this.#labelNames.length || !this.#labelNames.every((n) => typeof labels[n] === "string")) {
      throw new TypeError(`${this.name}: labels must be exactly ${this.#labelNames.join(", ")}`);
    }
    const key = this.#labelNames.map((n) => labels[n]).join("\0");
    let series = this.#series.get(key);
    if (series === undefined) {
      const own: Record<string, string> = {};
      for (const n of this.#labelNames) own[n] = labels[n];
      series = { labels: own, counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    const s = series;
    const bounds = this.#bounds;
    return (value) => {
      if (!Number.isFinite(value)) return;
      let i = 0;
      while (i < bounds.length && value > (bounds[i] as number)) i++;
      s.counts[i] = (s.counts[i] as number) + 1;
      s.sum += value;
      s.count += 1;
    };
  }

  /** The metric as prom-client's registry reads it. */
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Value[] }> {
    const values: Value[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const s of this.#series.values()) {
      if (s.count === 0) continue;
      let cumulative = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        cumulative += s.counts[i] as number;
        values.push({ labels: { le: this.#bounds[i] as number, ...s.labels }, value: cumulative, metricName: bucketName });
      }
      values.push({ labels: { le: "+Inf", ...s.labels }, value: s.count, metricName: bucketName });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** Forgets every observation; bound observers stay valid (as `registry.resetMetrics()` expects). */
  reset(): void {
    for (const s of this.#series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
