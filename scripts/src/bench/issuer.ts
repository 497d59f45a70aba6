/**
 * The Privacy Pass issuer against the physical limit of its work: blind signatures per second over
 * HTTP beside `openssl speed rsa2048` signs per second, measured in the same run.
 *
 * - Everything measured runs on core 0, one at a time: `openssl speed`, then two issuers in turn,
 *   then `openssl speed` again. The load generator (issuer-load.ts) runs on core 1.
 * - The two issuers are the two ways it can use one core. The goal's subject signs on its event
 *   loop (ISSUER_SIGNERS=0: one process per core). The reference has one signing worker beside
 *   its event loop on the same core (ISSUER_SIGNERS=1), as each core of a multi-core pool has.
 *   Both run for the whole benchmark and take turns, one round each, in an order that swaps
 *   every round.
 * - Both rates are per CPU-second of the subject: OpenSSL divides by its user time, the issuer's
 *   time (every thread, user and system) is read from /proc. That is "per core used", and a
 *   process that shares core 0 meanwhile does not count as the issuer's idle time. It still slows
 *   both (caches, switches), so each row says when core 0 was shared.
 * - The limit is the better of the two OpenSSL runs: noise only ever slows a run down.
 * - One row per request size: single requests, generic batches (draft-ietf-privacypass-batched-
 *   tokens) of 10, and of 100 (ISSUER_MAX_BATCH by default). The HTTP request, the credential
 *   (an Ed25519 JWT) and the trip to a worker cost the same for one token or a hundred.
 * - The phases run in `rounds` interleaved rounds (single, 10, 100, single, 10, 100...) on each
 *   issuer, and each size keeps its best round, as the gateway's subjects do: the machine's speed
 *   drifts from minute to minute by more than the differences measured, and noise only ever slows
 *   a run down (docs/decisions/0015-benchmark-method.md). Every round is reported.
 * - The goal (0.8 of OpenSSL per core used) is held by the batched rows. A single-token request
 *   also carries the device credential's Ed25519 verification, which `openssl speed rsa2048`
 *   does not do: even with no HTTP cost at all, one token per request cannot reach the goal
 *   (docs/decisions/0014-no-verified-credential-cache.md). So the single row is reported as a reference, beside its own physical
 *   limit, one signature plus one Ed25519 verification (`openssl speed ed25519`, same run). The
 *   SDK asks for tokens in batches (8 by default), where that check is shared.
 * - A reference row holds the signing step alone (signer-loop.ts, core 0, between the two OpenSSL
 *   runs): the issuer's BlindSign with its RFC 9474 check in a bare loop. It is the most any
 *   issuer that does that check can reach, and each row says how its CPU per signature splits
 *   between the main thread (HTTP, credential, quota, encodings, and the signing itself when
 *   the event loop signs) and the others (the signer, V8's helpers).
 * - The directory is fetched every 10 ms during every phase; the last row is the worst phase's
 *   p99, against a bound (20 ms), not a physical limit: its ratio is bound / p99 (>= 1: met).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDevAttester, prepareDevIssuer } from "@oblivious/issuer/dev";
import { ROOT } from "../stack.js";
import { opensslSpeedEd25519, opensslSpeedRsa2048 } from "./openssl-speed.js";
import { runPinned, stop, waitFor } from "./pinned.js";
import { freePort } from "@oblivious/test-kit";

export interface IssuerBenchRow {
  readonly name: string;
  readonly measured: string;
  readonly limit: string;
  readonly ratio: number;
  readonly goal: number;
  /** A reference measurement that explains another row; it has no goal of its own. */
  readonly reference?: true;
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
/**
 * The two ways the issuer can use one core: signing on its event loop (ISSUER_SIGNERS=0, the
 * goal's subject: one process per core), and one signing worker beside the event loop on the same
 * core (ISSUER_SIGNERS=1, a reference: what each core of a multi-core pool does).
 */
interface Subject {
  readonly name: string;
  readonly signers: string;
  readonly reference: boolean;
}
const SUBJECTS: readonly Subject[] = [
  { name: "signing on the event loop", signers: "0", reference: false },
  { name: "one signing worker on the same core", signers: "1", reference: true },
];
const DIRECTORY_BOUND_MS = 20;
const DIRECTORY_INTERVAL_MS = 10;
/** A subject that had less of core 0 than this shared it with another process. */
const SHARED_BELOW = 0.9;

