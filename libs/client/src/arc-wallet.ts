/**
 * ARC (token type 0xE5AC) in the client: one credential per origin challenge (the challenge's
 * credential_context changes with the origin's period, so a new period is a new challenge and a
 * new credential), from which each call takes one presentation.
 *
 * - A presentation's nonce is consumed before the token leaves the wallet (ArcPresenter.present),
 *   and the state is held in memory only: no path (retry, concurrent call, failure) presents the
 *   same nonce twice, and nothing can restore an older state.
 * - When the presentations run out, the wallet fetches a new credential; if the issuer refuses
 *   (its quota of credentials per device per origin per period, 429), the call fails with
 *   `rate-limited` and its `retryAfterSeconds`.
 * - Choice of token type (`ClientOptions.tokenType`): by default ARC when the origin offers an ARC
 *   challenge whose key the pinned issuer directory lists as an ARC key and the backend has ARC,
 *   else type 2; "2" never uses ARC; "arc" refuses an origin that offers no ARC challenge.
 */
import type { ArcPresenter, ChallengeOffer, Directory } from "./backend.js";
import { ClientError, ClientErrorCode } from "./errors.js";
import { bytesEqual } from "./http.js";

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
  #presenter: ArcPresenter | undefined;
  #refill: Promise<void> | undefined;

  /** `fetch` asks the issuer for a credential and finalizes it. */
  constructor(fetch: () => Promise<ArcPresenter>) {
    this.#fetch = fetch;
  }

  /** Presentations left on the current credential. */
  get size(): number {
    return this.#presenter?.remaining ?? 0;
  }

  /** One presentation, fetching a credential first when there is none or it is used up. */
  async take(): Promise<Uint8Array> {
    for (let fetched = false; ; fetched = true) {
      const presenter = this.#presenter;
      if (presenter !== undefined && presenter.remaining > 0) return presenter.present();
      if (fetched) throw new ClientError(ClientErrorCode.IssuanceFailed, "credential used up");
      await this.refill();
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
  }

  /** Forgets the credential (the challenge or key changed). */
  clear(): void {
    this.#presenter = undefined;
  }
}
