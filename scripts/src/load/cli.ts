/**
 * `npm run load`: real OHTTP traffic through a relay at a fixed rate or concurrency, for a
 * duration, with every answer verified; or `--find-saturation`; or, with `--direct`, the same
 * calls and tokens as plain HTTP straight to the origins, as a baseline. See `--help`.
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { KemName } from "@oblivious/client";
import { localUrl } from "@oblivious/service-kit";
import { ROOT, STACK_ORIGINS, startStack, type RunningStack } from "../stack.js";
import { devCredentials, fileCredentials } from "./credentials.js";
import { SCENARIOS, parseMix, type LoadShape } from "./plan.js";
import { SYNTHETIC_SEARCH_QUERIES } from "./scenarios.js";
import { progressLine } from "./progress.js";
import { writeReport, textTable, type LoadReport } from "./report.js";
import { DEFAULT_SATURATION, findSaturation, type SaturationResult } from "./saturation.js";
import type { RunResult } from "./result.js";
import { LoadSession } from "./session.js";

const HELP = `npm run load -- [options]

Target
  --relay URL            relay base URL (default RELAY_URL or ${localUrl("relay")})
  --kem KEM              the gateway key to seal to: x-wing or x25519 (default x-wing when the
                         relay lists it, else x25519); the report names the one used
  --start-stack          start the local stack first (as npm start), relay rate limit raised
  --origins LIST         inner origins, default search=sticker-search.internal,
                         telemetry=telemetry.internal,issuer=issuer.internal
  --direct               send the runs' calls, with the same tokens, as plain HTTP to the
                         origins below (no relay, gateway or HPKE; tokens are still minted
                         through the relay); scenarios search and telemetry only
  --search-url URL       sticker-search's public URL (default STICKER_SEARCH_URL, the started
                         stack's, or ${localUrl("sticker-search")})
  --telemetry-url URL    telemetry's public URL (default TELEMETRY_URL, the started stack's,
                         or ${localUrl("telemetry")})
Load
  --scenario NAME        ${SCENARIOS.join(" | ")} (default search)
  --mix LIST             weights of the mix scenario (default search=6,telemetry=3,issuance=1)
  --queries SET          search queries: default (the real catalogue, 13 locales) or synthetic
                         (catalogue-cli synthetic, locales en,de,ja)
  --rate N               open loop: N requests/s, latency from each due time (default 50)
  --concurrency N        closed loop: N requests in flight
  --duration TIME        measured time (default 10s; units ms, s, m)
  --warmup TIME          unmeasured run before it (default 2s)
  --find-saturation      ramp --rate (or --concurrency) by --factor every --step until
                         throughput stops rising or errors appear
  --step TIME  --factor X  --max-steps N
  --hold FRACTION        after --find-saturation: run at FRACTION of the saturation rate
  --hold-duration TIME   (default 60s)
Generator
  --workers N            worker threads (default one per core, at most 4)
  --connections N        connections to the relay per worker (default 64)
  --tokens N             concurrency mode: tokens to mint per run (default 400/s of the run)
  --mint-batch N         tokens per issuance request while minting (default 50)
  --issuance-batch N     tokens per request of the issuance scenario (default 10)
Credentials (issuance)
  --dev-dir DIR          development attester of the local stack (default START_DEV_DIR or .dev)
  --credentials FILE     device credentials (JWTs), one per line, for a deployed stack
  --quota N              tokens each credential may be issued (default ISSUER_QUOTA or 100)
Output
  --out FILE.json        JSON result
  --html FILE.html       HTML report; its two SVG plots are also written next to it

A request a hop refuses at its in-flight limit (503 with an overloaded problem) counts as
shed, apart from the errors; errors alone make the exit status 1.
`;

const LOAD_KEMS: readonly KemName[] = ["x-wing", "x25519"];

function duration(text: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (m === null) throw new Error(`--${name}: not a duration: ${text}`);
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
}

function positive(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0)) throw new Error(`--${name}: not a positive number: ${text}`);
  return n;
}

function authoritiesFrom(text: string | undefined): { search: string; telemetry: string; issuer: string } {
  const out = { search: new URL(STACK_ORIGINS.stickerSearch).host, telemetry: new URL(STACK_ORIGINS.telemetry).host, issuer: new URL(STACK_ORIGINS.issuer).host };
  for (const part of text?.split(",") ?? []) {
    const [name = "", host = ""] = part.split("=").map((s) => s.trim());
    if ((name !== "search" && name !== "telemetry" && name !== "issuer") || host === "") throw new Error(`--origins: bad entry ${part}`);
    out[name] = host;
  }
  return out;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      relay: { type: "string" },
      kem: { type: "string" },
      "start-stack": { type: "boolean" },
      origins: { type: "string" },
      direct: { type: "boolean" },
      "search-url": { type: "string" },
      "telemetry-url": { type: "string" },
      scenario: { type: "string" },
      mix: { type: "string" },
      queries: { type: "string" },
      rate: { type: "string" },
      concurrency: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      "find-saturation": { type: "boolean" },
      step: { type: "string" },
      factor: { type: "string" },
      "max-steps": { type: "string" },
      hold: { type: "string" },
      "hold-duration": { type: "string" },
      workers: { type: "string" },
      connections: { type: "string" },
      tokens: { type: "string" },
      "mint-batch": { type: "string" },
      "issuance-batch": { type: "string" },
      "dev-dir": { type: "string" },
      credentials: { type: "string" },
      quota: { type: "string" },
      out: { type: "string" },
      html: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(HELP);
    return 0;
  }
  const kem = values.kem === undefined ? undefined : LOAD_KEMS.find((k) => k === values.kem);
  if (values.kem !== undefined && kem === undefined) throw new Error(`--kem: one of ${LOAD_KEMS.join(", ")}`);
  const scenario = SCENARIOS.find((s) => s === (values.scenario ?? "search"));
  if (scenario === undefined) throw new Error(`--scenario: one of ${SCENARIOS.join(", ")}`);
  if (values.queries !== undefined && values.queries !== "default" && values.queries !== "synthetic") throw new Error("--queries: default or synthetic");
  if (values.rate !== undefined && values.concurrency !== undefined) throw new Error("--rate and --concurrency exclude each other");
  const shape: LoadShape =
    values.concurrency !== undefined
      ? { mode: "concurrency", concurrency: Math.round(positive(values.concurrency, "concurrency", 1)) }
      : { mode: "rate", rate: positive(values.rate, "rate", 50) };
  const durationMs = duration(values.duration ?? "10s", "duration");
  const warmupMs = duration(values.warmup ?? "2s", "warmup");
  const quota = Math.round(positive(values.quota ?? process.env["ISSUER_QUOTA"], "quota", 100));
  const devDir = resolve(values["dev-dir"] ?? process.env["START_DEV_DIR"] ?? join(ROOT, ".dev"));
  const ui = progressLine();

  let stack: RunningStack | undefined;
  let relayUrl = values.relay ?? process.env["RELAY_URL"] ?? localUrl("relay");
  if (values["start-stack"] === true) {
    ui.note("starting the local stack…");
    // One generator on one address would hit the relay's per-address limit within seconds.
    stack = await startStack({ env: { ...process.env, RELAY_RATE_LIMIT: process.env["RELAY_RATE_LIMIT"] ?? "1000000000" }, devDir, stdio: "ignore" });
    relayUrl = stack.services.find((s) => s.name === "relay")?.url ?? relayUrl;
  }
  const serviceUrl = (name: string): string | undefined => stack?.services.find((s) => s.name === name)?.url;
  const direct =
    values.direct === true
      ? {
          search: values["search-url"] ?? process.env["STICKER_SEARCH_URL"] ?? serviceUrl("sticker-search") ?? localUrl("sticker-search"),
          telemetry: values["telemetry-url"] ?? process.env["TELEMETRY_URL"] ?? serviceUrl("telemetry") ?? localUrl("telemetry"),
        }
      : undefined;
  const session = await LoadSession.open({
    relayUrl,
    ...(kem === undefined ? {} : { kem }),
    scenario,
    ...(values.mix === undefined ? {} : { mix: parseMix(values.mix) }),
    authorities: authoritiesFrom(values.origins),
    ...(direct === undefined ? {} : { direct }),
    ...(values.queries === "synthetic" ? { searchQueries: SYNTHETIC_SEARCH_QUERIES } : {}),
    credentials: values.credentials === undefined ? await devCredentials(devDir, quota) : fileCredentials(values.credentials, quota),
    ...(values.workers === undefined ? {} : { workers: Math.round(positive(values.workers, "workers", 1)) }),
    ...(values.connections === undefined ? {} : { connections: Math.round(positive(values.connections, "connections", 64)) }),
    ...(values["mint-batch"] === undefined ? {} : { mintBatch: Math.round(positive(values["mint-batch"], "mint-batch", 50)) }),
    ...(values["issuance-batch"] === undefined ? {} : { issuanceBatch: Math.round(positive(values["issuance-batch"], "issuance-batch", 10)) }),
    onProgress: ui.update,
  });
  const runs: RunResult[] = [];
  let saturation: SaturationResult | undefined;
  let primary = 0;
  let failed = false;
  try {
    const tokens = values.tokens === undefined ? {} : { budget: Math.round(positive(values.tokens, "tokens", 1)) };
    if (values["find-saturation"] === true) {
      const found = await findSaturation(
        session,
        {
          ...DEFAULT_SATURATION,
          mode: shape.mode,
          start: shape.mode === "rate" ? shape.rate : shape.concurrency,
          ...(values.step === undefined ? {} : { stepMs: duration(values.step, "step") }),
          ...(values.factor === undefined ? {} : { factor: positive(values.factor, "factor", 1.5) }),
          ...(values["max-steps"] === undefined ? {} : { maxSteps: Math.round(positive(values["max-steps"], "max-steps", 12)) }),
          warmupMs: Math.min(warmupMs, 1000),
        },
        (step) =>
          ui.note(
            `  ${step.offered}${shape.mode === "rate" ? "/s" : " in flight"}: ${step.throughput.toFixed(1)} served/s, p50 ${step.p50Ms.toFixed(2)} ms, p99 ${step.p99Ms.toFixed(2)} ms, ${step.errors} errors${step.sustained ? "" : " (not sustained)"}`,
          ),
      );
      saturation = found.result;
      runs.push(...found.runs);
      primary = runs.reduce((best, r, i) => (r.errors === 0 && r.throughput > (runs[best]?.throughput ?? 0) ? i : best), 0);
      if (values.hold !== undefined) {
        const rate = Math.max(1, Math.round(saturation.saturationRps * positive(values.hold, "hold", 0.8)));
        const hold = await session.run({ shape: { mode: "rate", rate }, durationMs: duration(values["hold-duration"] ?? "60s", "hold-duration"), warmupMs, label: `hold ${rate}/s` });
        runs.push(hold);
        primary = runs.length - 1;
        failed = hold.errors > 0;
      }
    } else {
      const run = await session.run({ shape, durationMs, warmupMs, ...tokens });
      runs.push(run);
      failed = run.errors > 0;
    }
  } finally {
    ui.done();
    await session.close();
    await stack?.stop();
  }
  const report: LoadReport = {
    tool: "oblivious-load",
    generatedAt: new Date().toISOString(),
    relayUrl,
    workers: session.workerCount,
    kem: session.kem,
    runs,
    primary,
    ...(saturation === undefined ? {} : { saturation }),
  };
  process.stdout.write(`${textTable(report)}\n`);
  for (const file of writeReport(report, { ...(values.out === undefined ? {} : { json: values.out }), ...(values.html === undefined ? {} : { html: values.html }) })) {
    process.stderr.write(`wrote ${file}\n`);
  }
  if (runs.some((r) => (r.errorsByOutcome["relay 429"] ?? 0) > 0)) {
    process.stderr.write("the relay refused requests with 429: raise its per-address limit (RELAY_RATE_LIMIT) for load tests\n");
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`load: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
