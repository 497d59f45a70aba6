// ARC refuses what it must: every proof with any one byte changed, a presentation nonce at or over
// the limit (the client's state refuses to make one; a forged one does not verify), a wrong
// presentation context, request context, limit or key, a request whose instance repeats an
// element. And what it cannot refuse, replay, it makes visible: the same presentation, or a reused
// nonce, gives the same tag, which the origin must store and refuse the second time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PrivacyPassError, PrivacyPassErrorCode } from "../src/errors.js";
import { finalizeCredential } from "../src/arc/credential.js";
import { generateServerKey } from "../src/arc/keys.js";
import { createCredentialResponse, verifyCredentialResponse } from "../src/arc/response.js";
import { verifyCredentialRequest } from "../src/arc/request.js";
import { PresentationState, tagGenerator, type Presentation } from "../src/arc/presentation.js";
import { verifyPresentation } from "../src/arc/verify-presentation.js";
import { presentationRelation, PRESENTATION_SESSION } from "../src/arc/presentation-relation.js";
import { PROTOCOL_ID_SHAKE128_P256, prove } from "../src/arc/schnorr-proof.js";
import { computeBases, makeRangeWitness } from "../src/arc/range-proof.js";
import { GENERATOR_H, mul, mulG, ORDER, scalarAdd, scalarInverse, scalarMul, scalarNeg, scalarSub } from "../src/arc/group.js";
import { randomScalar } from "../src/arc/random.js";
import { decodePresentation, encodePresentation } from "../src/arc/codec.js";
import type { Credential } from "../src/arc/credential.js";
import { ascii, flipped, issue, seeded } from "./arc-helpers.js";
import { ppError, toHex } from "./helpers.js";

const fx = issue("negative tests");
const { privateKey, publicKey } = fx.keys;
const context = ascii("origin.example 2026-12-03");

/** Verifies and reports the outcome: the tag hex, or the error code. */
function outcome(presentation: Presentation, limit: number, ctx = context, requestContext = fx.requestContext, keys = fx.keys): string {
  try {
    return toHex(verifyPresentation(keys.privateKey, keys.publicKey, requestContext, ctx, presentation, limit));
  } catch (error) {
    assert.ok(error instanceof PrivacyPassError, String(error));
    return error.code;
  }
}

test("request proof: each of its 160 bytes changed makes it fail, and the issuer refuses it opaquely", () => {
  const { request } = fx.pending;
  assert.equal(verifyCredentialRequest(request), true);
  for (let i = 0; i < request.proof.length; i++) {
    const bad = { ...request, proof: flipped(request.proof, i) };
    assert.equal(verifyCredentialRequest(bad), false, `byte ${i}`);
  }
  const bad = { ...request, proof: flipped(request.proof, 40) };
  assert.throws(() => createCredentialResponse(privateKey, publicKey, bad, seeded("r")), (e: unknown) => e instanceof PrivacyPassError && e.code === PrivacyPassErrorCode.VerifyFailed && e.message === "privacypass: verify-failed");
  assert.equal(verifyCredentialRequest({ ...request, m2Enc: request.m1Enc }), false, "an instance with a repeated element");
  assert.equal(verifyCredentialRequest({ ...request, m1Enc: request.m2Enc, m2Enc: request.m1Enc }), false, "elements swapped");
});

test("response proof: each of its 256 bytes changed makes finalization fail; so do another key and another request", () => {
  const { response, pending } = fx;
  for (let i = 0; i < response.proof.length; i++) {
    assert.equal(verifyCredentialResponse(publicKey, { ...response, proof: flipped(response.proof, i) }, pending.request), false, `byte ${i}`);
  }
  assert.throws(() => finalizeCredential(pending.secrets, publicKey, pending.request, { ...response, proof: flipped(response.proof, 0) }), ppError(PrivacyPassErrorCode.VerifyFailed));
  const other = generateServerKey(seeded("another issuer"));
  assert.throws(() => finalizeCredential(pending.secrets, other.publicKey, pending.request, response), ppError(PrivacyPassErrorCode.VerifyFailed));
  const otherRequest = issue("another client").pending.request;
  assert.equal(verifyCredentialResponse(publicKey, response, otherRequest), false);
  // Elements of the response swapped: the proof no longer matches.
  assert.equal(verifyCredentialResponse(publicKey, { ...response, X1Aux: response.X2Aux, X2Aux: response.X1Aux }, pending.request), false);
});

