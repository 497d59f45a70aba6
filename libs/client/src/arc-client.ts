/**
 * ARC (token type 0xE5AC) for the client, on every platform (draft-ietf-privacypass-arc-protocol,
 * "Client-to-Issuer Request", "Credential Finalization", "Token Creation"): the credential
 * request for an origin's challenge, its finalization, and presentations from it. The
 * presentation state is held here and only moves forward; it is never serialized, so it cannot
 * be restored to an older nonce. Both package entries pass it to the backend: @oblivious/privacypass
 * resolves to its Node entry under Node (scalar multiplications on OpenSSL) and to its browser
 * entry in a bundle (@noble/curves), with the same results.
 */
import {
  ARC_TOKEN_TYPE,
  ArcPresentationState,
  arcChallengeDigest,
  arcIssuerKeyId,
  arcPresentationContext,
  arcRequestContext,
  arcSystemRandom,
  createArcCredentialRequest,
  decodeArcCredentialResponseMessage,
  decodeArcServerPublicKey,
  decodeArcTokenChallenge,
  encodeArcCredentialRequestMessage,
  encodeArcToken,
  finalizeArcCredential,
  arcTruncatedIssuerKeyId,
  type ArcTokenChallenge,
} from "@oblivious/privacypass";
import type { ArcBackend, ArcPresenter, PendingArcCredential } from "./backend.js";

function decode(challenge: Uint8Array): ArcTokenChallenge | undefined {
  if (challenge.length < 2 || ((challenge[0] as number) << 8 | (challenge[1] as number)) !== ARC_TOKEN_TYPE) return undefined;
  try {
    return decodeArcTokenChallenge(challenge);
  } catch {
    return undefined;
  }
}

export const arcClient: ArcBackend = {
  accepts(challenge, originName) {
    const decoded = decode(challenge);
    return decoded !== undefined && (decoded.originInfo.length === 0 || decoded.originInfo.includes(originName));
  },

  async beginCredential(challenge, tokenKey, presentationLimit): Promise<PendingArcCredential> {
    const decoded = decode(challenge);
    if (decoded === undefined) throw new TypeError("not an ARC challenge");
    const publicKey = decodeArcServerPublicKey(tokenKey);
    const issuerKeyId = arcIssuerKeyId(publicKey);
    const pending = createArcCredentialRequest(arcRequestContext(decoded, issuerKeyId), arcSystemRandom);
    const presentationContext = arcPresentationContext(decoded, issuerKeyId);
    const challengeDigest = arcChallengeDigest(challenge);
    return {
      body: encodeArcCredentialRequestMessage({ truncatedIssuerKeyId: arcTruncatedIssuerKeyId(issuerKeyId), request: pending.request }),
      finalize(responseBody): ArcPresenter {
        const credential = finalizeArcCredential(pending.secrets, publicKey, pending.request, decodeArcCredentialResponseMessage(responseBody));
        const state = new ArcPresentationState(credential, presentationContext, presentationLimit);
        return {
          get remaining() {
            return state.remaining;
          },
          present() {
            const { nonce, presentation } = state.present(arcSystemRandom);
            return encodeArcToken({ presentationNonce: nonce, challengeDigest, issuerKeyId, presentation }, presentationLimit);
          },
        };
      },
    };
  },
};
