/**
 * The post-quantum key on the full privacy path (issue 17): the same stack (`npm start`'s, the
 * embedded catalogue), whose gateway lists an X-Wing and an X25519 key, loaded once through each.
 *
 *  - p50 of a search through relay, gateway (HPKE) and sticker-search at one fixed rate, with
 *    the requests sealed to the X25519 key and to the X-Wing key, in `rounds` pairs in ABBA order
 *    (docs/decisions/0015-benchmark-method.md); the p50 X-Wing adds is the median of the pairs'
 *    differences;
 *  - bytes on the wire per search with each KEM: the encapsulated request the client posts to
 *    the relay and the encapsulated response it gets back (bodies; the HTTP framing around them
 *    is the same for both), taken from the client SDK's own fetch.
 *
 * Services on core 0, the load generator on core 1 (BENCH_PIN=0 turns that off).
 * argv: measureSeconds rate rounds   (default 8 100 3). Progress on stderr; one JSON line on stdout.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type KemName } from "@oblivious/client";
import { createDevAttester } from "@oblivious/issuer/dev";
import { LoadSession, devCredentials, type RunResult, type RunSpec } from "../load/index.js";
import { STACK_ORIGINS, startStack, type RunningStack } from "../stack.js";
import { freePort } from "@oblivious/test-kit";

const [measureText = "8", rateText = "100", roundsText = "3"] = process.argv.slice(2);
const MEASURE_MS = Number(measureText) * 1000;
const RATE = Number(rateText);
const ROUNDS = Math.max(1, Math.round(Number(roundsText)));
const PIN = process.env["BENCH_PIN"] !== "0" && availableParallelism() >= 2;
const KEMS: readonly KemName[] = ["x25519", "x-wing"];

const note = (text: string): boolean => process.stderr.write(`kem-path: ${text}\n`);
const round = (v: number, digits = 3): number => Number(v.toFixed(digits));

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function pin(pid: number, core: number): void {
  execFileSync("taskset", ["-a", "-p", "-c", String(core), String(pid)], { stdio: "ignore" });
}

/** One search with a client on `kem`, after a first one that fetched keys, directory and tokens: its relay bodies. */
async function wireBytes(relayUrl: string, issuerUrl: string, devDir: string, kem: KemName): Promise<{ request: number; response: number; kem: KemName | undefined }> {
  const attester = await createDevAttester(devDir);
  const seen: { request: number; response: number }[] = [];
  const recording = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const res = await fetch(input, init);
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!url.endsWith("/relay")) return res;
    const body = new Uint8Array(await res.arrayBuffer());
    seen.push({ request: init?.body instanceof Uint8Array ? init.body.length : Number.NaN, response: body.length });
    return new Response(body, { status: res.status, headers: res.headers });
  };
  // Type 2, as when these rows were first measured (the ARC rows are bench/arc-path.ts).
  const client = createClient({ relayUrl, issuerUrl, kem, tokenType: "2", credential: () => attester.mint("bench-kem-path", 300), fetch: recording as typeof fetch, batchSize: 4 });
  await client.searchStickers({ q: "cat", locale: "en", limit: 10 });
  await client.idle();
  seen.length = 0;
  await client.searchStickers({ q: "cat", locale: "en", limit: 10 });
  const last = seen.at(-1);
  if (seen.length !== 1 || last === undefined) throw new Error(`expected one relay exchange for a search with tokens in hand, saw ${seen.length}`);
  return { ...last, kem: client.kem };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-kem-path-"));
  let stack: RunningStack | undefined;
  const sessions: LoadSession[] = [];
  try {
    const ports: Record<string, string> = {};
    for (const name of ["RELAY", "GATEWAY", "ISSUER", "STICKER_SEARCH", "TELEMETRY"]) {
      ports[`${name}_PORT`] = String(await freePort());
      ports[`${name}_ADMIN_PORT`] = String(await freePort());
    }
    const url = (name: string): string => `http://127.0.0.1:${ports[`${name}_PORT`] ?? ""}`;
    note("starting the stack (its gateway lists an X-Wing key and an X25519 key)");
    stack = await startStack({ env: { ...process.env, ...ports, RELAY_RATE_LIMIT: "1000000000", ISSUER_QUOTA: "1000000" }, devDir: dir, stdio: "ignore" });

    const wire: Record<string, { request: number; response: number }> = {};
    for (const kem of KEMS) {
      const w = await wireBytes(url("RELAY"), url("ISSUER"), dir, kem);
      if (w.kem !== kem) throw new Error(`the client used ${w.kem ?? "no key"}, not ${kem}`);
      wire[kem] = { request: w.request, response: w.response };
      note(`${kem}: ${w.request} bytes up, ${w.response} bytes down per search`);
    }

    if (PIN) {
      for (const child of stack.children) if (child.pid !== undefined) pin(child.pid, 0);
      pin(process.pid, 1);
    }
    const common = {
      relayUrl: url("RELAY"),
      scenario: "search" as const,
      authorities: { search: new URL(STACK_ORIGINS.stickerSearch).host, telemetry: new URL(STACK_ORIGINS.telemetry).host, issuer: new URL(STACK_ORIGINS.issuer).host },
    };
    const byKem: Record<string, LoadSession> = {};
    for (const kem of KEMS) {
      const s = await LoadSession.open({ ...common, kem, credentials: await devCredentials(dir, 1_000_000) });
      sessions.push(s);
      byKem[kem] = s;
    }
    const spec = (label: string): RunSpec => ({ shape: { mode: "rate", rate: RATE }, durationMs: MEASURE_MS, warmupMs: 2000, label });
    const run = async (kem: KemName, i: number): Promise<RunResult> => {
      const s = byKem[kem];
      if (s === undefined) throw new Error(kem);
      const r = spec(`${kem} ${RATE}/s, pair ${i + 1}`);
      await s.provision(r);
      return s.run(r);
    };
    note(`${ROUNDS} pairs of ${MEASURE_MS / 1000} s runs at ${RATE}/s, ABBA order`);
    const pairs: { x25519: RunResult; xwing: RunResult; order: string }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const classicFirst = i % 2 === 0;
      const first = await run(classicFirst ? "x25519" : "x-wing", i);
      const second = await run(classicFirst ? "x-wing" : "x25519", i);
      const pair = classicFirst ? { x25519: first, xwing: second, order: "x25519, x-wing" } : { x25519: second, xwing: first, order: "x-wing, x25519" };
      pairs.push(pair);
      note(`  pair ${i + 1}: x25519 p50 ${pair.x25519.latency.p50Ms.toFixed(2)} ms, x-wing p50 ${pair.xwing.latency.p50Ms.toFixed(2)} ms (${pair.x25519.errors + pair.xwing.errors} errors)`);
    }
    const added = pairs.map((p) => p.xwing.latency.p50Ms - p.x25519.latency.p50Ms);
    const result = {
      rate: RATE,
      seconds: MEASURE_MS / 1000,
      addedP50Ms: round(median(added)),
      pairs: pairs.map((p, i) => ({
        order: p.order,
        x25519P50Ms: round(p.x25519.latency.p50Ms),
        xWingP50Ms: round(p.xwing.latency.p50Ms),
        addedP50Ms: round(added[i] as number),
        x25519P99Ms: round(p.x25519.latency.p99Ms),
        xWingP99Ms: round(p.xwing.latency.p99Ms),
      })),
      errors: pairs.reduce((n, p) => n + p.x25519.errors + p.xwing.errors, 0),
      wire,
      pinned: PIN,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    for (const s of sessions) await s.close();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`kem-path: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
