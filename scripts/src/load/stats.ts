/** Summaries of a run's per-request columns: percentiles, a log-scale histogram, a per-second timeline. */

export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/** Nearest-rank percentile of ascending values (q in 0..1); NaN when there are none. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

export function summarize(values: ArrayLike<number>): LatencySummary {
  const s = sortedCopy(values);
  let sum = 0;
  for (const v of s) sum += v;
  return {
    count: s.length,
    meanMs: s.length === 0 ? Number.NaN : sum / s.length,
    p50Ms: percentile(s, 0.5),
    p90Ms: percentile(s, 0.9),
    p99Ms: percentile(s, 0.99),
    p999Ms: percentile(s, 0.999),
    maxMs: s.length === 0 ? Number.NaN : (s[s.length - 1] ?? Number.NaN),
  };
}

export interface Histogram {
  /** Lower bound of each bucket, ms; bucket i is [lower[i], lower[i + 1]). */
  readonly lowerMs: readonly number[];
  readonly counts: readonly number[];
}

/** Ten buckets per decade from 0.1 ms; values below go in the first bucket, above 100 s in the last. */
const PER_DECADE = 10;
const FIRST_MS = 0.1;
const DECADES = 6;

export function histogram(values: ArrayLike<number>): Histogram {
  const n = PER_DECADE * DECADES;
  const lowerMs = Array.from({ length: n }, (_, i) => FIRST_MS * 10 ** (i / PER_DECADE));
  const counts: number[] = new Array<number>(n).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    const b = v <= FIRST_MS ? 0 : Math.min(n - 1, Math.floor(Math.log10(v / FIRST_MS) * PER_DECADE + 1e-9));
    counts[b] = (counts[b] ?? 0) + 1;
  }
  // Trim empty buckets at both ends so the plot spans the data.
  const first = counts.findIndex((c) => c > 0);
  const last = counts.length - 1 - [...counts].reverse().findIndex((c) => c > 0);
  if (first < 0) return { lowerMs: [], counts: [] };
  return { lowerMs: lowerMs.slice(first, last + 2), counts: counts.slice(first, last + 1) };
}

export interface Second {
  /** Seconds after the start, by due time. */
  readonly second: number;
  readonly sent: number;
  readonly served: number;
  readonly errors: number;
  /** Of served requests due in this second; NaN when none. */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Requests grouped by the second they were due in. `ok[i]` says whether request i was served. */
export function timeline(due: ArrayLike<number>, latency: ArrayLike<number>, ok: (i: number) => boolean): Second[] {
  const buckets: number[][] = [];
  const sent: number[] = [];
  for (let i = 0; i < due.length; i++) {
    const s = Math.max(0, Math.floor((due[i] ?? 0) / 1000));
    while (buckets.length <= s) {
      buckets.push([]);
      sent.push(0);
    }
    sent[s] = (sent[s] ?? 0) + 1;
    if (ok(i)) buckets[s]?.push(latency[i] ?? 0);
  }
  return buckets.map((lat, second) => {
    const sorted = sortedCopy(lat);
    const total = sent[second] ?? 0;
    return { second, sent: total, served: lat.length, errors: total - lat.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
  });
}
