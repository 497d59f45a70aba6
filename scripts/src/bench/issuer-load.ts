/**
 * Load on the Privacy Pass issuer over real HTTP, from its own process (pinned to the other core
 * by `npm run bench`): token requests at a fixed concurrency, one phase per request size (single
 * requests, generic batches of 10, of 100...), while the directory is fetched every few
 * milliseconds on a connection of its own.
 *
 * - Blinding costs this client several times the issuer's signature per token (bigint
 *   arithmetic), so a pool of blinded messages is made before the clock and sent over and
 *   over. The issuer keeps no state about blinded messages (only a quota count per device, set
 *   high by the bench), so a repeated request costs it what a fresh one does.
 * - Every answer is checked. The pool is made as batches of 10; during the warm-up the first
 *   answer to each is finalized into tokens (unblinding and RSASSA-PSS verification). RSA signing
 *   is deterministic (s = m^d mod n), so every later signature of the same message, in any phase,
 *   must be those same bytes.
 * - The warm-up also runs single requests, so that the issuer's hot paths are compiled before any
 *   window is measured (at a few hundred requests a second V8 keeps them in its baseline tier for
 *   seconds, which costs the issuer a noticeable part of its rate).
 * - The issuer's CPU time over each window is read from /proc/PID/stat: signatures per CPU-second
 *   of the issuer is its rate per core used, what `openssl speed` reports for a bare sign.
 * - Directory latency is measured from this process; its own event-loop delay is reported beside
 *   it, as the part of a latency that is the generator's and not the issuer's.
 *
 * - The busy time of the issuer's core (from /proc/stat) less the issuer's own time is what other
 *   processes took of that core during the window: the share reported as `othersOnIssuerCore`.
 *
 * argv: issuerUrl durationMs issuerPid phases directoryIntervalMs issuerCore
 *       phases: "size:concurrency,..." (size 1, or a multiple of 10 up to 640), e.g. "1:16,10:8,100:4"
 * env:  BENCH_ISSUER_CREDENTIAL (a device credential the issuer accepts)
 */
import { timingSafeEqual } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Client, Pool } from "undici";
import {
  ISSUER_DIRECTORY_PATH,
  MediaType,
  TokenType,
  beginBatchedTokenRequest,
  decodeBatchedTokenResponse,
  decodeIssuerDirectory,
  decodeTokenResponse,
  encodeBatchedTokenRequest,
  encodeTokenChallenge,
  encodeTokenRequest,
  type PendingBatchedTokenRequest,
} from "@oblivious/privacypass";
import { percentile } from "../load/stats.js";
import { coreBusySeconds, cpuSeconds, mainThreadCpuSeconds } from "./proc-cpu.js";

const [issuerUrl = "", durationText = "8000", issuerPid = "", phasesText = "1:16,10:8,100:4", intervalText = "10", issuerCore = "0"] =
  process.argv.slice(2);
const credential = process.env["BENCH_ISSUER_CREDENTIAL"] ?? "";
if (credential === "") throw new Error("BENCH_ISSUER_CREDENTIAL is not set");
const durationMs = Number(durationText);
const directoryIntervalMs = Number(intervalText);
/** The pool: POOL batches of UNIT blinded messages; larger requests join consecutive batches. */
const UNIT = 10;
const POOL = 64;
const WARM_UP_MS = 2000;
const IDLE_DIRECTORY_MS = 1000;

interface PhaseSpec {
  readonly size: number;
  readonly concurrency: number;
}
const phases: PhaseSpec[] = phasesText.split(",").map((p) => {
  const [size = Number.NaN, concurrency = Number.NaN] = p.split(":").map(Number);
  if (!(size === 1 || (size % UNIT === 0 && size > 0 && size <= UNIT * POOL)) || !(concurrency >= 1 && concurrency < POOL)) {
    throw new Error(`bad phase ${p}`);
  }
  return { size, concurrency };
});

const progress = (text: string): boolean => process.stderr.write(`  issuer load: ${text}\n`);
setTimeout(
  () => {
    process.stderr.write("issuer load: gave up\n");
    process.exit(2);
  },
  (phases.length + 2) * durationMs + 120_000,
).unref();

const url = new URL(issuerUrl);
const auth = `Bearer ${credential}`;

// The key a client uses: the first one in the directory whose not-before has passed (RFC 9578 §4).
const directory = decodeIssuerDirectory(await (await fetch(new URL(ISSUER_DIRECTORY_PATH, url))).text());
const listed = directory.tokenKeys.find((k) => k.tokenType === TokenType.BlindRsa2048 && (k.notBefore ?? 0) * 1000 <= Date.now());
if (listed === undefined) throw new Error("the issuer lists no usable key");
const challenge = encodeTokenChallenge({
  tokenType: TokenType.BlindRsa2048,
  issuerName: "issuer.internal",
  redemptionContext: new Uint8Array(0),
  originInfo: ["bench.internal"],
});

