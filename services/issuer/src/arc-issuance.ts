/**
 * ARC credential requests (draft-ietf-privacypass-arc-protocol, "Issuer-to-Client Response"):
 * `application/private-credential-request` → `application/private-credential-response` at the
 * issuer request URI, after the same device attestation as type 2 and a quota of credentials per
 * device per ARC period per origin key.
 *
 * - The draft's 422s: a token type other than 0xE5AC (`unsupported_token_type`), a truncated
 *   issuer key id naming no key this issuer answers for (`unknown_key`), an encoded_request of
 *   the wrong size or that does not deserialize, or whose proof does not verify
 *   (`credential_request_invalid`).
 * - Quota: the counter's name is a hash of the device's keyed pseudonym, the key's issuer key id
 *   and the period's index (the period aligned on the Unix epoch, as the origins' credential
 *   periods are). Nothing stored names the origin or can be joined with the device's type-2
 *   counter without the pseudonym key; it expires with its window.
 * - CreateCredentialResponse runs on the event loop (its CPU cost: decisions 0030 and 0055), after the
 *   quota: once per device per origin per period, behind attestation and the shedder.
 */
import { createHash } from "node:crypto";
import {
  ARC_CREDENTIAL_REQUEST_MESSAGE_LENGTH,
  ARC_TOKEN_TYPE,
  PrivacyPassError,
  PrivacyPassErrorCode,
  arcSystemRandom,
  createArcCredentialResponse,
  decodeArcCredentialRequestMessage,
  encodeArcCredentialResponseMessage,
  type ArcCredentialRequest,
} from "@oblivious/privacypass";
import { IssuerError } from "./errors.js";
import type { ArcIssuerKey, ArcKeys } from "./arc-keys.js";

/** The largest credential request body read (the message is fixed-size; the slack answers a wrong size with 422). */
export const ARC_BODY_LIMIT = ARC_CREDENTIAL_REQUEST_MESSAGE_LENGTH + 1024;

export type ArcValidated = { readonly ok: true; readonly key: ArcIssuerKey; readonly request: ArcCredentialRequest } | { readonly ok: false; readonly error: IssuerError };

export function validateArcRequest(keys: ArcKeys | undefined, body: Uint8Array): ArcValidated {
  if (body.length < 3) return { ok: false, error: IssuerError.Malformed };
  if (((body[0] as number) << 8 | (body[1] as number)) !== ARC_TOKEN_TYPE) return { ok: false, error: IssuerError.UnsupportedTokenType };
  const key = keys?.issuer(body[2] as number);
  if (key === undefined) return { ok: false, error: IssuerError.UnknownKey };
  if (body.length !== ARC_CREDENTIAL_REQUEST_MESSAGE_LENGTH) return { ok: false, error: IssuerError.CredentialRequestInvalid };
  try {
    return { ok: true, key, request: decodeArcCredentialRequestMessage(body).request };
  } catch (e) {
    if (e instanceof PrivacyPassError) return { ok: false, error: IssuerError.CredentialRequestInvalid };
    throw e;
  }
}

/** CreateCredentialResponse; undefined when the request's proof does not verify. */
export function respondArc(key: ArcIssuerKey, request: ArcCredentialRequest): Uint8Array | undefined {
  try {
    return encodeArcCredentialResponseMessage(createArcCredentialResponse(key.privateKey, key.publicKey, request, arcSystemRandom));
  } catch (e) {
    if (e instanceof PrivacyPassError && e.code === PrivacyPassErrorCode.VerifyFailed) return undefined;
    throw e;
  }
}

/** The quota counter's name for a device, an ARC key and the period holding `now`. */
export function arcQuotaName(pseudonym: string, key: ArcIssuerKey, periodMs: number, now: number): string {
  const period = Math.floor(now / periodMs);
  const digest = createHash("sha256").update("oblivious issuer ARC quota v1\0").update(pseudonym).update("\0").update(key.id).update(`\0${periodMs}:${period}`).digest("base64url");
  return `arc:${digest}`;
}
