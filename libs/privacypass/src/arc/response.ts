/**
 * Credential response (draft-ietf-privacypass-arc-crypto, Sections "Credential Response" and
 * "CredentialResponse Proof"):
 *
 *   b = RandomScalar(); U = b * G
 *   encUPrime = b * (X0 + x1 * m1Enc + x2 * m2Enc)
 *   X0Aux = b * x0Blinding * H;  X1Aux = b * X1;  X2Aux = b * X2;  HAux = b * H
 *   proof of knowledge of (x0, x1, x2, x0Blinding, b, t1 = b*x1, t2 = b*x2),
 *   session "ARCV1-P256CredentialResponse"
 */
import { PrivacyPassError, PrivacyPassErrorCode } from "../errors.js";
import { GENERATOR_G, GENERATOR_H, mul, mulG, mulSum, ORDER, P256, scalarMul, withTable, type ArcElement } from "./group.js";
import type { ServerPrivateKey, ServerPublicKey } from "./keys.js";
import { LinearRelation } from "./linear-relation.js";
import { randomScalar, type ArcRandom } from "./random.js";
import { verifyCredentialRequest, type CredentialRequest } from "./request.js";
import { PROTOCOL_ID_SHAKE128_P256, prove, verify } from "./schnorr-proof.js";

export const RESPONSE_SESSION = new TextEncoder().encode("ARCV1-P256CredentialResponse");

export interface CredentialResponse {
  readonly U: ArcElement;
  readonly encUPrime: ArcElement;
  readonly X0Aux: ArcElement;
  readonly X1Aux: ArcElement;
  readonly X2Aux: ArcElement;
  readonly HAux: ArcElement;
  /** challenge || 7 responses (8 * Ns bytes). */
  readonly proof: Uint8Array;
}

type ResponseElements = Omit<CredentialResponse, "proof">;

function responseRelation(publicKey: ServerPublicKey, request: CredentialRequest, r: ResponseElements): LinearRelation<ArcElement> {
  const relation = new LinearRelation(P256);
  const [x0, x1, x2, x0Blinding, b, t1, t2] = relation.allocateScalars(7) as [number, number, number, number, number, number, number];
  const [genG, genH, m1Enc, m2Enc, U, encUPrime, X0, X1, X2, X0Aux, X1Aux, X2Aux, HAux] = relation.allocateElements(13) as [
    number, number, number, number, number, number, number, number, number, number, number, number, number,
  ];
  relation.setElements([
    [genG, GENERATOR_G], [genH, GENERATOR_H], [m1Enc, request.m1Enc], [m2Enc, request.m2Enc],
    [U, r.U], [encUPrime, r.encUPrime], [X0, publicKey.X0], [X1, publicKey.X1], [X2, publicKey.X2],
    [X0Aux, r.X0Aux], [X1Aux, r.X1Aux], [X2Aux, r.X2Aux], [HAux, r.HAux],
  ]);
  relation.appendEquation(X0, [[x0, genG], [x0Blinding, genH]]);
  relation.appendEquation(X1, [[x1, genH]]);
  relation.appendEquation(X2, [[x2, genH]]);
  relation.appendEquation(HAux, [[b, genH]]);
  relation.appendEquation(X0Aux, [[x0Blinding, HAux]]);
  relation.appendEquation(X1Aux, [[t1, genH]]);
  relation.appendEquation(X1Aux, [[b, X1]]);
  relation.appendEquation(X2Aux, [[b, X2]]);
  relation.appendEquation(X2Aux, [[t2, genH]]);
  relation.appendEquation(U, [[b, genG]]);
  relation.appendEquation(encUPrime, [[b, X0], [t1, m1Enc], [t2, m2Enc]]);
  return relation;
}

/**
 * CreateCredentialResponse. Verifies the request's proof first and throws `verify-failed`
 * (opaque) if it does not hold.
 */
export function createCredentialResponse(privateKey: ServerPrivateKey, publicKey: ServerPublicKey, request: CredentialRequest, rng: ArcRandom): CredentialResponse {
  if (!verifyCredentialRequest(request)) throw new PrivacyPassError(PrivacyPassErrorCode.VerifyFailed);
  // The issuer's key points: tables built on the first response, reused for the key's lifetime.
  [publicKey.X0, publicKey.X1, publicKey.X2].forEach(withTable);
  const b = randomScalar(rng, ORDER);
  const U = mulG(b);
  // b * (X0 + x1 * m1Enc + x2 * m2Enc), computed as b*X0 + (b*x1)*m1Enc + (b*x2)*m2Enc (equal; X0 has a table).
  const encUPrime = mulSum([publicKey.X0, request.m1Enc, request.m2Enc], [b, scalarMul(b, privateKey.x1), scalarMul(b, privateKey.x2)]);
  const X0Aux = mul(GENERATOR_H, scalarMul(b, privateKey.x0Blinding));
  const X1Aux = mul(publicKey.X1, b);
  const X2Aux = mul(publicKey.X2, b);
  const HAux = mul(GENERATOR_H, b);
  const elements = { U, encUPrime, X0Aux, X1Aux, X2Aux, HAux };
  const witness = [privateKey.x0, privateKey.x1, privateKey.x2, privateKey.x0Blinding, b, scalarMul(b, privateKey.x1), scalarMul(b, privateKey.x2)];
  const proof = prove(PROTOCOL_ID_SHAKE128_P256, RESPONSE_SESSION, responseRelation(publicKey, request, elements), witness, rng);
  return { ...elements, proof };
}

/** VerifyCredentialResponseProof. */
export function verifyCredentialResponse(publicKey: ServerPublicKey, response: CredentialResponse, request: CredentialRequest): boolean {
  return verify(PROTOCOL_ID_SHAKE128_P256, RESPONSE_SESSION, responseRelation(publicKey, request, response), response.proof);
}
