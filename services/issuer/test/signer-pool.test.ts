/**
 * Signing on the worker pool: correct signatures in order, the event loop kept free while a large
 * batch is signed, a bounded queue, chunks of several jobs merged into one worker message (and
 * failing apart), and a pool that ends with the service.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { MediaType, TokenType, decodeBatchedTokenResponse, encodeGenericBatchTokenRequest } from "@oblivious/privacypass";
import { SignerPool } from "../src/signer-pool.js";
import { SignerError } from "../src/signer.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { bearer, blindedMessages, fixture, post, signs, startTestIssuer, tempDir, testKey } from "./helpers.js";

test("signer pool: signatures come back in request order, spread over every worker", async () => {
  const key = testKey("a");
  const pool = await SignerPool.start({ size: 3, maxQueue: 1000, keys: [{ id: key.id, privateKey: key.privateKey }], maxChunk: 4 });
  try {
    const input = blindedMessages(37);
    const sigs = await pool.sign(key.id, input);
    assert.equal(sigs.length, 37);
    input.forEach((m, i) => assert.ok(signs(key, m, sigs[i] ?? new Uint8Array()), `message ${i}`));
    const [x, y] = await Promise.all([pool.sign(key.id, input.slice(0, 5)), pool.sign(key.id, input.slice(5, 9))]);
    assert.equal(x.length + y.length, 9);
    await assert.rejects(pool.sign("00".repeat(32), blindedMessages(1)), (e: unknown) => e instanceof SignerError && e.code === "unknown_key");
    const tooBig = new Uint8Array(key.modulus);
    await assert.rejects(pool.sign(key.id, [tooBig]), (e: unknown) => e instanceof SignerError && e.code === "invalid_input");
    assert.equal(pool.pending, 0);
  } finally {
    await pool.close();
  }
});

/**
 * A stand-in worker speaking the pool's protocol (raw RSA, no checks) that dies on a message with
 * a part for the key id "crash".
 */
function crashingWorker(): URL {
  const script = join(tempDir(), "crashing-worker.mjs");
  writeFileSync(
    script,
    `import { parentPort } from "node:worker_threads";
import { constants, privateDecrypt } from "node:crypto";
const keys = new Map();
parentPort.on("message", (m) => {
  if (m.type === "keys") { for (const k of m.keys) keys.set(k.id, k.privateKey); return; }
  if (m.parts.some((p) => p.keyId === "crash")) throw new Error("injected fault");
  const out = new Uint8Array(m.packed.length);
  let at = 0;
  for (const p of m.parts) {
    const size = p.bytes / p.count;
    for (let i = 0; i < p.count; i++) {
      const from = at + i * size;
      out.set(privateDecrypt({ key: keys.get(p.keyId), padding: constants.RSA_NO_PADDING }, m.packed.subarray(from, from + size)), from);
    }
    at += p.bytes;
  }
  parentPort.postMessage({ id: m.id, sigs: out }, [out.buffer]);
});
`,
  );
  return pathToFileURL(script);
}

/** Runs `run` while counting the sign messages every pool in this process posts to its workers. */
async function countingSignMessages<T>(run: () => Promise<T>): Promise<{ result: T; messages: number }> {
  const original = Worker.prototype.postMessage;
  let messages = 0;
  Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker["postMessage"]>): void {
    if ((args[0] as { type?: unknown }).type === "sign") messages += 1;
    original.apply(this, args);
  };
  try {
    const result = await run();
    return { result, messages };
  } finally {
    Worker.prototype.postMessage = original;
  }
}

/** One signer on the crashing worker, and how many times it crashed. */
async function crashingPool(key: ReturnType<typeof testKey>): Promise<{ pool: SignerPool; crashes: () => number }> {
  let crashes = 0;
  const pool = await SignerPool.start({
    size: 1,
    maxQueue: 100,
    keys: [{ id: key.id, privateKey: key.privateKey }],
    workerUrl: crashingWorker(),
    onCrash: () => {
      crashes += 1;
    },
  });
  return { pool, crashes: () => crashes };
}

