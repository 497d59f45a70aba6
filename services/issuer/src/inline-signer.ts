/**
 * Blind signing on the event loop itself (ISSUER_SIGNERS=0): for an issuer given one core, run as
 * one process per core.
 *
 * Why: with the worker pool, a request's messages go to another thread and its signatures come
 * back; on one core that thread and the event loop take turns, about three times per request,
 * and each turn finds its caches cold after the other thread ran. Signing on the event loop
 * avoids those turns; side by side on one core it gave more signatures per CPU-second in most
 * pairs (docs/decisions/0008-signing-on-the-event-loop.md). On more cores, the pool is the way to
 * use them from one process.
 *
 * What it keeps of the pool:
 * - Signing never holds the event loop for long: messages wait in one FIFO queue (of all jobs),
 *   and each turn (a setImmediate, after the I/O that is ready) signs at most `slice` of them.
 *   The directory and new requests are served between turns.
 * - The same outcomes: NativeBlindSigner (RFC 9474 §4.3 with its checks), an unknown key or a bad
 *   message failing its own job only (SignerError), a bounded queue (`hasCapacity`, then
 *   SignerError `overloaded`), and `close` failing what has not been signed.
 */
import { NativeBlindSigner } from "@oblivious/privacypass";
import { SignerError, SignerErrorCode, signErrorCode, type SignerKey, type Signers } from "./signer.js";

export interface InlineSignerOptions {
  /** Most messages waiting or being signed. */
  readonly maxQueue: number;
  readonly keys: readonly SignerKey[];
  /** Most signatures in one turn of the event loop; 4 by default (0008 gives what a turn costs). */
  readonly slice?: number;
}

interface Job {
  readonly signer: NativeBlindSigner;
  readonly msgs: readonly Uint8Array[];
  readonly sigs: Uint8Array[];
  readonly resolve: (sigs: Uint8Array[]) => void;
  readonly reject: (e: Error) => void;
}

export class InlineSigner implements Signers {
  readonly #slice: number;
  readonly #maxQueue: number;
  readonly #jobs: Job[] = [];
  #signers = new Map<string, NativeBlindSigner>();
  #pending = 0;
  #turn: NodeJS.Immediate | undefined;
  #closed = false;

  constructor(options: InlineSignerOptions) {
    this.#slice = Math.max(1, options.slice ?? 4);
    this.#maxQueue = options.maxQueue;
    this.setKeys(options.keys);
  }

  /** The event loop signs: one signer until closed. */
  get size(): number {
    return this.#closed ? 0 : 1;
  }

  /** Messages waiting or being signed (a turn signs them all before anything else runs). */
  get queued(): number {
    return this.#pending;
  }

  get pending(): number {
    return this.#pending;
  }

  hasCapacity(n: number): boolean {
    return !this.#closed && this.#pending + n <= this.#maxQueue;
  }

  /** Later jobs use the new keys; a job already queued keeps the key it was given. */
  setKeys(keys: readonly SignerKey[]): void {
    const next = new Map<string, NativeBlindSigner>();
    for (const k of keys) next.set(k.id, this.#signers.get(k.id) ?? new NativeBlindSigner(k.privateKey));
    this.#signers = next;
  }

  /** Signs every message with the key `keyId`; the answers are in the order of `msgs`. */
  sign(keyId: string, msgs: readonly Uint8Array[]): Promise<Uint8Array[]> {
    if (msgs.length === 0) return Promise.resolve([]);
    if (!this.hasCapacity(msgs.length)) return Promise.reject(new SignerError(SignerErrorCode.Overloaded));
    const signer = this.#signers.get(keyId);
    if (signer === undefined) return Promise.reject(new SignerError(SignerErrorCode.UnknownKey));
    return new Promise((resolve, reject) => {
      this.#jobs.push({ signer, msgs, sigs: [], resolve, reject });
      this.#pending += msgs.length;
      this.#turn ??= setImmediate(() => this.#run());
    });
  }

  /** One turn: up to `slice` signatures from the head of the queue, then the next turn if needed. */
  #run(): void {
    this.#turn = undefined;
    let budget = this.#slice;
    while (budget > 0) {
      const job = this.#jobs[0];
      if (job === undefined) break;
      const m = job.msgs[job.sigs.length];
      if (m !== undefined) {
        budget -= 1;
        this.#pending -= 1;
        try {
          job.sigs.push(job.signer.sign(m));
        } catch (e) {
          this.#jobs.shift();
          // The message that failed is counted out already; the ones after it never will be signed.
          this.#pending -= job.msgs.length - job.sigs.length - 1;
          job.reject(new SignerError(signErrorCode(e)));
          continue;
        }
      }
      if (job.sigs.length === job.msgs.length) {
        this.#jobs.shift();
        job.resolve(job.sigs);
      }
    }
    if (this.#jobs.length > 0) this.#turn = setImmediate(() => this.#run());
  }

  /** Stops signing; jobs not done fail with SignerError `failed`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#turn !== undefined) clearImmediate(this.#turn);
    this.#turn = undefined;
    for (const job of this.#jobs.splice(0)) job.reject(new SignerError(SignerErrorCode.Failed));
    this.#pending = 0;
  }
}
