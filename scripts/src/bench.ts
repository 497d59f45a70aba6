/**
 * `npm run bench`: performance as ratios against the physical limit, measured side by side in
 * one run on this machine. Each benchmark runs its subject pinned to one core (`taskset -c 0`)
 * and its load generator on the other, so the ratio compares like with like.
 *
 *  - OHTTP gateway: raw HPKE open+seal per second (a bare loop over the same library, one core)
 *    beside gateway requests per second over HTTP (one core). Goal: ratio >= 0.5.
 *  - Privacy Pass issuer: `openssl speed rsa2048` signs per second beside the issuer's blind
 *    signatures per second over HTTP, per core used, for single requests and batches of 10 and
 *    100 (bench/issuer.ts). Goal: ratio >= 0.8. And the directory's p99 during that load, against
 *    a bound of 20 ms: its ratio is bound / p99 (goal >= 1).
 *
 * Results are printed as a table and written to bench-results/bench.json.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyFile } from "@oblivious/gateway";
import { benchIssuer } from "./bench/issuer.js";
import { freePort, runPinned, stop, waitFor } from "./bench/pinned.js";
import { ROOT } from "./stack.js";

const HERE = join(ROOT, "scripts/dist");
const SECONDS = Number(process.env["BENCH_SECONDS"] ?? "8");




interface Row {
  readonly name: string;
  readonly measured: string;
  readonly limit: string;
  readonly ratio: number;
  readonly goal: number;
  /** A reference measurement that explains another row; it has no goal of its own. */
  readonly reference?: true;
}


/**
 * One OHTTP gateway subject under load: `args` run pinned to core 0 (they must serve the key
 * listing at `/ohttp-keys` and requests at `/gateway` on `port`), the load on core 1.
 */
async function loadGatewaySubject(args: (ports: { port: number; admin: number; targetPort: number; keysFile: string }) => { argv: string[]; env: Record<string, string>; ready: string }): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "bench-gateway-"));
  const keysFile = join(dir, "keys.json");
  generateKeyFile(keysFile, new Date(Date.now() - 60_000));
  const ports = { port: await freePort(), admin: await freePort(), targetPort: await freePort(), keysFile };
  const subject = args(ports);
  const child = spawn("taskset", ["-c", "0", process.execPath, ...subject.argv], { env: { ...process.env, ...subject.env }, stdio: ["ignore", "ignore", "inherit"] });
  try {
    await waitFor(subject.ready);
    return await runPinned(1, join(HERE, "bench/gateway-load.js"), [
      `http://127.0.0.1:${ports.port}/gateway`,
      `http://127.0.0.1:${ports.port}/ohttp-keys`,
      String(ports.targetPort),
      String(SECONDS * 1000),
      "32",
      String(child.pid),
    ]);
  } finally {
    await stop(child, 10_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

function gatewayRow(name: string, load: Record<string, unknown>, rawOps: number, goal: number | undefined): Row {
  // Requests per CPU-second the subject used on its one core; when the generator keeps the core
  // busy (utilization near 1) this equals the achieved rate.
  const perCore = Number(load["requestsPerGatewayCpuSecond"]);
  const achieved = Number(load["requestsPerSecond"]);
  const utilization = Number(load["gatewayCoreUtilization"]);
  return {
    name,
    measured: `${perCore.toFixed(0)} req/s per core (${achieved.toFixed(0)} req/s at ${(utilization * 100).toFixed(0)}% of the core)`,
    limit: `${rawOps.toFixed(0)} open+seal/s`,
    ratio: perCore / rawOps,
    goal: goal ?? 0,
    ...(goal === undefined ? { reference: true } : {}),
  };
}

/**
 * The gateway beside raw HPKE, and two reference subjects that show where the limit of Node's
 * HTTP stack lies: a minimal gateway that forwards (no checks, logs or metrics) and one that
 * answers itself without any forward (scripts/src/bench/minimal-gateway.ts).
 */
async function benchGateway(): Promise<{ row: Row; detail: Record<string, unknown> }[]> {
  const raw = await runPinned(0, join(HERE, "bench/raw-hpke.js"), [String(SECONDS * 1000)]);
  const rawOps = Number(raw["opsPerSecond"]);
  const gateway = await loadGatewaySubject(({ port, admin, targetPort, keysFile }) => ({
    argv: [join(ROOT, "services/gateway/dist/src/main.js")],
    env: {
      GATEWAY_PORT: String(port),
      GATEWAY_ADMIN_PORT: String(admin),
      GATEWAY_KEYS_FILE: keysFile,
      GATEWAY_TARGETS: `https://bench-target.internal=http://127.0.0.1:${targetPort}`,
    },
    ready: `http://127.0.0.1:${admin}/readyz`,
  }));
  const minimal = (mode: "forward" | "answer") =>
    loadGatewaySubject(({ port, targetPort, keysFile }) => ({
      argv: [join(HERE, "bench/minimal-gateway.js"), keysFile, String(port), String(targetPort), mode],
      env: {},
      ready: `http://127.0.0.1:${port}/ohttp-keys`,
    }));
  const forwarding = await minimal("forward");
  const answering = await minimal("answer");
  return [
    { row: gatewayRow("OHTTP gateway over HTTP vs raw HPKE (1 core)", gateway, rawOps, 0.5), detail: { rawHpke: raw, gateway } },
    { row: gatewayRow("  reference: minimal Node gateway, forwarding, no checks/logs/metrics", forwarding, rawOps, undefined), detail: { minimalForwarding: forwarding } },
    { row: gatewayRow("  reference: minimal Node gateway, answering itself (no forward)", answering, rawOps, undefined), detail: { minimalAnswering: answering } },
  ];
}

async function main(): Promise<void> {
  const results: { row: Row; detail: Record<string, unknown> }[] = [];
  console.log(`npm run bench: ${SECONDS}s per measurement; subjects pinned to core 0, load generators to core 1.\n`);
  results.push(...(await benchGateway()));
  results.push(...(await benchIssuer(SECONDS)));

  const rows = results.map((r) => r.row);
  const table = [
    ["benchmark", "measured", "physical limit", "ratio", "goal", ""],
    ...rows.map((r) =>
      r.reference === true
        ? [r.name, r.measured, r.limit, r.ratio.toFixed(2), "", ""]
        : [r.name, r.measured, r.limit, r.ratio.toFixed(2), `>= ${r.goal}`, r.ratio >= r.goal ? "met" : "MISSED"],
    ),
  ];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((line) => (line[i] ?? "").length))) ?? [];
  for (const line of table) console.log(line.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  "));
  for (const r of results) console.log(`\n${r.row.name}:\n${JSON.stringify(r.detail, null, 2)}`);

  mkdirSync(join(ROOT, "bench-results"), { recursive: true });
  writeFileSync(join(ROOT, "bench-results/bench.json"), JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
