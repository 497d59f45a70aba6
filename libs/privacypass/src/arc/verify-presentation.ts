/**
 * VerifyPresentation (draft-ietf-privacypass-arc-crypto, Sections "Presentation Verification" and
 * "Presentation Proof Verification"):
 *
 *   m2 = HashToScalar(requestContext, "requestContext")
 *   V  = x0 * U + x1 * m1Commit + x2 * m2 * U - UPrimeCommit
 *   valid = sum(bases[i] * D[i]) == nonceCommit  and  the presentation proof verifies
 *
 * The verifier's obligation that this function cannot discharge (draft, same section): a valid
 * presentation is spent once. The tag is a deterministic function of (credential, context, nonce),
 * so a replayed presentation, or a second one a client made with a reused nonce, carries a tag
 * already seen: the origin must refuse a tag it has stored for the same request and presentation
 * context, and store every tag it accepts for as long as the context lasts.
 */
import { PrivacyPassError, PrivacyPassErrorCode } from "../errors.js";
import { mulSum, scalarAdd, scalarMul, serializeElement, withTable } from "./group.js";
import type { ServerPrivateKey, ServerPublicKey } from "./keys.js";
import { tagGenerator, type Presentation } from "./presentation.js";
import { presentationRelation, PRESENTATION_SESSION } from "./presentation-relation.js";
import { rangeBits, rangeSumHolds } from "./range-proof.js";
import { requestContextScalar } from "./request.js";
import { PROTOCOL_ID_SHAKE128_P256, verify } from "./schnorr-proof.js";

/**
 * Returns the presentation's tag (SerializeElement(tag), 33 bytes), the value to check and store
 * for double-spending, if the presentation is valid for these keys, contexts and limit; throws
 * `verify-failed` (opaque: no detail on which check failed) otherwise.
 */
export function verifyPresentation(
  privateKey: ServerPrivateKey,
  publicKey: ServerPublicKey,
  requestContext: Uint8Array,
  presentationContext: Uint8Array,
  presentation: Presentation,
  presentationLimit: number,
): Uint8Array {
  const k = rangeBits(presentationLimit);
  let valid = presentation.D.length === k && rangeSumHolds(presentation.D, presentation.nonceCommit, presentationLimit);
  if (valid) {
    const m2 = requestContextScalar(requestContext);
    const { U, m1Commit, UPrimeCommit } = presentation;
    // x0*U + x1*m1Commit + x2*m2*U - UPrimeCommit, with x0*U + x2*m2*U as one multiplication.
    const V = mulSum([U, m1Commit, UPrimeCommit], [scalarAdd(privateKey.x0, scalarMul(privateKey.x2, m2)), privateKey.x1, -1n]);
    const relation = presentationRelation({ ...presentation, V, X1: withTable(publicKey.X1), generatorT: tagGenerator(presentationContext) });
    valid = verify(PROTOCOL_ID_SHAKE128_P256, PRESENTATION_SESSION, relation, presentation.proof);
  }
  if (!valid) throw new PrivacyPassError(PrivacyPassErrorCode.VerifyFailed);
  return serializeElement(presentation.tag);
}