interface Prepared {
  readonly pending: PendingBatchedTokenRequest;
  readonly blindedMsgs: readonly Uint8Array[];
  /** The signatures of the first answer, once it was finalized into tokens. */
  expected: readonly Buffer[] | undefined;
}

progress(`blinding ${POOL * UNIT} tokens`);
const t0 = performance.now();
const prepared: Prepared[] = [];
for (let i = 0; i < POOL; i++) {
  const pending = await beginBatchedTokenRequest(UNIT, { challenge, tokenKey: listed.tokenKey });
  prepared.push({ pending, blindedMsgs: pending.request.blindedMsgs, expected: undefined });
}
const blindUsPerToken = ((performance.now() - t0) * 1000) / (POOL * UNIT);
const { tokenType, truncatedTokenKeyId } = (prepared[0] as Prepared).pending.request;

/** One request body of `size` messages, starting at prepared batch `start`, and its messages' places. */
interface Body {
  readonly bytes: Uint8Array;
  readonly places: readonly { readonly p: Prepared; readonly i: number }[];
}
function bodies(size: number): Body[] {
  if (size === 1) {
    return prepared.flatMap((p) =>
      p.blindedMsgs.map((blindedMsg, i) => ({ bytes: encodeTokenRequest({ tokenType, truncatedTokenKeyId, blindedMsg }), places: [{ p, i }] })),
    );
  }
  return prepared.map((_, start) => {
    const places = Array.from({ length: size / UNIT }, (_, k) => prepared[(start + k) % POOL] as Prepared).flatMap((p) =>
      p.blindedMsgs.map((_, i) => ({ p, i })),
    );
    const blindedMsgs = places.map(({ p, i }) => p.blindedMsgs[i] as Uint8Array);
    return { bytes: encodeBatchedTokenRequest({ tokenType, truncatedTokenKeyId, blindedMsgs }), places };
  });
}

