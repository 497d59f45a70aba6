/**
 * Tokens for one (challenge, token key): a queue that hands each token out once and is topped up
 * in batches. A token leaves the wallet before it is sent, so no path (retry, concurrent call,
 * failure) can send it twice.
 */
export class Wallet {
  readonly #tokens: Uint8Array[] = [];
  readonly #issue: () => Promise<Uint8Array[]>;
  readonly #lowWater: number;
  #refill: Promise<void> | undefined;

  /** `issue` fetches one batch and throws when it gets none; `lowWater` starts a background top-up. */
  constructor(issue: () => Promise<Uint8Array[]>, lowWater: number) {
    this.#issue = issue;
    this.#lowWater = lowWater;
  }

  get size(): number {
    return this.#tokens.length;
  }

  /** Removes and returns one token, topping up first when the wallet is empty. */
  async take(): Promise<Uint8Array> {
    for (;;) {
      const token = this.#tokens.shift();
      if (token !== undefined) {
        if (this.#tokens.length < this.#lowWater && this.#refill === undefined) {
          // A failed background top-up is not lost: the next empty take tops up again and throws.
          this.refill().catch(() => undefined);
        }
        return token;
      }
      await this.refill();
    }
  }

  /** One top-up at a time; concurrent callers share it. */
  refill(): Promise<void> {
    this.#refill ??= this.#issue()
      .then((tokens) => {
        this.#tokens.push(...tokens);
      })
      .finally(() => {
        this.#refill = undefined;
      });
    return this.#refill;
  }

  /** Resolves when no top-up is in flight (its failure is ignored here). */
  async idle(): Promise<void> {
    await this.#refill?.catch(() => undefined);
  }

  /** Forgets every token (the challenge or key changed): they would only be refused. */
  clear(): void {
    for (const token of this.#tokens.splice(0)) token.fill(0);
  }
}
