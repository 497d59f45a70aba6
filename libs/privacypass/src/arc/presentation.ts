/**
 * Presentation state and Present (draft-ietf-privacypass-arc-crypto, Sections "Presentation
 * State" and "Presentation Construction"):
 *
 *   nonce = nextNonce++ (LimitExceededError once nextNonce reaches presentationLimit)
 *   a, r, z = RandomScalar()
 *   U = a * credential.U;  UPrimeCommit = a * credential.UPrime + r * G;  m1Commit = m1 * U + z * H
 *   nonceBlinding = RandomScalar();  nonceCommit = nonce * G + nonceBlinding * H
 *   T = HashToGroup(presentationContext, "Tag");  tag = (m1 + nonce)^-1 * T
 *   V = z * X1 - r * G;  proof over ./presentation-relation.ts, session "ARCV1-P256CredentialPresentation"
 *
 * The state is the only thing standing between a client and linkable presentations: two
 * presentations with one nonce in one context carry the same tag. It is a class whose counter
 * only moves forward; a client that persists it must persist `nextNonce` before sending what
 * `present` returned, and never restore an older value.
 */
import type { Credential } from "./credential.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "../errors.js";
import { GENERATOR_G, GENERATOR_H, hashToGroup, mul, mulSum, normalized, ORDER, scalarAdd, scalarInverse, scalarNeg, type ArcElement } from "./group.js";
import { presentationRelation, PRESENTATION_SESSION } from "./presentation-relation.js";
import { randomScalar, type ArcRandom } from "./random.js";
import { makeRangeWitness, requirePresentationLimit } from "./range-proof.js";
import { PROTOCOL_ID_SHAKE128_P256, prove } from "./schnorr-proof.js";

export interface Presentation {
  readonly U: ArcElement;
  readonly UPrimeCommit: ArcElement;
  readonly m1Commit: ArcElement;
  readonly tag: ArcElement;
  readonly nonceCommit: ArcElement;
  /** The k = ceil(log2(presentationLimit)) bit commitments of the range proof. */
  readonly D: readonly ArcElement[];
  /** challenge || (5 + 3k) responses. */
  readonly proof: Uint8Array;
}

export interface PresentResult {
  /** The nonce this presentation used; the client keeps it to itself (it is hidden in nonceCommit). */
  readonly nonce: number;
  readonly presentation: Presentation;
}

/** T = HashToGroup(presentationContext, "Tag"). */
let lastTagGenerator: { readonly context: string; readonly T: ArcElement } | undefined;

/**
 * T = HashToGroup(presentationContext, "Tag"), with Z = 1. The last context's T is kept: an origin
 * verifies every presentation of a period against one context (hash-to-curve is about a tenth of
 * a verification). The context is public.
 */
export function tagGenerator(presentationContext: Uint8Array): ArcElement {
  const context = Array.from(presentationContext, (b) => b.toString(16).padStart(2, "0")).join("");
  if (lastTagGenerator?.context !== context) lastTagGenerator = { context, T: normalized(hashToGroup(presentationContext, "Tag")) };
  return lastTagGenerator.T;
}

export class PresentationState {
  readonly credential: Credential;
  readonly presentationContext: Uint8Array;
  readonly presentationLimit: number;
  #nextNonce: number;

  /**
   * MakePresentationState. `nextNonce` is only for restoring a persisted state (default 0, as the
   * draft starts); restoring a value lower than one already used makes presentations linkable.
   */
  constructor(credential: Credential, presentationContext: Uint8Array, presentationLimit: number, nextNonce = 0) {
    requirePresentationLimit(presentationLimit);
    if (!Number.isSafeInteger(nextNonce) || nextNonce < 0) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "nextNonce");
    this.credential = credential;
    this.presentationContext = new Uint8Array(presentationContext);
    this.presentationLimit = presentationLimit;
    this.#nextNonce = nextNonce;
  }

  get nextNonce(): number {
    return this.#nextNonce;
  }

  /** Presentations left before `present` throws limit-exceeded. */
  get remaining(): number {
    return Math.max(0, this.presentationLimit - this.#nextNonce);
  }

  /** Present: consumes one nonce (before any other work, so a throw below never reuses it). */
  present(rng: ArcRandom): PresentResult {
    if (this.#nextNonce >= this.presentationLimit) throw new PrivacyPassError(PrivacyPassErrorCode.LimitExceeded);
    const nonce = this.#nextNonce;
    this.#nextNonce += 1;

    const { m1, X1 } = this.credential;
    const a = randomScalar(rng, ORDER);
    const r = randomScalar(rng, ORDER);
    const z = randomScalar(rng, ORDER);
    const U = mul(this.credential.U, a);
    const UPrimeCommit = mulSum([this.credential.UPrime, GENERATOR_G], [a, r]);
    const m1Commit = mulSum([U, GENERATOR_H], [m1, z]);
    const nonceBlinding = randomScalar(rng, ORDER);
    const nonceScalar = BigInt(nonce);
    const nonceCommit = mulSum([GENERATOR_G, GENERATOR_H], [nonceScalar, nonceBlinding]);
    const generatorT = tagGenerator(this.presentationContext);
    const tag = mul(generatorT, scalarInverse(scalarAdd(m1, nonceScalar)));
    const V = mulSum([X1, GENERATOR_G], [z, -r]);

    const range = makeRangeWitness(nonce, nonceBlinding, this.presentationLimit, rng);
    const relation = presentationRelation({ U, UPrimeCommit, m1Commit, V, X1, tag, generatorT, nonceCommit, D: range.D });
    const witness = [m1, z, scalarNeg(r), nonceScalar, nonceBlinding, ...range.witness];
    const proof = prove(PROTOCOL_ID_SHAKE128_P256, PRESENTATION_SESSION, relation, witness, rng);
    return { nonce, presentation: { U, UPrimeCommit, m1Commit, tag, nonceCommit, D: range.D, proof } };
  }
}