test("presentation: each byte of its encoding changed is refused (malformed or verify-failed), never accepted (limit 2: every byte; limit 5: every 5th byte)", () => {
  for (const [limit, stride] of [[2, 1], [5, 5]] as const) {
    const state = new PresentationState(fx.credential, context, limit);
    const bytes = encodePresentation(state.present(seeded(`flip ${limit}`)).presentation, limit);
    assert.match(outcome(decodePresentation(bytes, limit), limit), /^0[23][0-9a-f]{64}$/);
    const seen = new Set<string>();
    for (let i = 0; i < bytes.length; i += stride) {
      let result: string;
      try {
        result = outcome(decodePresentation(flipped(bytes, i), limit), limit);
      } catch (error) {
        assert.ok(error instanceof PrivacyPassError, String(error));
        result = error.code;
      }
      assert.ok(result === PrivacyPassErrorCode.VerifyFailed || result === PrivacyPassErrorCode.Malformed, `limit ${limit}, byte ${i}: ${result}`);
      seen.add(result);
    }
    assert.deepEqual([...seen].sort(), [PrivacyPassErrorCode.Malformed, PrivacyPassErrorCode.VerifyFailed]);
  }
});

test("presentation limit: the state makes exactly `limit` presentations (nonces 0..limit-1, all valid) then refuses", () => {
  for (const limit of [2, 3, 4, 5, 8]) {
    const state = new PresentationState(fx.credential, context, limit);
    const tags = new Set<string>();
    for (let n = 0; n < limit; n++) {
      const { nonce, presentation } = state.present(seeded(`limit ${limit} ${n}`));
      assert.equal(nonce, n);
      tags.add(outcome(presentation, limit));
    }
    assert.equal(tags.size, limit, "distinct tags, all valid");
    assert.ok(![...tags].some((t) => t === PrivacyPassErrorCode.VerifyFailed));
    assert.equal(state.remaining, 0);
    assert.throws(() => state.present(seeded("over")), ppError(PrivacyPassErrorCode.LimitExceeded));
    assert.throws(() => state.present(seeded("over again")), ppError(PrivacyPassErrorCode.LimitExceeded));
  }
  assert.throws(() => new PresentationState(fx.credential, context, 1), ppError(PrivacyPassErrorCode.InvalidArgument));
  assert.throws(() => new PresentationState(fx.credential, context, 2 ** 32 + 1), ppError(PrivacyPassErrorCode.InvalidArgument));
});

/**
 * A client that ignores its state: Present's steps with a chosen nonce and a chosen digit vector
 * for the range proof (`digits` undefined: the canonical greedy decomposition of the nonce, which
 * for a nonce at or over the limit cannot sum to it).
 */
function forge(credential: Credential, nonce: number, limit: number, digits?: bigint[]): Presentation {
  const rng = seeded(`forge ${nonce} ${limit} ${String(digits)}`);
  const a = randomScalar(rng, ORDER), r = randomScalar(rng, ORDER), z = randomScalar(rng, ORDER);
  const U = mul(credential.U, a);
  const UPrimeCommit = mul(credential.UPrime, a).add(mulG(r));
  const m1Commit = mul(U, credential.m1).add(mul(GENERATOR_H, z));
  const nonceBlinding = randomScalar(rng, ORDER);
  const nonceCommit = mulG(BigInt(nonce)).add(mul(GENERATOR_H, nonceBlinding));
  const generatorT = tagGenerator(context);
  const tag = mul(generatorT, scalarInverse(scalarAdd(credential.m1, BigInt(nonce))));
  const V = mul(credential.X1, z).subtract(mulG(r));
  let D;
  let rangeWitness: bigint[];
  if (digits === undefined) {
    ({ D, witness: rangeWitness } = makeRangeWitness(nonce, nonceBlinding, limit, rng));
  } else {
    // Digits that sum to the nonce over the bases, with blinds that make sum(bases*D) = nonceCommit.
    const bases = computeBases(limit);
    const s = bases.map(() => randomScalar(rng, ORDER));
    const partial = bases.slice(0, -1).reduce((acc, base, i) => scalarAdd(acc, scalarMul(base, s[i] as bigint)), 0n);
    s[s.length - 1] = scalarMul(scalarInverse(bases[bases.length - 1] as bigint), scalarSub(nonceBlinding, partial));
    D = s.map((si, i) => mulG(digits[i] as bigint).add(mul(GENERATOR_H, si)));
    rangeWitness = [...digits, ...s, ...s.map((si, i) => scalarMul(1n - (digits[i] as bigint), si))];
  }
  const relation = presentationRelation({ U, UPrimeCommit, m1Commit, V, X1: credential.X1, tag, generatorT, nonceCommit, D });
  const proof = prove(PROTOCOL_ID_SHAKE128_P256, PRESENTATION_SESSION, relation, [credential.m1, z, scalarNeg(r), BigInt(nonce), nonceBlinding, ...rangeWitness], rng);
  return { U, UPrimeCommit, m1Commit, tag, nonceCommit, D, proof };
}

