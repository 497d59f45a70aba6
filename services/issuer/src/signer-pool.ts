/**
 * Blind signing on a pool of worker threads, so that the event loop stays free for the directory,
 * credentials and quotas while RSA private operations (about 0.25 ms each) run on every core.
 *
 * - Each worker imports the live keys once (and again only when the key file changes).
 * - A request's blinded messages are cut into chunks spread over the workers, so one batch uses
 *   every core; chunks wait in one FIFO queue, so a large batch does not starve the requests
 *   behind it by more than its own share.
 * - The queue is bounded (in messages, waiting or being signed): `hasCapacity` lets the caller
 *   refuse with 503 before counting any quota, and `sign` refuses with SignerOverloaded.
 * - A worker that dies fails its chunk (SignerFailed) and is replaced.
 */
import type { KeyObject } from "node:crypto";
import { Worker } from "node:worker_threads";

/** Messages to a worker. */
export type ToWorker =
  | { readonly type: "keys"; readonly keys: readonly { readonly id: string; readonly privateKey: KeyObject }[] }
  | { readonly type: "sign"; readonly job: number; readonly keyId: string; readonly packed: Uint8Array; readonly count: number };

/** Answers from a worker. */
export type FromWorker = { readonly job: number; readonly sigs: Uint8Array } | { readonly job: number; readonly error: SignerErrorCode };

export const SignerErrorCode = { UnknownKey: "unknown_key", InvalidInput: "invalid_input", Failed: "failed" } as const;
export type SignerErrorCode = (typeof SignerErrorCode)[keyof typeof SignerErrorCode];

export class SignerOverloaded extends Error {
  override readonly name = "SignerOverloaded";
  constructor() {
    super("signer queue full");
  }
}

export class SignerFailed extends Error {
  override readonly name = "SignerFailed";
  readonly code: SignerErrorCode;
  constructor(code: SignerErrorCode) {
    super(`signing failed: ${code}`);
    this.code = code;
  }
}

export interface SignerKey {
  /** Hex of the token key id. */
  readonly id: string;
  readonly privateKey: KeyObject;
}

export interface SignerPoolOptions {
  readonly size: number;
  /** Most messages waiting or being signed. */
  readonly maxQueue: number;
  readonly keys: readonly SignerKey[];
  /** Largest chunk handed to one worker at a time. */
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

interface Slot {
  /** Undefined while a dead worker is being replaced. */
  worker: Worker | undefined;
  busy: { readonly id: number; readonly chunk: Chunk } | undefined;
  /** Quick deaths in a row, for the respawn backoff. */
  failures: number;
  spawnedAt: number;
}

const WORKER_URL = new URL("./signer-worker.js", import.meta.url);

export class SignerPool {
  readonly #options: SignerPoolOptions;
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
    if (!this.hasCapacity(msgs.length)) return Promise.reject(new SignerOverloaded());
    return new Promise((resolve, reject) => {
      const job: Job = { sigs: new Array<Uint8Array | undefined>(msgs.length), remaining: msgs.length, failed: false, resolve, reject };
      const perWorker = Math.ceil(msgs.length / this.#slots.length);
      const chunkSize = Math.max(1, Math.min(this.#options.maxChunk ?? 16, perWorker));
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
      const chunk = this.#queue.shift();
      if (chunk === undefined) return;
      this.#queuedMessages -= chunk.msgs.length;
      if (chunk.job.failed) {
        this.#pendingMessages -= chunk.msgs.length;
        continue;
      }
      const id = this.#nextId++;
      const size = chunk.msgs[0]?.length ?? 0;
      // A fresh buffer of its own, so that transferring it moves nothing else.
      const packed = new Uint8Array(size * chunk.msgs.length);
      chunk.msgs.forEach((m, i) => packed.set(m, i * size));
      slot.busy = { id, chunk };
      worker.postMessage({ type: "sign", job: id, keyId: chunk.keyId, packed, count: chunk.msgs.length } satisfies ToWorker, [packed.buffer]);
    }
  }

  #finish(slot: Slot, answer: FromWorker | undefined): void {
    const busy = slot.busy;
    slot.busy = undefined;
    if (busy === undefined || (answer !== undefined && answer.job !== busy.id)) return;
    const { chunk } = busy;
    const { job } = chunk;
    this.#pendingMessages -= chunk.msgs.length;
    if (!job.failed) {
      if (answer === undefined || "error" in answer) {
        job.failed = true;
        job.reject(new SignerFailed(answer === undefined ? SignerErrorCode.Failed : answer.error));
      } else {
        const size = answer.sigs.length / chunk.msgs.length;
        for (let i = 0; i < chunk.msgs.length; i++) job.sigs[chunk.offset + i] = answer.sigs.subarray(i * size, (i + 1) * size);
        job.remaining -= chunk.msgs.length;
        if (job.remaining === 0) job.resolve(job.sigs as Uint8Array[]);
      }
    }
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
          reject(new SignerFailed(SignerErrorCode.Failed));
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
        chunk.job.reject(new SignerFailed(SignerErrorCode.Failed));
      }
    }
  }

  /** Stops every worker; jobs not done fail with SignerFailed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failQueue();
    for (const slot of this.#slots) {
      if (slot.busy !== undefined && !slot.busy.chunk.job.failed) {
        slot.busy.chunk.job.failed = true;
        slot.busy.chunk.job.reject(new SignerFailed(SignerErrorCode.Failed));
      }
    }
    this.#queuedMessages = 0;
    this.#pendingMessages = 0;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all(this.#slots.map((s) => s.worker?.terminate()));
  }
}