test("signer pool: a worker that dies fails its chunk only, and is replaced", async () => {
  const key = testKey("a");
  const { pool, crashes } = await crashingPool(key);
  try {
    const before = blindedMessages(2);
    const sigs = await pool.sign(key.id, before);
    assert.ok(signs(key, before[0] ?? new Uint8Array(), sigs[0] ?? new Uint8Array()));
    const queuedBehind = pool.sign(key.id, blindedMessages(1));
    await assert.rejects(pool.sign("crash", blindedMessages(1)), (e: unknown) => e instanceof SignerError && e.code === "failed");
    assert.equal(pool.size, 0, "being replaced");
    assert.equal(pool.hasCapacity(1), false, "no new work while no worker runs");
    for (let i = 0; i < 100 && pool.size === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(pool.size, 1, "replaced");
    assert.equal((await queuedBehind).length, 1, "work submitted alongside the fault is still signed");
    const after = blindedMessages(3);
    const again = await pool.sign(key.id, after);
    assert.ok(after.every((m, i) => signs(key, m, again[i] ?? new Uint8Array())), "the replacement signs with the same keys");
    assert.equal(crashes(), 1);
    assert.equal(pool.size, 1);
  } finally {
    await pool.close();
  }
});

test("signer pool: concurrent single jobs share worker messages, and each gets its own signatures", async () => {
  const key = testKey("a");
  const pool = await SignerPool.start({ size: 1, maxQueue: 1000, keys: [{ id: key.id, privateKey: key.privateKey }] });
  try {
    const { result, messages } = await countingSignMessages(async () => {
      // The first job takes the idle worker alone; the 20 behind it wait, then go half of what
      // waits at a time: 10, 5, 3, 1, 1.
      const inputs = Array.from({ length: 21 }, () => blindedMessages(1));
      const sigs = await Promise.all(inputs.map((m) => pool.sign(key.id, m)));
      return inputs.map((m, i) => signs(key, m[0] ?? new Uint8Array(), sigs[i]?.[0] ?? new Uint8Array()));
    });
    assert.deepEqual(result, new Array<boolean>(21).fill(true), "every job has the signature of its own message");
    assert.equal(messages, 6, "21 jobs in 6 worker messages");
    assert.equal(pool.pending, 0);
    assert.equal(pool.queued, 0);
  } finally {
    await pool.close();
  }
});

test("signer pool: merged messages keep the queue's order; a large batch goes in chunks, and the single behind it waits for it only", async () => {
  const key = testKey("a");
  const pool = await SignerPool.start({ size: 1, maxQueue: 1000, keys: [{ id: key.id, privateKey: key.privateKey }] });
  try {
    const done: string[] = [];
    const job = (name: string, n: number): Promise<boolean> => {
      const input = blindedMessages(n);
      return pool.sign(key.id, input).then((sigs) => {
        done.push(name);
        return input.every((m, i) => signs(key, m, sigs[i] ?? new Uint8Array()));
      });
    };
    const { result, messages } = await countingSignMessages(() =>
      // "first" alone; "a" and "b" share a message, which the first chunk of "big" (40: chunks of
      // 16, 16, 8) does not fit in; "c" and "d" wait for all of "big".
      Promise.all([job("first", 1), job("a", 1), job("b", 1), job("big", 40), job("c", 1), job("d", 1)]),
    );
    assert.deepEqual(result, [true, true, true, true, true, true]);
    assert.deepEqual(done, ["first", "a", "b", "big", "c", "d"]);
    assert.equal(messages, 7, "[first] [a b] [big 16] [big 16] [big 8] [c] [d]");
    assert.equal(pool.pending, 0);
  } finally {
    await pool.close();
  }
});

test("signer pool: a job that cannot be signed fails alone, not the jobs it shares a worker message with", async () => {
  const key = testKey("a");
  const pool = await SignerPool.start({ size: 1, maxQueue: 1000, keys: [{ id: key.id, privateKey: key.privateKey }] });
  try {
    const settle = (p: Promise<Uint8Array[]>): Promise<Uint8Array[] | SignerError> => p.catch((e: unknown) => (e instanceof SignerError ? e : Promise.reject(e)));
    const { result, messages } = await countingSignMessages(async () => {
      const first = pool.sign(key.id, blindedMessages(1));
      const good = [blindedMessages(1), blindedMessages(2)];
      const jobs = [
        settle(pool.sign(key.id, good[0] ?? [])),
        settle(pool.sign(key.id, [new Uint8Array(key.modulus)])),
        settle(pool.sign("00".repeat(32), blindedMessages(1))),
        settle(pool.sign(key.id, good[1] ?? [])),
      ];
      await first;
      return { good, answers: await Promise.all(jobs) };
    });
    assert.equal(messages, 3, "the first three jobs behind the first share one worker message");
    const [ok1, notBelow, unknown, ok2] = result.answers;
    assert.ok(notBelow instanceof SignerError && notBelow.code === "invalid_input");
    assert.ok(unknown instanceof SignerError && unknown.code === "unknown_key");
    for (const [input, answer] of [[result.good[0], ok1], [result.good[1], ok2]] as const) {
      assert.ok(Array.isArray(answer) && input !== undefined && answer.length === input.length);
      assert.ok(input.every((m, i) => signs(key, m, answer[i] ?? new Uint8Array())));
    }
    await assert.rejects(pool.sign(key.id, [new Uint8Array(256), new Uint8Array(255)]), (e: unknown) => e instanceof SignerError && e.code === "invalid_input");
    assert.equal(pool.pending, 0);
  } finally {
    await pool.close();
  }
});

test("signer pool: a worker that dies holding a merged message fails each of its jobs, and only those", async () => {
  const key = testKey("a");
  const { pool, crashes } = await crashingPool(key);
  try {
    const outcome = (p: Promise<Uint8Array[]>): Promise<string> =>
      p.then(
        (sigs) => `signed ${sigs.length}`,
        (e: unknown) => (e instanceof SignerError ? e.code : "other"),
      );
    const { result, messages } = await countingSignMessages(() =>
      Promise.all([
        // Takes the idle worker alone and is signed.
        outcome(pool.sign(key.id, blindedMessages(1))),
        // These three share the next message (4 of the 20 messages waiting: within half), which
        // kills the worker.
        outcome(pool.sign(key.id, blindedMessages(1))),
        outcome(pool.sign("crash", blindedMessages(1))),
        outcome(pool.sign(key.id, blindedMessages(2))),
        // 16 more messages do not fit in that message: they wait for the replacement.
        outcome(pool.sign(key.id, blindedMessages(16))),
      ]),
    );
    assert.deepEqual(result, ["signed 1", "failed", "failed", "failed", "signed 16"]);
    assert.equal(messages, 3);
    assert.equal(crashes(), 1);
    assert.equal(pool.size, 1, "replaced");
    assert.equal(pool.pending, 0, "the counters dropped the failed jobs' messages");
    assert.equal(pool.queued, 0);
  } finally {
    await pool.close();
  }
});

test("signer pool: bounded — a request over the bound is refused at once; closing fails what is left", async () => {
  const key = testKey("a");
  const pool = await SignerPool.start({ size: 1, maxQueue: 100, keys: [{ id: key.id, privateKey: key.privateKey }] });
  const running = pool.sign(key.id, blindedMessages(100)).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.equal(pool.hasCapacity(1), false);
  await assert.rejects(pool.sign(key.id, blindedMessages(1)), { name: "SignerError", code: "overloaded" });
  await pool.close();
  assert.ok((await running) instanceof SignerError);
  assert.equal(pool.hasCapacity(1), false);
});

test("signer pool: the event loop stays free — the directory answers quickly while a large batch is signed", async () => {
  // One signing worker leaves the event loop a core of its own even when the test runner runs
  // another file beside this one on a two-core machine.
  const t = await startTestIssuer(await fixture(), { ISSUER_SIGNERS: "1", ISSUER_MAX_BATCH: "1000", ISSUER_MAX_QUEUE: "20000", ISSUER_QUOTA: "100000" });
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  try {
    const key = testKey("a");
    const started = performance.now();
    // Over a second of signing on one worker.
    const work = t.issuer.signers.sign(key.id, blindedMessages(4000));
    histogram.enable();
    const latencies: number[] = [];
    while (performance.now() - started < 600) {
      const t0 = performance.now();
      const res = await fetch(`${t.url}/.well-known/private-token-issuer-directory`);
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      latencies.push(performance.now() - t0);
    }
    assert.ok(t.issuer.signers.pending > 0, "the batch is still being signed");
    await work;
    histogram.disable();
    const signingMs = performance.now() - started;
    latencies.sort((a, b) => a - b);
    const p50 = latencies[Math.floor(latencies.length * 0.5)] ?? Infinity;
    // Signing on the event loop would block it for over a second (4000 RSA signatures): no answer at
    // all in this window, and an event-loop delay above a second. The bounds leave room for a
    // busy machine and still tell the two apart.
    const detail = `${latencies.length} answers, p50 ${p50.toFixed(1)} ms, signing ${signingMs.toFixed(0)} ms`;
    assert.ok(latencies.length >= 5, detail);
    assert.ok(p50 < 100, detail);
    assert.ok(histogram.percentile(99) / 1e6 < 300, `event loop delay p99 ${(histogram.percentile(99) / 1e6).toFixed(1)} ms`);
  } finally {
    await t.stop();
  }
});

/** A batched token request of `n` random blinded messages for `key` (no client work in this process). */
function rawBatch(key: ReturnType<typeof testKey>, n: number): Uint8Array {
  return encodeGenericBatchTokenRequest({
    tokenRequests: blindedMessages(n).map((blindedMsg) => ({ tokenType: TokenType.BlindRsa2048, truncatedTokenKeyId: key.truncatedTokenKeyId, blindedMsg })),
  });
}

test("signer pool: a large HTTP batch is signed while the directory keeps answering", async () => {
  // One worker: the event loop keeps a core even beside another test file (see the test above).
  const t = await startTestIssuer(await fixture(), { ISSUER_SIGNERS: "1", ISSUER_MAX_BATCH: "2000", ISSUER_QUOTA: "100000" });
  try {
    const key = testKey("a");
    const input = rawBatch(key, 2000);
    let done = false;
    const batch = post(t.url, MediaType.BatchedTokenRequest, input, bearer(await t.credential("device-big-batch"))).finally(() => {
      done = true;
    });
    let answered = 0;
    let slowest = 0;
    while (!done) {
      const t0 = performance.now();
      const res = await fetch(`${t.url}/.well-known/private-token-issuer-directory`);
      await res.arrayBuffer();
      slowest = Math.max(slowest, performance.now() - t0);
      answered += 1;
    }
    const answer = await batch;
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("content-type"), MediaType.BatchedTokenResponse);
    const sigs = decodeBatchedTokenResponse(answer.body).blindSigs;
    assert.equal(sigs.length, 2000);
    // Signing on the event loop would leave the directory unanswered for the whole batch (> 0.5 s).
    assert.ok(answered > 5, `directory answered ${answered} times during the batch`);
    assert.ok(slowest < 500, `slowest directory answer ${slowest.toFixed(1)} ms`);
  } finally {
    await t.stop();
  }
});

test("signer pool: stopping the issuer drains requests in flight, then terminates the workers", async () => {
  const t = await startTestIssuer(await fixture(), { ISSUER_SIGNERS: "1", ISSUER_MAX_BATCH: "1000", ISSUER_QUOTA: "10000", ISSUER_DRAIN_TIMEOUT: "20s" });
  const inFlight = post(t.url, MediaType.BatchedTokenRequest, rawBatch(testKey("a"), 1000), bearer(await t.credential("device-drain")));
  const deadline = Date.now() + 5000;
  while (t.issuer.signers.pending === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.ok(t.issuer.signers.pending > 0, "signing has started");
  await t.stop();
  const answer = await inFlight;
  assert.equal(answer.status, 200, "the request in flight was answered");
  assert.equal(decodeBatchedTokenResponse(answer.body).blindSigs.length, 1000);
  assert.equal(t.issuer.signers.hasCapacity(1), false, "the pool is closed");
  await assert.rejects(t.issuer.signers.sign(testKey("a").id, blindedMessages(1)), { name: "SignerError", code: "overloaded" });
  assert.deepEqual(
    t.logs.events("service.stopped").map((r) => r["forced"]),
    [false],
  );
});