const sameBytes = (a: Uint8Array, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

/** Answers to the pool's own batches: the first is finalized (unblind, RSASSA-PSS verify), later ones compared. */
async function checkUnit(p: Prepared, blindSigs: readonly (Uint8Array | undefined)[]): Promise<boolean> {
  if (blindSigs.length !== UNIT) return false;
  if (p.expected !== undefined) return blindSigs.every((s, i) => s !== undefined && sameBytes(s, p.expected?.[i] ?? Buffer.alloc(0)));
  const tokens = await p.pending.finalize({ blindSigs: [...blindSigs] });
  if (tokens.some((t) => t === undefined)) return false;
  p.expected = blindSigs.map((s) => Buffer.from(s ?? new Uint8Array(0)));
  return true;
}

/** Any other answer: every signature must be the one finalized for its message. */
function checkPlaces(body: Body, sigs: readonly (Uint8Array | undefined)[]): boolean {
  return (
    sigs.length === body.places.length &&
    body.places.every(({ p, i }, k) => {
      const sig = sigs[k];
      const expected = p.expected?.[i];
      return sig !== undefined && expected !== undefined && sameBytes(sig, expected);
    })
  );
}

interface Tally {
  signatures: number;
  requests: number;
  readonly errors: Record<string, number>;
}

const pool = new Pool(url.origin, {
  connections: Math.max(...phases.map((p) => p.concurrency)),
  pipelining: 1,
  headersTimeout: 15_000,
  bodyTimeout: 15_000,
});

function fail(tally: Tally, what: string): void {
  tally.errors[what] = (tally.errors[what] ?? 0) + 1;
}

async function post(contentType: string, body: Uint8Array): Promise<{ status: number; body: Uint8Array }> {
  const res = await pool.request({ method: "POST", path: "/token-request", headers: { "content-type": contentType, authorization: auth }, body });
  return { status: res.statusCode, body: new Uint8Array(await res.body.arrayBuffer()) };
}

async function checked(size: number, body: Body, answer: Uint8Array): Promise<boolean> {
  if (size === 1) return checkPlaces(body, [decodeTokenResponse(answer).blindSig]);
  const { blindSigs } = decodeBatchedTokenResponse(answer);
  const first = body.places[0];
  if (size === UNIT && first !== undefined && first.i === 0) return checkUnit(first.p, blindSigs);
  return checkPlaces(body, blindSigs);
}

/** Sends the phase's requests round-robin from `concurrency` loops until `forMs` has passed. */
async function load(size: number, list: readonly Body[], concurrency: number, forMs: number): Promise<Tally & { seconds: number }> {
  const tally: Tally = { signatures: 0, requests: 0, errors: {} };
  const contentType = size === 1 ? MediaType.TokenRequest : MediaType.BatchedTokenRequest;
  let next = 0;
  const start = performance.now();
  const deadline = start + forMs;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const body = list[next++ % list.length] as Body;
      try {
        const answer = await post(contentType, body.bytes);
        if (answer.status !== 200) fail(tally, String(answer.status));
        else if (!(await checked(size, body, answer.body))) fail(tally, "bad-signature");
        else {
          tally.requests++;
          tally.signatures += size;
        }
      } catch {
        fail(tally, "transport");
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { ...tally, seconds: (performance.now() - start) / 1000 };
}

/** GET the directory every `directoryIntervalMs` on its own connection until `stop()`; latencies in ms. */
function pollDirectory(): { stop: () => Promise<{ latencies: number[]; errors: number }> } {
  const client = new Client(url.origin, { pipelining: 1, headersTimeout: 15_000, bodyTimeout: 15_000 });
  const latencies: number[] = [];
  let errors = 0;
  let running = true;
  const done = (async (): Promise<void> => {
    while (running) {
      const started = performance.now();
      try {
        const res = await client.request({ method: "GET", path: ISSUER_DIRECTORY_PATH });
        await res.body.arrayBuffer();
        if (res.statusCode === 200) latencies.push(performance.now() - started);
        else errors++;
      } catch {
        errors++;
      }
      const wait = started + directoryIntervalMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      await client.close();
      return { latencies, errors };
    },
  };
}

function latencySummary(latencies: readonly number[], errors: number): { count: number; errors: number; p50Ms: number; p99Ms: number; maxMs: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { count: sorted.length, errors, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), maxMs: sorted.at(-1) ?? Number.NaN };
}

/** One measured window: the load, the directory poller, the issuer's CPU time and our own event-loop delay. */
async function measure({ size, concurrency }: PhaseSpec): Promise<Record<string, unknown>> {
  progress(`measuring ${size === 1 ? "single requests" : `batches of ${size}`} for ${durationMs} ms`);
  const list = bodies(size);
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const poller = pollDirectory();
  const cpuBefore = cpuSeconds(issuerPid);
  const mainBefore = mainThreadCpuSeconds(issuerPid);
  const coreBefore = coreBusySeconds(issuerCore);
  const result = await load(size, list, concurrency, durationMs);
  const issuerCpu = cpuSeconds(issuerPid) - cpuBefore;
  const mainCpu = mainThreadCpuSeconds(issuerPid) - mainBefore;
  const coreBusy = coreBusySeconds(issuerCore) - coreBefore;
  const dir = await poller.stop();
  lag.disable();
  if (result.seconds < Math.min(1, durationMs / 1000) || issuerCpu <= 0) throw new Error("the measured window was too short");
  return {
    size,
    signaturesPerIssuerCpuSecond: result.signatures / issuerCpu,
    signaturesPerSecond: result.signatures / result.seconds,
    requestsPerSecond: result.requests / result.seconds,
    issuerCoreUtilization: issuerCpu / result.seconds,
    othersOnIssuerCore: Math.max(0, coreBusy - issuerCpu) / result.seconds,
    issuerCpuUsPerSignature: (issuerCpu / result.signatures) * 1e6,
    // Where that time went: the event loop (HTTP, credential, quota, encoding), and every other
    // thread (the signer, and V8's own helpers such as the garbage collector's).
    mainThreadUsPerSignature: (mainCpu / result.signatures) * 1e6,
    otherThreadsUsPerSignature: ((issuerCpu - mainCpu) / result.signatures) * 1e6,
    signatures: result.signatures,
    requests: result.requests,
    errors: result.errors,
    seconds: result.seconds,
    concurrency,
    directory: latencySummary(dir.latencies, dir.errors),
    generatorEventLoopDelayMs: { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 },
  };
}

progress("directory with no load");
const idle = pollDirectory();
await new Promise((r) => setTimeout(r, IDLE_DIRECTORY_MS));
const idleDirectory = await idle.stop();

progress("warming up");
const units = bodies(UNIT);
const warmBatches = await load(UNIT, units, 8, WARM_UP_MS);
// Until every pooled batch was finalized once: later phases compare against those signatures.
while (prepared.some((p) => p.expected === undefined)) await load(UNIT, units, 8, 200);
const warmSingles = await load(1, bodies(1), 16, WARM_UP_MS);

const measured: Record<string, unknown>[] = [];
for (const phase of phases) measured.push(await measure(phase));

process.stdout.write(
  `${JSON.stringify({
    phases: measured,
    idleDirectory: latencySummary(idleDirectory.latencies, idleDirectory.errors),
    directoryIntervalMs,
    warmUp: { signatures: warmBatches.signatures + warmSingles.signatures, errors: { ...warmBatches.errors, ...warmSingles.errors } },
    generator: {
      distinctBlindedMessages: POOL * UNIT,
      blindUsPerToken,
      tokensFinalizedAndVerified: prepared.filter((p) => p.expected !== undefined).length * UNIT,
    },
  })}\n`,
);
await pool.close();
