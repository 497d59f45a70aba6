/**
 * Credential request (draft-ietf-privacypass-arc-crypto, Sections "Credential Request" and
 * "CredentialRequest Proof"):
 *
 *   m1 = RandomScalar(); m2 = HashToScalar(requestContext, "requestContext")
 *   r1, r2 = RandomScalar()
 *   m1Enc = m1 * G + r1 * H;  m2Enc = m2 * G + r2 * H
 *   proof of knowledge of (m1, m2, r1, r2), session "ARCV1-P256CredentialRequest"
 */
import { GENERATOR_G, GENERATOR_H, hashToScalar, mulSum, ORDER, P256, type ArcElement } from "./group.js";
import { LinearRelation } from "./linear-relation.js";
import { randomScalar, type ArcRandom } from "./random.js";
import { PROTOCOL_ID_SHAKE128_P256, prove, verify } from "./schnorr-proof.js";

export const REQUEST_SESSION = new TextEncoder().encode("ARCV1-P256CredentialRequest");

export interface CredentialRequest {
  readonly m1Enc: ArcElement;
  readonly m2Enc: ArcElement;
  /** challenge || 4 responses (5 * Ns bytes). */
  readonly proof: Uint8Array;
}

/** The client's secrets for one request; they finalize its response and must never leave the client. */
export interface ClientSecrets {
  readonly m1: bigint;
  readonly m2: bigint;
  readonly r1: bigint;
  readonly r2: bigint;
}

export interface PendingCredentialRequest {
  readonly secrets: ClientSecrets;
  readonly request: CredentialRequest;
}

/** m2 for a request context: HashToScalar(requestContext, "requestContext"). */
export function requestContextScalar(requestContext: Uint8Array): bigint {
  return hashToScalar(requestContext, "requestContext");
}

function requestRelation(m1Enc: ArcElement, m2Enc: ArcElement): LinearRelation<ArcElement> {
  const relation = new LinearRelation(P256);
  const [m1, m2, r1, r2] = relation.allocateScalars(4) as [number, number, number, number];
  const [genG, genH, m1EncVar, m2EncVar] = relation.allocateElements(4) as [number, number, number, number];
  relation.setElements([[genG, GENERATOR_G], [genH, GENERATOR_H], [m1EncVar, m1Enc], [m2EncVar, m2Enc]]);
  relation.appendEquation(m1EncVar, [[m1, genG], [r1, genH]]);
  relation.appendEquation(m2EncVar, [[m2, genG], [r2, genH]]);
  return relation;
}

/** CreateCredentialRequest. */
export function createCredentialRequest(requestContext: Uint8Array, rng: ArcRandom): PendingCredentialRequest {
  const m1 = randomScalar(rng, ORDER);
  const m2 = requestContextScalar(requestContext);
  const r1 = randomScalar(rng, ORDER);
  const r2 = randomScalar(rng, ORDER);
  const m1Enc = mulSum([GENERATOR_G, GENERATOR_H], [m1, r1]);
  const m2Enc = mulSum([GENERATOR_G, GENERATOR_H], [m2, r2]);
  const proof = prove(PROTOCOL_ID_SHAKE128_P256, REQUEST_SESSION, requestRelation(m1Enc, m2Enc), [m1, m2, r1, r2], rng);
  return { secrets: { m1, m2, r1, r2 }, request: { m1Enc, m2Enc, proof } };
}

/** VerifyCredentialRequestProof. */
export function verifyCredentialRequest(request: CredentialRequest): boolean {
  return verify(PROTOCOL_ID_SHAKE128_P256, REQUEST_SESSION, requestRelation(request.m1Enc, request.m2Enc), request.proof);
}
