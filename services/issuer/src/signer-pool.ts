/**
 * Blind signing on a pool of worker threads, so that the event loop stays free for the directory,
 * credentials and quotas while RSA private operations run on every core
 * (docs/decisions/0009-signer-pool-sharing.md).
 *
 * - Each worker imports the live keys once (and again only when the key file changes).
 * - A request's blinded messages are cut into chunks spread over the workers, so one batch uses
 *   every core; chunks wait in one FIFO queue, so a large batch does not starve the requests
 *   behind it by more than its own share.
 * - A worker that becomes free takes, in one message, several chunks from the head of the queue
 *   (of several jobs, in queue order): at least the head chunk, then more while the message stays
 *   within `maxChunk` blinded messages and within the worker's share of the queue, counting the
 *   event loop as one more consumer (what waits ÷ (running workers + 1)). With many single token
 *   requests in flight, one postMessage round trip and one thread wake-up then serve several
 *   requests instead of one. The share keeps a short queue spread over the free workers, and
 *   splits a burst in two: the event loop answers and verifies one half while a worker signs the
 *   other, instead of every request in flight moving in lockstep; taking all that fits saved no
 *   more CPU and lengthened the directory's p99 (docs/decisions/0009-signer-pool-sharing.md).
 *   The answer carries an outcome per chunk, so a chunk that fails (an unknown key, a message
 *   not below the modulus) fails its own job only.
 * - The queue is bounded (in messages, waiting or being signed): `hasCapacity` lets the caller
 *   refuse with 503 before counting any quota, and `sign` refuses with SignerError `overloaded`.
 * - A worker that dies fails the jobs whose chunks it held (SignerError `failed`), and is replaced.
 */
import { Worker } from "node:worker_threads";
import type { FromWorker, SignPart, ToWorker } from "./signer-messages.js";
import { SignerError, SignerErrorCode, type SignerKey, type Signers } from "./signer.js";

export interface SignerPoolOptions {
  readonly size: number;
  /** Most messages waiting or being signed. */
  readonly maxQueue: number;
  readonly keys: readonly SignerKey[];
  /** Most blinded messages in one worker message (a chunk, or several merged); 16 by default. */
  readonly maxChunk?: number;
  /** Called when a worker died and was replaced. */
  readonly onCrash?: () => void;
  /** The worker script (tests inject one that can fail); signer-worker.js by default. */
  readonly workerUrl?: URL;
}

interface Job {
  readonly sigs: (Uint8Array | undefined)[];
  remaining: number;
  failed: boolean;
  readonly resolve: (sigs: Uint8Array[]) => void;
  readonly reject: (e: Error) => void;
}

interface Chunk {
  readonly job: Job;
  readonly keyId: string;
  readonly msgs: readonly Uint8Array[];
  /** Index of the chunk's first message in its job. */
  readonly offset: number;
}

/** A sign message in a worker: its chunks, and the bytes each one takes in `packed`. */
interface InFlight {
  readonly id: number;
  readonly chunks: readonly Chunk[];
  readonly bytes: readonly number[];
}

interface Slot {
  /** Undefined while a dead worker is being replaced. */
  worker: Worker | undefined;
  busy: InFlight | undefined;
  /** Quick deaths in a row, for the respawn backoff. */
  failures: number;
  spawnedAt: number;
}

const WORKER_URL = new URL("./signer-worker.js", import.meta.url);

export class SignerPool implements Signers {
  readonly #options: SignerPoolOptions;
  readonly #maxChunk: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Chunk[] = [];
  #keys: readonly SignerKey[];
  #queuedMessages = 0;
  #pendingMessages = 0;
  readonly #timers = new Set<NodeJS.Timeout>();
  #nextId = 1;
  #closed = false;

  private constructor(options: SignerPoolOptions) {
    this.#options = options;
    this.#keys = options.keys;
    this.#maxChunk = Math.max(1, options.maxChunk ?? 16);
  }

