/**
 * The presentation proof's statement (draft-ietf-privacypass-arc-crypto, Section "Presentation
 * Proof", with the range constraints of Section "Range Proof for Arbitrary Values"), shared by
 * the prover (./presentation.ts) and the verifier (./verify-presentation.ts):
 *
 *   scalars  m1, z, -r, nonce, nonceBlinding, b[k], s[k], s2[k]
 *   elements G, H, U, UPrimeCommit, m1Commit, V, X1, tag, T, nonceCommit, D[k]
 *   1. m1Commit    = m1 * U + z * H
 *   2. V           = z * X1 + (-r) * G
 *   3. nonceCommit = nonce * G + nonceBlinding * H
 *   4. T           = m1 * tag + nonce * tag,  T = HashToGroup(presentationContext, "Tag")
 *   per bit i:  D[i] = b[i] * G + s[i] * H;  D[i] = b[i] * D[i] + s2[i] * H
 *
 * As in the vectors' generator: when k = 1 (limit 2) and D[0] equals nonceCommit (always, for an
 * honest prover) no element is allocated for D[0] and nonceCommit's variable stands for it, since
 * an instance's elements must be distinct.
 */
import { GENERATOR_G, GENERATOR_H, P256, type ArcElement } from "./group.js";
import { LinearRelation } from "./linear-relation.js";

export const PRESENTATION_SESSION = new TextEncoder().encode("ARCV1-P256CredentialPresentation");

export interface PresentationStatement {
  readonly U: ArcElement;
  readonly UPrimeCommit: ArcElement;
  readonly m1Commit: ArcElement;
  readonly V: ArcElement;
  readonly X1: ArcElement;
  readonly tag: ArcElement;
  readonly generatorT: ArcElement;
  readonly nonceCommit: ArcElement;
  readonly D: readonly ArcElement[];
}

export function presentationRelation(st: PresentationStatement): LinearRelation<ArcElement> {
  const relation = new LinearRelation(P256);
  const [m1, z, rNeg, nonce, nonceBlinding] = relation.allocateScalars(5) as [number, number, number, number, number];
  const [genG, genH, U, UPrimeCommit, m1Commit, V, X1, tag, genT, nonceCommit] = relation.allocateElements(10) as [
    number, number, number, number, number, number, number, number, number, number,
  ];
  relation.setElements([
    [genG, GENERATOR_G], [genH, GENERATOR_H], [U, st.U], [UPrimeCommit, st.UPrimeCommit], [m1Commit, st.m1Commit],
    [V, st.V], [X1, st.X1], [tag, st.tag], [genT, st.generatorT], [nonceCommit, st.nonceCommit],
  ]);
  relation.appendEquation(m1Commit, [[m1, U], [z, genH]]);
  relation.appendEquation(V, [[z, X1], [rNeg, genG]]);
  relation.appendEquation(nonceCommit, [[nonce, genG], [nonceBlinding, genH]]);
  relation.appendEquation(genT, [[m1, tag], [nonce, tag]]);

  const k = st.D.length;
  const bVars = relation.allocateScalars(k);
  const sVars = relation.allocateScalars(k);
  const s2Vars = relation.allocateScalars(k);
  let dVars: number[];
  const first = st.D[0];
  if (k === 1 && first !== undefined && first.equals(st.nonceCommit)) {
    dVars = [nonceCommit];
  } else {
    dVars = relation.allocateElements(k);
    relation.setElements(dVars.map((v, i) => [v, st.D[i] as ArcElement] as const));
  }
  for (let i = 0; i < k; i++) {
    const d = dVars[i] as number;
    const b = bVars[i] as number;
    relation.appendEquation(d, [[b, genG], [sVars[i] as number, genH]]);
    relation.appendEquation(d, [[b, d], [s2Vars[i] as number, genH]]);
  }
  return relation;
}
