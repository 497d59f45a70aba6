/** The shortest publish lead and grace of a key rotation (rotation-timing.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDuration } from "../src/index.js";
import { RotationTimingError, checkRotationTimes, formatDuration, minimumRotationMs, timingTerm, type ListingCaching } from "../src/rotation-timing.js";

const caching: ListingCaching = {
  maxAge: { ms: 3_600_000, what: "the listing's max-age cap", source: "MAX_AGE" },
  cacheBound: { ms: 300_000, what: "the cache's bound", source: "--cache" },
};
const names = { lead: "--lead", grace: "--grace" };

test("rotation timing: the minimum is the max-age cap plus the cache bound; exactly it is enough, a millisecond less is not", () => {
  assert.equal(minimumRotationMs(caching), 3_900_000);
  checkRotationTimes({ leadMs: 3_900_000, graceMs: 3_900_000 }, caching, names);
  assert.throws(
    () => checkRotationTimes({ leadMs: 3_899_999, graceMs: 7 * 86_400_000 }, caching, names),
    (e: unknown) => e instanceof RotationTimingError && e.code === "lead-too-short" && e.minimumMs === 3_900_000 && /^--lead 1h4m59s999ms is shorter than 1h5m: the listing's max-age cap \(MAX_AGE, 1h\) plus the cache's bound \(--cache, 5m\)/.test(e.message),
  );
  assert.throws(
    () => checkRotationTimes({ leadMs: 86_400_000, graceMs: 40_000 }, caching, names),
    (e: unknown) => e instanceof RotationTimingError && e.code === "grace-too-short" && /^--grace 40s is shorter than 1h5m/.test(e.message),
  );
});

test("rotation timing: formatDuration round-trips through parseDuration for whole units", () => {
  for (const [ms, text] of [[0, "0s"], [250, "250ms"], [40_000, "40s"], [3_900_000, "1h5m"], [8 * 86_400_000, "8d"]] as const) {
    assert.equal(formatDuration(ms), text);
    if (!/\d[a-z]+\d/.test(text)) assert.equal(parseDuration(text), ms);
  }
});

test("rotation timing: a term comes from the option, else the variable, else its default; malformed text is undefined", () => {
  const variable = (env: Record<string, string>) => ({ name: "VAR", env, defaultMs: 1000 });
  assert.deepEqual(timingTerm("x", { name: "--x", value: "2s" }, variable({ VAR: "3s" })), { ms: 2000, what: "x", source: "--x" });
  assert.deepEqual(timingTerm("x", { name: "--x", value: undefined }, variable({ VAR: "3s" })), { ms: 3000, what: "x", source: "VAR" });
  assert.deepEqual(timingTerm("x", { name: "--x", value: undefined }, variable({})), { ms: 1000, what: "x", source: "default of VAR" });
  assert.equal(timingTerm("x", { name: "--x", value: "soon" }, variable({})), undefined);
  assert.equal(timingTerm("x", { name: "--x", value: undefined }, variable({ VAR: "soon" })), undefined);
});
