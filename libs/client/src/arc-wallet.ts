/**
 * ARC (token type 0xE5AC) in the client: one credential per origin challenge (the challenge's
 * credential_context changes with the origin's period, so a new period is a new challenge and a
 * new credential), from which each call takes one presentation.
 *
 * - A presentation's nonce is consumed before the token leaves the wallet (ArcPresenter.present),
 *   and the state is held in memory only: no path (retry, concurrent call, failure) presents the
 *   same nonce twice, and nothing can restore an older state.
 * - When the presentations run out, the wallet fetches a new credential. If the issuer refuses
 *   (its quota of credentials per device per origin per period, 429, e.g. after the app lost its
 *   credential in a restart), the wallet falls back to type-2 tokens for the origin's type-2
 *   challenge until the challenge changes (the next period), when the origin offers one and the
 *   choice allows it; otherwise the call fails with `rate-limited` and its `retryAfterSeconds`.
 * - Choice of token type (`ClientOptions.tokenType`): by default ARC when the origin offers an ARC
 *   challenge whose key the pinned issuer directory lists as an ARC key and the backend has ARC,
 *   else type 2; "2" never uses ARC; "arc" refuses an origin that offers no ARC challenge.
 */
import type { ArcPresenter, ChallengeOffer, Directory } from "./backend.js";
import { ClientError, ClientErrorCode } from "./errors.js";
import { bytesEqual } from "./http.js";
import type { Wallet } from "./wallet.js";

/** ARC(P-256)'s token type. */
export const ARC_TOKEN_TYPE = 0xe5ac;

export type TokenTypeChoice = "arc" | "2";

/** The first ARC offer the backend accepts for the origin and that carries its presentation limit. */
export function arcOffer(offers: readonly ChallengeOffer[], accepts: (challenge: Uint8Array) => boolean): ChallengeOffer | undefined {
  return offers.find((o) => o.rateLimit !== undefined && o.rateLimit >= 1 && accepts(o.challenge));
}

/** Whether the directory lists `tokenKey` as an ARC key in use (not-before passed). */
export function listsArcKey(directory: Directory, tokenKey: Uint8Array, nowMs: number): boolean {
  return directory.tokenKeys.some((k) => k.tokenType === ARC_TOKEN_TYPE && bytesEqual(k.tokenKey, tokenKey) && (k.notBefore === undefined || k.notBefore * 1000 <= nowMs));
}

export class ArcWallet {
  readonly #fetch: () => Promise<ArcPresenter>;
  readonly #makeFallback: (() => Wallet) | undefined;
  #fallback: Wallet | undefined;
  #presenter: ArcPresenter | undefined;
  #refill: Promise<void> | undefined;

  /** `fetch` asks the issuer for a credential and finalizes it; `fallback` makes the origin's type-2 wallet. */
  constructor(fetch: () => Promise<ArcPresenter>, fallback?: () => Wallet) {
    this.#fetch = fetch;
    this.#makeFallback = fallback;
  }

  /** Presentations left on the current credential (or type-2 tokens held, after a fallback). */
  get size(): number {
    return this.#fallback?.size ?? this.#presenter?.remaining ?? 0;
  }

  /** Whether the issuer refused a credential and the wallet hands out type-2 tokens. */
  get fellBack(): boolean {
    return this.#fallback !== undefined;
  }

  /** One presentation, fetching a credential first when there is none or it is used up. */
  async take(): Promise<Uint8Array> {
    for (let fetched = false; ; fetched = true) {
      if (this.#fallback !== undefined) return this.#fallback.take();
      const presenter = this.#presenter;
      if (presenter !== undefined && presenter.remaining > 0) return presenter.present();
      if (fetched) throw new ClientError(ClientErrorCode.IssuanceFailed, "credential used up");
      try {
        await this.refill();
      } catch (e) {
        if (!(e instanceof ClientError) || e.code !== ClientErrorCode.RateLimited || this.#makeFallback === undefined) throw e;
        this.#fallback ??= this.#makeFallback();
      }
    }
  }

  /** One credential fetch at a time; concurrent callers share it. */
  refill(): Promise<void> {
    this.#refill ??= this.#fetch()
      .then((presenter) => {
        this.#presenter = presenter;
      })
      .finally(() => {
        this.#refill = undefined;
      });
    return this.#refill;
  }

  async idle(): Promise<void> {
    await this.#refill?.catch(() => undefined);
    await this.#fallback?.idle();
  }

  /** Forgets the credential and any fallback tokens (the challenge or key changed). */
  clear(): void {
    this.#presenter = undefined;
    this.#fallback?.clear();
    this.#fallback = undefined;
  }
}
