/**
 * `npm run load` against a real in-process stack (relay, gateway, issuer, token-gated origins):
 * every request of a short run is served and verified, a wrong answer counts as an error, and the
 * JSON and HTML outputs are written and parse.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "@oblivious/scripts/stack";
import type * as Load from "../../scripts/src/load/index.js";
import { startLoadStack, type LoadStack } from "./load-stack.js";

// The scripts package exports only ./stack; its load library is reached by its built path.
const load = (await import(pathToFileURL(join(ROOT, "scripts/dist/load/index.js")).href)) as typeof Load;

let stack: LoadStack;
before(async () => {
  stack = await startLoadStack();
});
after(async () => {
  await stack.stop();
});

const AUTHORITIES = { search: "sticker-search.internal", telemetry: "telemetry.internal", issuer: "issuer.internal" };

async function session(scenario: Load.Scenario, kem?: "x-wing" | "x25519"): Promise<Load.LoadSession> {
  return load.LoadSession.open({
    relayUrl: stack.relayUrl,
    ...(kem === undefined ? {} : { kem }),
    scenario,
    authorities: AUTHORITIES,
    credentials: await load.devCredentials(stack.devDir, 100),
    workers: 2,
    mintBatch: 25,
    issuanceBatch: 5,
  });
}

function assertOrdered(l: Load.LatencySummary): void {
  assert.ok(l.p50Ms > 0 && l.p50Ms <= l.p90Ms && l.p90Ms <= l.p99Ms && l.p99Ms <= l.p999Ms && l.p999Ms <= l.maxMs, JSON.stringify(l));
}

let mixed: Load.RunResult | undefined;

test("fixed rate, mixed scenario: every request is served and verified", async () => {
  const s = await session("mix");
  try {
    assert.equal(s.kem, "x-wing", "the load runs on X-Wing when the gateway lists it");
    const r = await s.run({ shape: { mode: "rate", rate: 60 }, durationMs: 2000 });
    mixed = r;
    assert.equal(r.sent, 120, "open loop: exactly rate × duration requests");
    assert.deepEqual(r.errorsByOutcome, {});
    assert.equal(r.served, r.sent);
    assert.ok((r.byKind.search?.served ?? 0) > 0 && (r.byKind.telemetry?.served ?? 0) > 0 && (r.byKind.issuance?.served ?? 0) > 0, "all three kinds ran");
    assertOrdered(r.latency);
    assert.ok(r.throughput > 40 && r.throughput <= 61, `throughput ${r.throughput}`);
    assert.ok(r.premint.tokens >= 100, "tokens were minted before the clock");
    assert.equal(r.timeline.reduce((n, sec) => n + sec.served, 0), r.served);
    assert.equal(r.histogram.counts.reduce((n, c) => n + c, 0), r.served);
  } finally {
    await s.close();
  }
});

test("fixed concurrency: served and verified, latency ordered (on the X25519 key, asked for)", async () => {
  const s = await session("search", "x25519");
  try {
    assert.equal(s.kem, "x25519");
    const r = await s.run({ shape: { mode: "concurrency", concurrency: 4 }, durationMs: 1500, budget: 400 });
    assert.ok(r.served > 10, `served ${r.served}`);
    assert.deepEqual(r.errorsByOutcome, {});
    assertOrdered(r.latency);
  } finally {
    await s.close();
  }
});

for (const [scenario, what, durationMs] of [
  ["search", "a search answer naming a sticker with the wrong emoji", 1000],
  ["telemetry", "a telemetry answer that accepts fewer events than were sent", 500],
] as const) {
  test(`a wrong answer is an error, not a served request: ${what}`, async () => {
    const s = await session(scenario);
    stack.wrong[scenario] = true;
    try {
      const r = await s.run({ shape: { mode: "rate", rate: 20 }, durationMs });
      assert.equal(r.served, 0);
      assert.deepEqual(r.errorsByOutcome, { "wrong answer": (20 * durationMs) / 1000 });
    } finally {
      stack.wrong[scenario] = false;
      await s.close();
    }
  });
}

test("direct mode: the same calls and tokens, straight to the origin, each served and verified", async () => {
  const s = await load.LoadSession.open({
    relayUrl: stack.relayUrl,
    scenario: "search",
    authorities: AUTHORITIES,
    credentials: await load.devCredentials(stack.devDir, 100),
    workers: 2,
    mintBatch: 25,
    direct: { search: stack.searchUrl },
  });
  try {
    const r = await s.run({ shape: { mode: "rate", rate: 20 }, durationMs: 1000 });
    assert.equal(r.via, "direct");
    assert.equal(r.sent, 20);
    assert.deepEqual(r.errorsByOutcome, {});
    assert.equal(r.served, 20);
    assertOrdered(r.latency);
    assert.ok(r.premint.tokens >= 20, "tokens were minted through the relay before the clock");
    // The origin's own verdicts reach the verifier: a wrong answer is still an error.
    stack.wrong.search = true;
    const wrong = await s.run({ shape: { mode: "rate", rate: 20 }, durationMs: 500 });
    assert.deepEqual(wrong.errorsByOutcome, { "wrong answer": 10 });
  } finally {
    stack.wrong.search = false;
    await s.close();
  }
});

test("direct mode refuses a scenario without a direct URL for each of its kinds", async () => {
  const credentials = await load.devCredentials(stack.devDir, 100);
  await assert.rejects(
    load.LoadSession.open({ relayUrl: stack.relayUrl, scenario: "mix", authorities: AUTHORITIES, credentials, direct: { search: stack.searchUrl, telemetry: stack.telemetryUrl } }),
    /issuance scenario has no direct mode/,
  );
  await assert.rejects(
    load.LoadSession.open({ relayUrl: stack.relayUrl, scenario: "telemetry", authorities: AUTHORITIES, credentials, direct: { search: stack.searchUrl } }),
    /no URL for the telemetry origin/,
  );
});

test("the saturation finder steps the rate up and reports every step", async () => {
  const s = await session("search");
  try {
    const { result, runs } = await load.findSaturation(s, { ...load.DEFAULT_SATURATION, mode: "rate", start: 15, factor: 2, stepMs: 600, warmupMs: 0, maxSteps: 2 });
    assert.deepEqual(
      result.steps.map((step) => step.offered),
      [15, 30],
    );
    assert.equal(runs.length, 2);
    assert.ok(result.steps.every((step) => step.errors === 0 && step.sustained));
    assert.equal(result.lastSustained, 30);
    assert.ok(result.saturationRps > 20, `saturation ${result.saturationRps}`);
  } finally {
    await s.close();
  }
});

test("the JSON result, the HTML report and its two SVG plots are written and parse", () => {
  assert.ok(mixed, "the fixed-rate run ran");
  const dir = mkdtempSync(join(tmpdir(), "e2e-load-report-"));
  try {
    const report: Load.LoadReport = { tool: "oblivious-load", generatedAt: new Date().toISOString(), relayUrl: stack.relayUrl, workers: 2, kem: "x-wing", runs: [mixed], primary: 0 };
    const written = load.writeReport(report, { json: join(dir, "result.json"), html: join(dir, "report.html") });
    assert.deepEqual(written.map((f) => f.slice(dir.length + 1)).sort(), ["report.html", "report.latency-histogram.svg", "report.latency-over-time.svg", "result.json"]);
    const json = JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as Load.LoadReport;
    assert.equal(json.runs[0]?.served, mixed.served);
    assert.equal(json.runs[0]?.latency.p99Ms, mixed.latency.p99Ms);
    const html = readFileSync(join(dir, "report.html"), "utf8");
    assert.ok(html.startsWith("<!doctype html>") && html.trimEnd().endsWith("</html>"));
    assert.equal(html.match(/<svg /g)?.length, 2, "both plots inline");
    for (const name of ["report.latency-histogram.svg", "report.latency-over-time.svg"]) {
      assert.ok(existsSync(join(dir, name)));
      const svg = readFileSync(join(dir, name), "utf8");
      assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^]*<\/svg>\n$/);
      assert.ok(!svg.includes("NaN"), `${name} has no NaN coordinates`);
    }
    assert.match(load.textTable(report), /\| mix +\| 60\/s/);
    assert.match(load.textTable(report), /^gateway key: x-wing$/m);
    assert.equal(json.kem, "x-wing");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
