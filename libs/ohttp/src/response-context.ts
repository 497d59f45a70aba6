/**
 * What the client and the gateway each keep of one exchange to handle its one response (RFC 9458
 * Section 4.4): the HPKE suite, the exporter context, `enc` and the response label. Both ends
 * derive the same response keys from it, and both may use it once. It never prints its secrets.
 */
import type { CipherSuite } from "./algorithms.js";
import { deriveResponseKeys, type ResponseKeys } from "./encapsulation.js";
import { OhttpError, OhttpErrorCode } from "./errors.js";
import type { Hpke } from "./hpke.js";
import { Redacted } from "./redacted.js";

type ExporterContext = Parameters<typeof deriveResponseKeys>[1];

export abstract class ResponseContext extends Redacted {
  protected readonly hpke: Hpke;
  readonly #context: ExporterContext;
  readonly #enc: Uint8Array;
  readonly #responseLabel: string;
  #used = false;

  constructor(kind: string, hpke: Hpke, context: ExporterContext, enc: Uint8Array, responseLabel: string) {
    super(kind);
    this.hpke = hpke;
    this.#context = context;
    this.#enc = enc;
    this.#responseLabel = responseLabel;
  }

  /** The suite of the request, which the response uses too. */
  get suite(): CipherSuite {
    return this.hpke.suite;
  }

  /** Throws `context-used` if the response was already handled (or tried). */
  protected assertUnused(): void {
    if (this.#used) throw new OhttpError(OhttpErrorCode.ContextUsed);
  }

  /** From now on the context throws `context-used`. */
  protected markUsed(): void {
    this.#used = true;
  }

  /** aead_key and aead_nonce for `responseNonce`, as both ends derive them. */
  protected responseKeys(responseNonce: Uint8Array): ResponseKeys {
    return deriveResponseKeys(this.hpke, this.#context, this.#enc, responseNonce, this.#responseLabel);
  }

}
