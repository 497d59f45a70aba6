/**
 * TokenChallenge, RFC 9577 Section 2.1.
 *
 *   struct {
 *       uint16_t token_type;
 *       opaque issuer_name<1..2^16-1>;
 *       opaque redemption_context<0..32>;
 *       opaque origin_info<0..2^16-1>;
 *   } TokenChallenge;
 *
 * issuer_name is an ASCII authority; redemption_context is empty or 32 bytes ("Challenges with
 * redemption_context values of invalid lengths MUST be ignored"); origin_info is empty or origin
 * names "delimited with commas without any whitespace". challenge_digest = SHA-256 of the
 * encoded challenge (RFC 9577 Section 2.2).
 */
import { ByteWriter, bytesToLatin1, latin1ToBytes } from "@oblivious/wire";
import { primitives } from "#primitives";
import { copyBytes, decodeWhole } from "./decode.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";

export interface TokenChallenge {
  readonly tokenType: number;
  readonly issuerName: string;
  /** Empty, or 32 bytes chosen by the origin. */
  readonly redemptionContext: Uint8Array;
  /** Origin names, joined with "," on the wire; empty means a cross-origin challenge. */
  readonly originInfo: readonly string[];
}

export const REDEMPTION_CONTEXT_LENGTH = 32;

/**
 * Names travel as ASCII. Printable characters only (0x20-0x7E): an authority has no controls.
 * Space is allowed because published test vectors (draft-ietf-privacypass-batched-tokens A.4) use
 * the issuer name "Issuer Name".
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** The callers have checked that `text` is printable ASCII. */
function asciiBytes(text: string): Uint8Array {
  return latin1ToBytes(text);
}

function asciiText(bytes: Uint8Array): string {
  return bytesToLatin1(bytes);
}

export function encodeTokenChallenge(challenge: TokenChallenge): Uint8Array {
  const bad = (what: string): PrivacyPassError => new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, what);
  const { tokenType, issuerName, redemptionContext, originInfo } = challenge;
  if (!Number.isInteger(tokenType) || tokenType < 0 || tokenType > 0xffff) throw bad("tokenType");
  if (typeof issuerName !== "string" || issuerName.length === 0 || issuerName.length > 0xffff || !PRINTABLE_ASCII.test(issuerName)) {
    throw bad("issuerName");
  }
  if (!(redemptionContext instanceof Uint8Array) || (redemptionContext.length !== 0 && redemptionContext.length !== REDEMPTION_CONTEXT_LENGTH)) {
    throw bad("redemptionContext must be 0 or 32 bytes");
  }
  for (const name of originInfo) {
    if (typeof name !== "string" || name.length === 0 || name.includes(",") || !PRINTABLE_ASCII.test(name)) throw bad("originInfo");
  }
  const joined = originInfo.join(",");
  if (joined.length > 0xffff) throw bad("originInfo");
  return new ByteWriter(8 + issuerName.length + redemptionContext.length + joined.length)
    .uint16(tokenType)
    .uint16Prefixed(asciiBytes(issuerName))
    .uint8(redemptionContext.length)
    .bytes(redemptionContext)
    .uint16Prefixed(asciiBytes(joined))
    .finish();
}

export function decodeTokenChallenge(bytes: Uint8Array): TokenChallenge {
  return decodeWhole("TokenChallenge", bytes, (reader) => {
    const malformed = (): PrivacyPassError => new PrivacyPassError(PrivacyPassErrorCode.Malformed, "TokenChallenge");
    const tokenType = reader.uint16();
    const issuerName = asciiText(reader.uint16Prefixed());
    if (issuerName.length === 0 || !PRINTABLE_ASCII.test(issuerName)) throw malformed();
    const redemptionContext = copyBytes(reader.bytes(reader.uint8()));
    if (redemptionContext.length !== 0 && redemptionContext.length !== REDEMPTION_CONTEXT_LENGTH) throw malformed();
    const joined = asciiText(reader.uint16Prefixed());
    if (!PRINTABLE_ASCII.test(joined)) throw malformed();
    const originInfo = joined.length === 0 ? [] : joined.split(",");
    if (originInfo.some((name) => name.length === 0)) throw malformed();
    return { tokenType, issuerName, redemptionContext, originInfo };
  });
}

/** challenge_digest = SHA-256(TokenChallenge), over the encoded bytes exactly as received. */
export function challengeDigest(challengeBytes: Uint8Array): Uint8Array {
  return primitives.sha256([challengeBytes]);
}