test("presentation nonce at and over the limit: a forged presentation does not verify; the last nonce under it does", () => {
  const limit = 5; // bases [2, 1, 1]
  assert.deepEqual(computeBases(limit), [2n, 1n, 1n]);
  assert.match(outcome(forge(fx.credential, limit - 1, limit), limit), /^0[23]/, "nonce limit-1 by the same forger verifies");
  assert.match(outcome(forge(fx.credential, 0, limit, [0n, 0n, 0n]), limit), /^0[23]/, "explicit digits verify when they are bits");
  for (const nonce of [limit, limit + 1, 1000]) {
    assert.equal(outcome(forge(fx.credential, nonce, limit), limit), PrivacyPassErrorCode.VerifyFailed, `nonce ${nonce}, canonical digits`);
  }
  // Digits that do sum to the nonce but are not bits: 5 = 2*2 + 1*1 + 1*0, 6 = 2*2 + 1*1 + 1*1, 4 = 2*2.
  assert.equal(outcome(forge(fx.credential, 5, limit, [2n, 1n, 0n]), limit), PrivacyPassErrorCode.VerifyFailed);
  assert.equal(outcome(forge(fx.credential, 6, limit, [2n, 1n, 1n]), limit), PrivacyPassErrorCode.VerifyFailed);
  assert.equal(outcome(forge(fx.credential, 4, 4, [2n, 0n]), 4), PrivacyPassErrorCode.VerifyFailed);
  assert.equal(outcome(forge(fx.credential, 2, 2, [2n]), 2), PrivacyPassErrorCode.VerifyFailed);
});

test("replay: the same presentation gives the same tag every time it verifies (the origin must store and refuse it); a reused nonce gives a tag already seen", () => {
  const limit = 3;
  const state = new PresentationState(fx.credential, context, limit);
  const first = state.present(seeded("replay 1")).presentation;
  const second = state.present(seeded("replay 2")).presentation;
  const tag1 = outcome(first, limit);
  assert.equal(outcome(first, limit), tag1, "replayed: same tag");
  assert.notEqual(outcome(second, limit), tag1, "next nonce: another tag");
  // A client that restores its state to an earlier nonce: a fresh-looking presentation, the same tag.
  const reused = new PresentationState(fx.credential, context, limit, 0).present(seeded("replay reused")).presentation;
  assert.notEqual(toHex(encodePresentation(reused, limit)), toHex(encodePresentation(first, limit)));
  assert.equal(outcome(reused, limit), tag1);
  // Tags are per presentation context: nonce 0 in another context is another tag.
  const elsewhere = new PresentationState(fx.credential, ascii("other context"), limit).present(seeded("replay elsewhere")).presentation;
  assert.notEqual(outcome(elsewhere, limit, ascii("other context")), tag1);
});

test("wrong presentation context, request context, limit or key: verify-failed", () => {
  const state = new PresentationState(fx.credential, context, 3);
  const { presentation } = state.present(seeded("contexts"));
  assert.match(outcome(presentation, 3), /^0[23]/);
  assert.equal(outcome(presentation, 3, ascii("origin.example 2026-12-04")), PrivacyPassErrorCode.VerifyFailed);
  assert.equal(outcome(presentation, 3, new Uint8Array(0)), PrivacyPassErrorCode.VerifyFailed);
  assert.equal(outcome(presentation, 3, context, ascii("another request context")), PrivacyPassErrorCode.VerifyFailed);
  assert.equal(outcome(presentation, 4, context), PrivacyPassErrorCode.VerifyFailed, "limit 4 has as many bits as 3, other bases");
  assert.equal(outcome(presentation, 2, context), PrivacyPassErrorCode.VerifyFailed, "fewer bits");
  assert.equal(outcome(presentation, 3, context, fx.requestContext, generateServerKey(seeded("other key"))), PrivacyPassErrorCode.VerifyFailed);
  // A credential from another issuer, presented here.
  const foreign = issue("foreign issuer", fx.requestContext).credential;
  assert.equal(outcome(new PresentationState(foreign, context, 3).present(seeded("foreign")).presentation, 3), PrivacyPassErrorCode.VerifyFailed);
  // A credential for another request context.
  const otherCtx = issue("negative tests", ascii("yesterday")).credential;
  assert.equal(outcome(new PresentationState(otherCtx, context, 3).present(seeded("yesterday")).presentation, 3), PrivacyPassErrorCode.VerifyFailed);
});
