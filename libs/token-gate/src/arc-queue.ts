/**
 * The bound on ARC verifications (docs/decisions/0045-arc-verification-shedding.md). An ARC
 * VerifyPresentation is synchronous CPU on the event loop, many times a type-2 check (decisions
 * 0030 and 0055), and anyone who has fetched the challenge can force one with junk that names the key and
 * the current challenge. So verifications run one at a time, each in its own event-loop turn
 * (setImmediate), and at most `maxQueued` wait: between two verifications the loop serves every
 * I/O callback that is ready (type-2 requests, health checks), so a type-2 request waits for at
 * most one verification, whatever the rate of ARC tokens; beyond the queue, the gate answers
 * 503 with Retry-After without verifying (shed).
 */
export class SerialQueue {
  readonly #maxQueued: number;
  readonly #jobs: (() => void)[] = [];
  #scheduled = false;

  constructor(maxQueued: number) {
    if (!Number.isSafeInteger(maxQueued) || maxQueued < 1) throw new RangeError("maxQueued must be a positive integer");
    this.#maxQueued = maxQueued;
  }

  /** Jobs waiting (not counting the one running). */
  get queued(): number {
    return this.#jobs.length;
  }

  /** Runs `job` alone in a later event-loop turn; undefined (nothing run) when `maxQueued` jobs wait. */
  run<T>(job: () => T): Promise<T> | undefined {
    if (this.#jobs.length >= this.#maxQueued) return undefined;
    return new Promise<T>((resolve, reject) => {
      this.#jobs.push(() => {
        try {
          resolve(job());
        } catch (e) {
          reject(e as Error);
        }
      });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#jobs.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#jobs.shift()?.();
      this.#schedule();
    });
  }
}
