/**
 * Genuine Privacy Pass tokens made in-process (RFC 9578 §6, RSABSSA-SHA384-PSS-Deterministic):
 * blinded by libs/privacypass's client and signed by its native blind signer with a fresh
 * RSA-2048 key, so a test needs no running issuer.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import {
  NativeBlindSigner,
  TokenType,
  beginTokenRequest,
  encodeToken,
  encodeTokenChallenge,
  encodeTokenKey,
  formatAuthorization,
  type Token,
} from "@oblivious/privacypass";

/** The issuer name every test deployment uses. */
export const TEST_ISSUER_NAME = "issuer.internal";

export interface TestIssuer {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo with the RSASSA-PSS OID, as an issuer directory publishes it. */
  readonly spki: Uint8Array;
  readonly signer: NativeBlindSigner;
}

/** A fresh issuer key; generating one takes a while, so tests share theirs where they can. */
export function makeIssuer(): TestIssuer {
  // A plain RSA key: the PSS parameters live in the published SPKI (encodeTokenKey), not in the key.
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 0x10001 });
  return { privateKey, publicKey, spki: encodeTokenKey(publicKey), signer: new NativeBlindSigner(privateKey) };
}

export interface ChallengeOptions {
  readonly originInfo: readonly string[];
  /** TEST_ISSUER_NAME unless given. */
  readonly issuerName?: string;
  /** Blind RSA (2) unless given. */
  readonly tokenType?: number;
}

/** A TokenChallenge (RFC 9577 §2.1.1) with an empty redemption context. */
export function tokenChallenge(options: ChallengeOptions): Uint8Array {
  return encodeTokenChallenge({
    tokenType: options.tokenType ?? TokenType.BlindRsa2048,
    issuerName: options.issuerName ?? TEST_ISSUER_NAME,
    redemptionContext: new Uint8Array(0),
    originInfo: options.originInfo,
  });
}

export interface MintedToken {
  readonly token: Token;
  readonly bytes: Uint8Array;
  /** The `Authorization` header value. */
  readonly header: string;
}

/** A token for `challenge`, signed by `issuer`. */
export async function mintToken(issuer: TestIssuer, challenge: Uint8Array): Promise<MintedToken> {
  const { request, finalize } = await beginTokenRequest({ challenge, tokenKey: issuer.spki });
  const token = await finalize({ blindSig: issuer.signer.sign(request.blindedMsg) });
  const bytes = encodeToken(token);
  return { token, bytes, header: formatAuthorization(bytes) };
}
