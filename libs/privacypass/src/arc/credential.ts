/**
 * FinalizeCredential (draft-ietf-privacypass-arc-crypto, Section "Finalize Credential"):
 *
 *   UPrime = encUPrime - X0Aux - r1 * X1Aux - r2 * X2Aux
 *   credential = (m1, U, UPrime, X1)
 */
import { PrivacyPassError, PrivacyPassErrorCode } from "../errors.js";
import { mulSum, type ArcElement } from "./group.js";
import type { ServerPublicKey } from "./keys.js";
import type { ClientSecrets, CredentialRequest } from "./request.js";
import { verifyCredentialResponse, type CredentialResponse } from "./response.js";

export interface Credential {
  /** The client's secret; never sent. */
  readonly m1: bigint;
  readonly U: ArcElement;
  readonly UPrime: ArcElement;
  readonly X1: ArcElement;
}

/** Throws `verify-failed` (opaque) if the response's proof does not hold for this request and key. */
export function finalizeCredential(secrets: ClientSecrets, publicKey: ServerPublicKey, request: CredentialRequest, response: CredentialResponse): Credential {
  if (!verifyCredentialResponse(publicKey, response, request)) throw new PrivacyPassError(PrivacyPassErrorCode.VerifyFailed);
  const UPrime = mulSum([response.encUPrime, response.X0Aux, response.X1Aux, response.X2Aux], [1n, -1n, -secrets.r1, -secrets.r2]);
  return { m1: secrets.m1, U: response.U, UPrime, X1: publicKey.X1 };
}
