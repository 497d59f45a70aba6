/** The load tool's pure parts: how a mix spreads over requests, percentiles, histogram, timeline. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "@oblivious/scripts/stack";
import type * as Load from "../../scripts/src/load/index.js";

const load = (await import(pathToFileURL(join(ROOT, "scripts/dist/load/index.js")).href)) as typeof Load;

test("a mix spreads its kinds by weight, evenly over time", () => {
  const mix = load.parseMix("search=6,telemetry=3,issuance=1");
  const counts = { search: 0, telemetry: 0, issuance: 0 };
  for (let k = 0; k < 10_000; k++) counts[load.kindOf(mix, k)]++;
  assert.ok(Math.abs(counts.search - 6000) < 60 && Math.abs(counts.telemetry - 3000) < 60 && Math.abs(counts.issuance - 1000) < 60, JSON.stringify(counts));
  // Any 100 consecutive requests hold each kind near its share (no long runs of one kind).
  for (let start = 0; start < 1000; start += 100) {
    const issuance = Array.from({ length: 100 }, (_, i) => load.kindOf(mix, start + i)).filter((k) => k === "issuance").length;
    assert.ok(issuance >= 8 && issuance <= 12, `issuance ${issuance} in [${start}, ${start + 100})`);
  }
  assert.deepEqual(load.mixOf("search"), { search: 1, telemetry: 0, issuance: 0 });
  assert.throws(() => load.parseMix("search=0"), /no weight/);
  assert.throws(() => load.parseMix("video=1"), /bad mix entry/);
});

test("percentiles are nearest-rank; summaries are ordered", () => {
  const values = Array.from({ length: 1000 }, (_, i) => 1000 - i);
  const s = load.summarize(values);
  assert.deepEqual([s.p50Ms, s.p90Ms, s.p99Ms, s.p999Ms, s.maxMs], [500, 900, 990, 999, 1000]);
  assert.equal(s.count, 1000);
  assert.ok(Number.isNaN(load.summarize([]).p50Ms));
});

test("the histogram counts every value once, in log buckets", () => {
  const values = [0.05, 0.5, 1, 1.1, 10, 250, 5000];
  const h = load.histogram(values);
  assert.equal(h.counts.reduce((a, b) => a + b, 0), values.length);
  assert.equal(h.lowerMs.length, h.counts.length + 1);
  for (const v of [1, 10, 250]) {
    const i = h.lowerMs.findIndex((lo, j) => v >= lo && v < (h.lowerMs[j + 1] ?? Infinity));
    assert.ok(i >= 0 && (h.counts[i] ?? 0) > 0, `${v} is counted in its bucket`);
  }
});

test("the timeline groups requests by due second and counts errors", () => {
  const due = [10, 900, 1500, 2999, 3000];
  const latency = [5, 7, 9, 11, 13];
  const t = load.timeline(due, latency, (i) => i !== 2);
  assert.deepEqual(
    t.map((s) => [s.second, s.sent, s.served, s.errors]),
    [
      [0, 2, 2, 0],
      [1, 1, 0, 1],
      [2, 1, 1, 0],
      [3, 1, 1, 0],
    ],
  );
  assert.equal(t[0]?.p50Ms, 5);
});