  /** Starts the workers and waits until each one runs. */
  static async start(options: SignerPoolOptions): Promise<SignerPool> {
    const pool = new SignerPool(options);
    try {
      await Promise.all(Array.from({ length: options.size }, () => pool.#spawn()));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Workers running now. */
  get size(): number {
    return this.#slots.filter((s) => s.worker !== undefined).length;
  }

  /** Messages waiting for a worker. */
  get queued(): number {
    return this.#queuedMessages;
  }

  /** Messages waiting or being signed. */
  get pending(): number {
    return this.#pendingMessages;
  }

  hasCapacity(n: number): boolean {
    return !this.#closed && this.size > 0 && this.#pendingMessages + n <= this.#options.maxQueue;
  }

  /** Replaces the keys in every worker; later chunks see the new keys (messages are ordered). */
  setKeys(keys: readonly SignerKey[]): void {
    this.#keys = keys;
    // A worker being replaced gets the keys when it starts.
    for (const slot of this.#slots) slot.worker?.postMessage({ type: "keys", keys } satisfies ToWorker);
  }

  /** Signs every message with the key `keyId`; the answers are in the order of `msgs`. */
  sign(keyId: string, msgs: readonly Uint8Array[]): Promise<Uint8Array[]> {
    if (msgs.length === 0) return Promise.resolve([]);
    if (!this.hasCapacity(msgs.length)) return Promise.reject(new SignerError(SignerErrorCode.Overloaded));
    // Each signature takes the place of its message in the answer: one length for the whole job.
    const length = msgs[0]?.length ?? 0;
    if (msgs.some((m) => m.length !== length)) return Promise.reject(new SignerError(SignerErrorCode.InvalidInput));
    return new Promise((resolve, reject) => {
      const job: Job = { sigs: new Array<Uint8Array | undefined>(msgs.length), remaining: msgs.length, failed: false, resolve, reject };
      const perWorker = Math.ceil(msgs.length / this.#slots.length);
      const chunkSize = Math.max(1, Math.min(this.#maxChunk, perWorker));
      for (let offset = 0; offset < msgs.length; offset += chunkSize) {
        this.#queue.push({ job, keyId, msgs: msgs.slice(offset, offset + chunkSize), offset });
      }
      this.#queuedMessages += msgs.length;
      this.#pendingMessages += msgs.length;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      const worker = slot.worker;
      if (worker === undefined || slot.busy !== undefined) continue;
      const chunks = this.#take();
      if (chunks.length === 0) return;
      const bytes = chunks.map((c) => c.msgs.reduce((sum, m) => sum + m.length, 0));
      // A fresh buffer of its own, so that transferring it moves nothing else.
      const packed = new Uint8Array(bytes.reduce((a, b) => a + b, 0));
      let at = 0;
      for (const chunk of chunks) {
        for (const m of chunk.msgs) {
          packed.set(m, at);
          at += m.length;
        }
      }
      const id = this.#nextId++;
      const parts = chunks.map((c, i): SignPart => ({ keyId: c.keyId, count: c.msgs.length, bytes: bytes[i] ?? 0 }));
      slot.busy = { id, chunks, bytes };
      worker.postMessage({ type: "sign", id, parts, packed } satisfies ToWorker, [packed.buffer]);
    }
  }

  /**
   * The chunks for one worker message, from the head of the queue and in its order: the first
   * chunk whatever its size (a chunk is at most `maxChunk` messages), then each next one while
   * the message stays within `maxChunk` messages and this worker's share of the queue (see the
   * module comment). Chunks of a job that has failed already are dropped on the way.
   */
  #take(): Chunk[] {
    let running = 0;
    for (const slot of this.#slots) if (slot.worker !== undefined) running += 1;
    const limit = Math.min(this.#maxChunk, Math.ceil(this.#queuedMessages / (running + 1)));
    const taken: Chunk[] = [];
    let messages = 0;
    for (let chunk = this.#queue[0]; chunk !== undefined; chunk = this.#queue[0]) {
      if (chunk.job.failed) {
        this.#queue.shift();
        this.#queuedMessages -= chunk.msgs.length;
        this.#pendingMessages -= chunk.msgs.length;
        continue;
      }
      if (taken.length > 0 && messages + chunk.msgs.length > limit) break;
      this.#queue.shift();
      this.#queuedMessages -= chunk.msgs.length;
      taken.push(chunk);
      messages += chunk.msgs.length;
    }
    return taken;
  }

  /** A worker answered (or died: `answer` undefined), for every chunk it held. */
  #finish(slot: Slot, answer: FromWorker | undefined): void {
    const busy = slot.busy;
    slot.busy = undefined;
    if (busy === undefined || (answer !== undefined && answer.id !== busy.id)) return;
    let at = 0;
    busy.chunks.forEach((chunk, i) => {
      const bytes = busy.bytes[i] ?? 0;
      const { job } = chunk;
      this.#pendingMessages -= chunk.msgs.length;
      if (!job.failed) {
        const failure = answer === undefined ? SignerErrorCode.Failed : answer.errors?.[i];
        if (failure) {
          job.failed = true;
          job.reject(new SignerError(failure));
        } else if (answer !== undefined) {
          const size = bytes / chunk.msgs.length;
          for (let k = 0; k < chunk.msgs.length; k++) job.sigs[chunk.offset + k] = answer.sigs.subarray(at + k * size, at + (k + 1) * size);
          job.remaining -= chunk.msgs.length;
          if (job.remaining === 0) job.resolve(job.sigs as Uint8Array[]);
        }
      }
      at += bytes;
    });
    this.#dispatch();
  }

  #spawn(slot?: Slot): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(this.#options.workerUrl ?? WORKER_URL);
      worker.postMessage({ type: "keys", keys: this.#keys } satisfies ToWorker);
      const target: Slot = slot ?? { worker: undefined, busy: undefined, failures: 0, spawnedAt: 0 };
      target.spawnedAt = Date.now();
      let online = false;
      worker.once("online", () => {
        online = true;
        if (this.#closed) {
          void worker.terminate();
          resolve();
          return;
        }
        target.worker = worker;
        if (slot === undefined) this.#slots.push(target);
        resolve();
        this.#dispatch();
      });
      worker.on("message", (answer: FromWorker) => {
        if (target.worker === worker) this.#finish(target, answer);
      });
      // An uncaught error in the worker is followed by `exit`; the chunk is failed there.
      worker.on("error", () => undefined);
      worker.once("exit", () => {
        if (!online) {
          reject(new SignerError(SignerErrorCode.Failed));
          if (slot !== undefined) this.#respawn(target);
          return;
        }
        if (this.#closed || target.worker !== worker) return;
        target.worker = undefined;
        this.#finish(target, undefined);
        this.#options.onCrash?.();
        this.#respawn(target);
      });
    });
  }

  /** Replaces a dead worker; one that keeps dying soon after it starts is replaced ever more slowly. */
  #respawn(slot: Slot): void {
    if (this.#closed) return;
    slot.failures = Date.now() - slot.spawnedAt < 10_000 ? slot.failures + 1 : 1;
    const delay = Math.min(30_000, 50 * 2 ** Math.min(slot.failures - 1, 10));
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#spawn(slot).catch(() => undefined);
    }, delay);
    this.#timers.add(timer);
  }

  #failQueue(): void {
    for (const chunk of this.#queue.splice(0)) {
      this.#queuedMessages -= chunk.msgs.length;
      this.#pendingMessages -= chunk.msgs.length;
      if (!chunk.job.failed) {
        chunk.job.failed = true;
        chunk.job.reject(new SignerError(SignerErrorCode.Failed));
      }
    }
  }

  /** Stops every worker; jobs not done fail with SignerError `failed`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failQueue();
    for (const slot of this.#slots) {
      for (const { job } of slot.busy?.chunks ?? []) {
        if (job.failed) continue;
        job.failed = true;
        job.reject(new SignerError(SignerErrorCode.Failed));
      }
    }
    this.#queuedMessages = 0;
    this.#pendingMessages = 0;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all(this.#slots.map((s) => s.worker?.terminate()));
  }
}
