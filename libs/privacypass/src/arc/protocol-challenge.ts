/**
 * ARC's TokenChallenge, issuer key id and contexts (draft-ietf-privacypass-arc-protocol,
 * Sections "Configuration", "Token Challenge Requirements", "Client-to-Issuer Request" and
 * "Token Creation"):
 *
 *   struct {
 *       uint16_t token_type = 0xE5AC;
 *       opaque issuer_name<1..2^16-1>;
 *       opaque redemption_context<0..32>;    // 0 or 32 bytes
 *       opaque origin_info<0..2^16-1>;       // names joined with ","
 *       opaque credential_context<0..32>;    // 0 or 32 bytes
 *   } TokenChallenge;
 *
 *   issuer_key_id        = SHA-256(SerializeServerPublicKey(pkI)); truncated = its last byte
 *   request_context      = u16 len || issuer_name || u16 len || origin_info || u16 len || credential_context || issuer_key_id
 *   presentation_context = u16 len || issuer_name || u16 len || origin_info || u16 len || redemption_context || issuer_key_id
 *
 * Challenges whose contexts have other lengths are malformed ("MUST be ignored": the caller drops
 * them). Browser-safe: SHA-256 from @noble/hashes, no node: imports.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { ByteReader, ByteWriter, WireError } from "@oblivious/wire";
import { encodeServerPublicKey } from "./codec.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "../errors.js";
import type { ServerPublicKey } from "./keys.js";

/** The Privacy Pass token type of ARC(P-256). */
export const ARC_TOKEN_TYPE = 0xe5ac;
/** Nid: the length of an issuer key id. */
export const ARC_ISSUER_KEY_ID_LENGTH = 32;
const CONTEXT_LENGTH = 32;
/** Printable ASCII, as the type-2 TokenChallenge codec of this package accepts (src/challenge.ts). */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export interface ArcTokenChallenge {
  readonly issuerName: string;
  /** Empty, or 32 bytes chosen by the origin. */
  readonly redemptionContext: Uint8Array;
  /** Origin names; empty means a cross-origin challenge. */
  readonly originInfo: readonly string[];
  /** Empty, or 32 bytes chosen by the origin (for example a PRF of the current period). */
  readonly credentialContext: Uint8Array;
}

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const text = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

function contextOk(bytes: Uint8Array): boolean {
  return bytes instanceof Uint8Array && (bytes.length === 0 || bytes.length === CONTEXT_LENGTH);
}

export function encodeArcTokenChallenge(challenge: ArcTokenChallenge): Uint8Array {
  const bad = (what: string): PrivacyPassError => new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, what);
  const { issuerName, redemptionContext, originInfo, credentialContext } = challenge;
  if (typeof issuerName !== "string" || issuerName.length === 0 || issuerName.length > 0xffff || !PRINTABLE_ASCII.test(issuerName)) throw bad("issuerName");
  if (!contextOk(redemptionContext)) throw bad("redemptionContext must be 0 or 32 bytes");
  if (!contextOk(credentialContext)) throw bad("credentialContext must be 0 or 32 bytes");
  for (const name of originInfo) {
    if (typeof name !== "string" || name.length === 0 || name.includes(",") || !PRINTABLE_ASCII.test(name)) throw bad("originInfo");
  }
  const joined = originInfo.join(",");
  if (joined.length > 0xffff) throw bad("originInfo");
  return new ByteWriter(9 + issuerName.length + redemptionContext.length + joined.length + credentialContext.length)
    .uint16(ARC_TOKEN_TYPE)
    .uint16Prefixed(ascii(issuerName))
    .uint8(redemptionContext.length)
    .bytes(redemptionContext)
    .uint16Prefixed(ascii(joined))
    .uint8(credentialContext.length)
    .bytes(credentialContext)
    .finish();
}

/** Decodes a challenge of token type 0xE5AC; any other type, length or character is malformed. */
export function decodeArcTokenChallenge(bytes: Uint8Array): ArcTokenChallenge {
  const malformed = (): PrivacyPassError => new PrivacyPassError(PrivacyPassErrorCode.Malformed, "TokenChallenge");
  if (!(bytes instanceof Uint8Array)) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "TokenChallenge");
  try {
    const reader = new ByteReader(bytes);
    if (reader.uint16() !== ARC_TOKEN_TYPE) throw malformed();
    const issuerName = text(reader.uint16Prefixed());
    if (issuerName.length === 0 || !PRINTABLE_ASCII.test(issuerName)) throw malformed();
    const redemptionContext = new Uint8Array(reader.bytes(reader.uint8()));
    const joined = text(reader.uint16Prefixed());
    const credentialContext = new Uint8Array(reader.bytes(reader.uint8()));
    reader.end();
    if (!contextOk(redemptionContext) || !contextOk(credentialContext) || !PRINTABLE_ASCII.test(joined)) throw malformed();
    const originInfo = joined.length === 0 ? [] : joined.split(",");
    if (originInfo.some((name) => name.length === 0)) throw malformed();
    return { issuerName, redemptionContext, originInfo, credentialContext };
  } catch (error) {
    if (error instanceof WireError) throw malformed();
    throw error;
  }
}

/** challenge_digest = SHA-256 of the encoded challenge, exactly as received. */
export function arcChallengeDigest(challengeBytes: Uint8Array): Uint8Array {
  return sha256(challengeBytes);
}

/** issuer_key_id = SHA-256(SerializeServerPublicKey(pkI)). */
export function arcIssuerKeyId(publicKey: ServerPublicKey): Uint8Array {
  return sha256(encodeServerPublicKey(publicKey));
}

/** truncated_issuer_key_id: the last byte of issuer_key_id. */
export function arcTruncatedIssuerKeyId(issuerKeyId: Uint8Array): number {
  if (issuerKeyId.length !== ARC_ISSUER_KEY_ID_LENGTH) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "issuerKeyId");
  return issuerKeyId[ARC_ISSUER_KEY_ID_LENGTH - 1] as number;
}

function context(challenge: ArcTokenChallenge, third: Uint8Array, issuerKeyId: Uint8Array): Uint8Array {
  if (issuerKeyId.length !== ARC_ISSUER_KEY_ID_LENGTH) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "issuerKeyId");
  encodeArcTokenChallenge(challenge); // validates every field
  return new ByteWriter()
    .uint16Prefixed(ascii(challenge.issuerName))
    .uint16Prefixed(ascii(challenge.originInfo.join(",")))
    .uint16Prefixed(third)
    .bytes(issuerKeyId)
    .finish();
}

/** request_context: binds the credential to the issuer, the origins and credential_context. */
export function arcRequestContext(challenge: ArcTokenChallenge, issuerKeyId: Uint8Array): Uint8Array {
  return context(challenge, challenge.credentialContext, issuerKeyId);
}

/** presentation_context: what a presentation's tag, and so the rate limit, is per. */
export function arcPresentationContext(challenge: ArcTokenChallenge, issuerKeyId: Uint8Array): Uint8Array {
  return context(challenge, challenge.redemptionContext, issuerKeyId);
}
