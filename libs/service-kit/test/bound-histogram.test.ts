/**
 * BoundHistogram against prom-client's own Histogram: the same observations must give the same
 * exposition text, byte for byte, and the same JSON values.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Histogram, Registry } from "prom-client";
import { BoundHistogram } from "../src/index.js";

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const OPTIONS = { name: "x_duration_seconds", help: "Time for x, by route and class.", labelNames: ["route", "status_class"] as const, buckets: BUCKETS };

function pair(): { ours: BoundHistogram<"route" | "status_class">; theirs: Histogram<"route" | "status_class">; a: Registry; b: Registry } {
  const a = new Registry();
  const b = new Registry();
  return { ours: new BoundHistogram({ ...OPTIONS, registers: [a] }), theirs: new Histogram({ ...OPTIONS, registers: [b] }), a, b };
}

/** Values on every bound, just around it, below the first, above the last, and the like. */
function values(): number[] {
  const out = [0, -1, 1e-9, 11, 1e6, 0.3, 0.000_123];
  for (const b of BUCKETS) out.push(b, b * (1 - 1e-12), b * (1 + 1e-12));
  // A fixed pseudo-random spread, so that a failure repeats.
  let x = 12345;
  for (let i = 0; i < 500; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push((x / 2 ** 31) ** 4 * 12);
  }
  return out;
}

test("the same observations give prom-client's exposition text and JSON", async () => {
  const { ours, theirs, a, b } = pair();
  const sets = [
    { route: "gateway", status_class: "2xx" },
    { route: "gateway", status_class: "4xx" },
    { route: "unmatched", status_class: "5xx" },
  ];
  const bound = sets.map((labels) => ours.bind(labels));
  // Bound but never observed: absent from both, as prom-client shows a label set from its first observation.
  ours.bind({ route: "keys", status_class: "2xx" });
  values().forEach((v, i) => {
    const k = i % sets.length;
    bound[k]?.(v);
    theirs.observe(sets[k] as (typeof sets)[number], v);
  });
  assert.equal(await a.metrics(), await b.metrics());
  const strip = (json: unknown): unknown => JSON.parse(JSON.stringify(json, (key, value: unknown) => (key === "exemplar" || key === "sharedLabels" ? undefined : value)));
  assert.deepEqual(strip(await a.getMetricsAsJSON()), strip(await b.getMetricsAsJSON()));
  assert.match(await a.metrics(), /x_duration_seconds_bucket\{le="\+Inf",route="gateway",status_class="2xx"\} 1\d\d/);
});

test("binding the same labels again shares the series; other labels do not", async () => {
  const { ours, theirs, a, b } = pair();
  const first = ours.bind({ route: "r", status_class: "2xx" });
  const again = ours.bind({ status_class: "2xx", route: "r" });
  first(0.002);
  again(0.2);
  theirs.observe({ route: "r", status_class: "2xx" }, 0.002);
  theirs.observe({ route: "r", status_class: "2xx" }, 0.2);
  assert.equal(await a.metrics(), await b.metrics());
  assert.match(await a.metrics(), /x_duration_seconds_count\{route="r",status_class="2xx"\} 2\n/);
});

test("reset forgets what was observed, and bound observers go on counting", async () => {
  const { ours, theirs, a, b } = pair();
  const observe = ours.bind({ route: "r", status_class: "2xx" });
  observe(0.01);
  theirs.observe({ route: "r", status_class: "2xx" }, 0.01);
  a.resetMetrics();
  b.resetMetrics();
  assert.equal(await a.metrics(), await b.metrics());
  assert.doesNotMatch(await a.metrics(), /x_duration_seconds_count/);
  observe(3);
  theirs.observe({ route: "r", status_class: "2xx" }, 3);
  assert.equal(await a.metrics(), await b.metrics());
  assert.match(await a.metrics(), /x_duration_seconds_sum\{route="r",status_class="2xx"\} 3\n/);
});

test("non-finite values are ignored; wrong label sets and buckets are refused", async () => {
  const registry = new Registry();
  const ours = new BoundHistogram({ ...OPTIONS, registers: [registry] });
  const observe = ours.bind({ route: "r", status_class: "2xx" });
  observe(Number.NaN);
  observe(Number.POSITIVE_INFINITY);
  assert.doesNotMatch(await registry.metrics(), /x_duration_seconds_count/);
  observe(1);
  assert.match(await registry.metrics(), /x_duration_seconds_count\{route="r",status_class="2xx"\} 1\n/);
  assert.throws(() => ours.bind({ route: "r" } as never), TypeError);
  assert.throws(() => ours.bind({ route: "r", status_class: "2xx", extra: "x" } as never), TypeError);
  assert.throws(() => new BoundHistogram({ ...OPTIONS, name: "y", buckets: [1, 1], registers: [] }), TypeError);
  assert.throws(() => new BoundHistogram({ ...OPTIONS, name: "z", buckets: [], registers: [] }), TypeError);
  // Registered once under its name, like any metric.
  assert.throws(() => new BoundHistogram({ ...OPTIONS, registers: [registry] }), /already been registered/);
});