interface Phase {
  readonly size: number;
  readonly signaturesPerIssuerCpuSecond: number;
  readonly signaturesPerSecond: number;
  readonly issuerCoreUtilization: number;
  readonly othersOnIssuerCore: number;
  readonly issuerCpuUsPerSignature: number;
  readonly mainThreadUsPerSignature: number;
  readonly otherThreadsUsPerSignature: number;
  readonly directory: { readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number; readonly count: number };
}

/** signer-loop.ts's result. */
interface SignerLoop {
  readonly signUsPerCall: number;
  readonly privateDecryptUsPerCall: number;
}

const num = (x: number, digits = 0): string => x.toFixed(digits);
const sizeName = (size: number): string => (size === 1 ? "single requests" : `batches of ${size}`);

const waitReadyz = (adminUrl: string, child: ChildProcess): Promise<void> => waitFor(`${adminUrl}/readyz`, child);

export async function benchIssuer(seconds: number, rounds: number): Promise<IssuerBenchResult[]> {
  // Before and after the issuer, half the time each: a machine whose speed changed under the run
  // shows as two different figures, and the limit is the better one.
  const opensslSeconds = Math.max(2, Math.round(seconds / 2));
  const before = await opensslSpeedRsa2048(opensslSeconds, 0);
  const ed25519 = await opensslSpeedEd25519(opensslSeconds, 0);
  const loop = (await runPinned(0, join(HERE, "bench/signer-loop.js"), [String(opensslSeconds), "3"])) as unknown as SignerLoop;

  const dir = mkdtempSync(join(tmpdir(), "bench-issuer-"));
  const issuers: ChildProcess[] = [];
  const measured = new Map<Subject, Phase[]>(SUBJECTS.map((s) => [s, []]));
  let firstLoad: Record<string, unknown> = {};
  try {
    const files = await prepareDevIssuer(dir);
    const credential = await (await createDevAttester(dir)).mint("bench-device", 3600);
    // Both issuers run for the whole benchmark, idle but for their turns.
    const started: { subject: Subject; port: number; pid: number }[] = [];
    for (const subject of SUBJECTS) {
      const [port, admin] = [await freePort(), await freePort()];
      const issuer = spawn("taskset", ["-c", "0", process.execPath, join(ROOT, "services/issuer/dist/src/main.js")], {
        env: {
          ...process.env,
          ...files.env,
          ISSUER_PORT: String(port),
          ISSUER_ADMIN_PORT: String(admin),
          ISSUER_SIGNERS: subject.signers,
          // One device asks for every token: the quota must never be what refuses.
          ISSUER_QUOTA: "1000000000",
        },
        stdio: ["ignore", "ignore", "inherit"],
      });
      issuers.push(issuer);
      await waitReadyz(`http://127.0.0.1:${admin}`, issuer);
      started.push({ subject, port, pid: issuer.pid ?? 0 });
    }
    const phases = PHASES.map((p) => `${p.size}:${p.concurrency}`).join(",");
    for (let round = 0; round < rounds; round++) {
      // Each round swaps the subjects' order, so that neither is always first after OpenSSL.
      for (const { subject, port, pid } of round % 2 === 0 ? started : [...started].reverse()) {
        const load = await runPinned(
          1,
          join(HERE, "bench/issuer-load.js"),
          [`http://127.0.0.1:${port}`, String(seconds * 1000), String(pid), phases, String(DIRECTORY_INTERVAL_MS), "0"],
          { BENCH_ISSUER_CREDENTIAL: credential },
        );
        measured.get(subject)?.push(...(load["phases"] as Phase[]));
        if (round === 0 && subject === SUBJECTS[0]) firstLoad = load;
      }
    }
  } finally {
    for (const issuer of issuers) await stop(issuer, 15_000);
    rmSync(dir, { recursive: true, force: true });
  }
  const after = await opensslSpeedRsa2048(opensslSeconds, 0);

  const limit = Math.max(before.signPerSecond, after.signPerSecond);
  const opensslShared = Math.min(before.coreShare, after.coreShare, ed25519.coreShare) < SHARED_BELOW;
  const signing = SUBJECTS.flatMap((subject, s) =>
    PHASES.map(({ size }, i) => {
      const runs = (measured.get(subject) ?? []).filter((p) => p.size === size);
      const phase = runs.reduce((a, b) => (b.signaturesPerIssuerCpuSecond > a.signaturesPerIssuerCpuSecond ? b : a));
      const shared = opensslShared || phase.othersOnIssuerCore > 1 - SHARED_BELOW;
      const perRound = runs.map((r) => Math.round(r.signaturesPerIssuerCpuSecond));
      const ratio = phase.signaturesPerIssuerCpuSecond / limit;
      // One signature and one credential check per request: the single request's own limit.
      const perRequestLimit = 1 / (1 / limit + 1 / ed25519.verifyPerSecond);
      const single = size === 1;
      const threads =
        subject.signers === "0"
          ? `${num(phase.mainThreadUsPerSignature)} µs on the event loop (signing included), ${num(phase.otherThreadsUsPerSignature)} µs on V8's helpers`
          : `${num(phase.mainThreadUsPerSignature)} µs on the main thread, ${num(phase.otherThreadsUsPerSignature)} µs on the others (the signer)`;
      return {
        row: {
          name: `${subject.reference ? "  reference: " : ""}Privacy Pass issuer signing over HTTP vs openssl speed rsa2048 (per core, ${sizeName(size)}, ${subject.name})`,
          measured:
            `${num(phase.signaturesPerIssuerCpuSecond)} signatures/s per core, best of ${runs.length} rounds: ${perRound.join(" / ")} ` +
            `(${num(phase.signaturesPerSecond)}/s at ${num(phase.issuerCoreUtilization * 100)}% of the core${shared ? "; core 0 was shared, noisy" : ""})` +
            `; per signature ${threads}` +
            (single ? `; ${num(phase.signaturesPerIssuerCpuSecond / perRequestLimit, 2)} of one signature plus one Ed25519 verification (${num(perRequestLimit)}/s)` : ""),
          limit: `${num(limit)} sign/s`,
          ratio,
          goal: 0.8,
          ...(single || subject.reference ? { reference: true as const } : {}),
        },
        detail: {
          ...phase,
          rounds: runs.map((r) => ({
            signaturesPerIssuerCpuSecond: Math.round(r.signaturesPerIssuerCpuSecond),
            issuerCpuUsPerSignature: Number(r.issuerCpuUsPerSignature.toFixed(1)),
            mainThreadUsPerSignature: Number(r.mainThreadUsPerSignature.toFixed(1)),
            otherThreadsUsPerSignature: Number(r.otherThreadsUsPerSignature.toFixed(1)),
            othersOnIssuerCore: r.othersOnIssuerCore,
          })),
          issuerSigners: Number(subject.signers),
          opensslUsPerSign: 1e6 / limit,
          ...(single ? { perRequestLimit: { signaturesPerSecond: perRequestLimit, ed25519VerifyPerSecond: ed25519.verifyPerSecond, ratio: phase.signaturesPerIssuerCpuSecond / perRequestLimit } } : {}),
          ...(s === 0 && i === 0 ? { openssl: { before, after, ed25519, nodeOpenssl: process.versions.openssl }, warmUp: firstLoad["warmUp"], generator: firstLoad["generator"] } : {}),
        },
      };
    }),
  );
  // The worst of the phases of both issuers: each one is full signing load.
  const all = SUBJECTS.flatMap((subject) => (measured.get(subject) ?? []).map((phase) => ({ subject, phase })));
  const worst = all.reduce((a, b) => (b.phase.directory.p99Ms > a.phase.directory.p99Ms ? b : a));
  const directory = worst.phase.directory;
  const loopRate = 1e6 / loop.signUsPerCall;
  return [
    ...signing,
    {
      row: {
        name: "  reference: the issuer's BlindSign alone in a loop (private operation, s^e = m check), no HTTP or worker",
        measured:
          `${num(loopRate)} signatures/s per core (${num(loop.signUsPerCall)} µs; node's privateDecrypt alone ` +
          `${num(loop.privateDecryptUsPerCall)} µs, ${num(1e6 / loop.privateDecryptUsPerCall / limit, 2)} of OpenSSL)`,
        limit: `${num(limit)} sign/s`,
        ratio: loopRate / limit,
        goal: 0.8,
        reference: true,
      },
      detail: { ...loop, opensslUsPerSign: 1e6 / limit },
    },
    {
      row: {
        name: "issuer directory GET p99 under signing load",
        measured: `${num(directory.p99Ms, 1)} ms p99 (p50 ${num(directory.p50Ms, 1)} ms, max ${num(directory.maxMs, 1)} ms; worst phase of ${all.length}: ${sizeName(worst.phase.size)}, ${worst.subject.name})`,
        limit: `${DIRECTORY_BOUND_MS} ms (bound)`,
        ratio: DIRECTORY_BOUND_MS / directory.p99Ms,
        goal: 1,
      },
      detail: {
        underLoad: all.map(({ subject, phase }) => ({ phase: `${sizeName(phase.size)}, ${subject.name}`, ...phase.directory })),
        idle: firstLoad["idleDirectory"],
        intervalMs: firstLoad["directoryIntervalMs"],
      },
    },
  ];
}
