/**
 * The Privacy Pass issuer against the physical limit of its work: blind signatures per second over
 * HTTP beside `openssl speed rsa2048` signs per second, measured in the same run.
 *
 * - Everything measured runs on core 0, one at a time: `openssl speed`, then the issuer with one
 *   signing worker (ISSUER_SIGNERS=1, so its event loop and its signer share the core, as they
 *   share each core of a larger machine), then `openssl speed` again. The load generator
 *   (issuer-load.ts) runs on core 1.
 * - Both rates are per CPU-second of the subject: OpenSSL divides by its user time, the issuer's
 *   time (every thread, user and system) is read from /proc. That is "per core used", and a
 *   process that shares core 0 meanwhile does not count as the issuer's idle time. It still slows
 *   both (caches, switches), so each row says when core 0 was shared.
 * - The limit is the better of the two OpenSSL runs: noise only ever slows a run down.
 * - One row per request size: single requests, generic batches (draft-ietf-privacypass-batched-
 *   tokens) of 10, and of 100 (ISSUER_MAX_BATCH by default). The HTTP request, the credential
 *   (an Ed25519 JWT) and the trip to the worker cost the same for one token or a hundred.
 * - The directory is fetched every 10 ms during every phase; the last row is the worst phase's
 *   p99, against a bound (20 ms), not a physical limit: its ratio is bound / p99 (>= 1: met).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDevAttester, prepareDevIssuer } from "@oblivious/issuer";
import { ROOT } from "../stack.js";
import { opensslSpeedRsa2048 } from "./openssl-speed.js";
import { freePort, runPinned, stop, waitFor } from "./pinned.js";

export interface IssuerBenchRow {
  readonly name: string;
  readonly measured: string;
  readonly limit: string;
  readonly ratio: number;
  readonly goal: number;
}

export interface IssuerBenchResult {
  readonly row: IssuerBenchRow;
  readonly detail: Record<string, unknown>;
}

const HERE = join(ROOT, "scripts/dist");
/** Request sizes, each with enough requests in flight to keep the issuer's one core busy. */
const PHASES = [
  { size: 1, concurrency: 16 },
  { size: 10, concurrency: 8 },
  { size: 100, concurrency: 4 },
] as const;
const DIRECTORY_BOUND_MS = 20;
const DIRECTORY_INTERVAL_MS = 10;
/** A subject that had less of core 0 than this shared it with another process. */
const SHARED_BELOW = 0.9;


/** Runs `node script args` pinned to `core`, returns its last stdout line parsed as JSON. */



interface Phase {
  readonly size: number;
  readonly signaturesPerIssuerCpuSecond: number;
  readonly signaturesPerSecond: number;
  readonly issuerCoreUtilization: number;
  readonly othersOnIssuerCore: number;
  readonly issuerCpuUsPerSignature: number;
  readonly directory: { readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number; readonly count: number };
}

const num = (x: number, digits = 0): string => x.toFixed(digits);
const sizeName = (size: number): string => (size === 1 ? "single requests" : `batches of ${size}`);

const waitReadyz = (adminUrl: string, child: ChildProcess): Promise<void> => waitFor(`${adminUrl}/readyz`, child);

export async function benchIssuer(seconds: number): Promise<IssuerBenchResult[]> {
  // Before and after the issuer, half the time each: a machine whose speed changed under the run
  // shows as two different figures, and the limit is the better one.
  const opensslSeconds = Math.max(2, Math.round(seconds / 2));
  const before = await opensslSpeedRsa2048(opensslSeconds, 0);

  const dir = mkdtempSync(join(tmpdir(), "bench-issuer-"));
  let issuer: ChildProcess | undefined;
  let load: Record<string, unknown>;
  try {
    const files = await prepareDevIssuer(dir);
    const credential = await (await createDevAttester(dir)).mint("bench-device", 3600);
    const [port, admin] = [await freePort(), await freePort()];
    issuer = spawn("taskset", ["-c", "0", process.execPath, join(ROOT, "services/issuer/dist/src/main.js")], {
      env: {
        ...process.env,
        ...files.env,
        ISSUER_PORT: String(port),
        ISSUER_ADMIN_PORT: String(admin),
        ISSUER_SIGNERS: "1",
        // One device asks for every token: the quota must never be what refuses.
        ISSUER_QUOTA: "1000000000",
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    await waitReadyz(`http://127.0.0.1:${admin}`, issuer);
    load = await runPinned(
      1,
      join(HERE, "bench/issuer-load.js"),
      [`http://127.0.0.1:${port}`, String(seconds * 1000), String(issuer.pid), PHASES.map((p) => `${p.size}:${p.concurrency}`).join(","), String(DIRECTORY_INTERVAL_MS), "0"],
      { BENCH_ISSUER_CREDENTIAL: credential },
    );
  } finally {
    if (issuer !== undefined) await stop(issuer, 15_000);
    rmSync(dir, { recursive: true, force: true });
  }
  const after = await opensslSpeedRsa2048(opensslSeconds, 0);

  const limit = Math.max(before.signPerSecond, after.signPerSecond);
  const opensslShared = Math.min(before.coreShare, after.coreShare) < SHARED_BELOW;
  const phases = load["phases"] as Phase[];
  const signing = phases.map((phase, i) => {
    const shared = opensslShared || phase.othersOnIssuerCore > 1 - SHARED_BELOW;
    return {
      row: {
        name: `Privacy Pass issuer signing over HTTP vs openssl speed rsa2048 (per core, ${sizeName(phase.size)})`,
        measured:
          `${num(phase.signaturesPerIssuerCpuSecond)} signatures/s per core ` +
          `(${num(phase.signaturesPerSecond)}/s at ${num(phase.issuerCoreUtilization * 100)}% of the core${shared ? "; core 0 was shared, noisy" : ""})`,
        limit: `${num(limit)} sign/s`,
        ratio: phase.signaturesPerIssuerCpuSecond / limit,
        goal: 0.8,
      },
      detail: {
        ...phase,
        issuerSigners: 1,
        opensslUsPerSign: 1e6 / limit,
        ...(i === 0 ? { openssl: { before, after, nodeOpenssl: process.versions.openssl }, warmUp: load["warmUp"], generator: load["generator"] } : {}),
      },
    };
  });
  // The worst of the phases: each one is full signing load.
  const worst = phases.reduce((a, b) => (b.directory.p99Ms > a.directory.p99Ms ? b : a));
  const directory = worst.directory;
  return [
    ...signing,
    {
      row: {
        name: "issuer directory GET p99 under signing load",
        measured: `${num(directory.p99Ms, 1)} ms p99 (p50 ${num(directory.p50Ms, 1)} ms, max ${num(directory.maxMs, 1)} ms; worst phase: ${sizeName(worst.size)})`,
        limit: `${DIRECTORY_BOUND_MS} ms (bound)`,
        ratio: DIRECTORY_BOUND_MS / directory.p99Ms,
        goal: 1,
      },
      detail: {
        underLoad: Object.fromEntries(phases.map((p) => [sizeName(p.size), p.directory])),
        idle: load["idleDirectory"],
        intervalMs: load["directoryIntervalMs"],
      },
    },
  ];
}
