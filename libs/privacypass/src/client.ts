/**
 * The client of the type 0x0002 issuance protocol, RFC 9578 Sections 6.1 (request) and 6.3
 * (finalization), and its generic-batch form (draft-ietf-privacypass-batched-tokens-08 Section 6):
 *
 *   nonce = random(32)
 *   challenge_digest = SHA256(challenge)
 *   token_input = concat(0x0002, nonce, challenge_digest, token_key_id)
 *   blinded_msg, blind_inv = Blind(pkI, PrepareIdentity(token_input))
 *   ...
 *   authenticator = Finalize(pkI, token_input, blind_sig, blind_inv)
 *
 * with RSABSSA-SHA384-PSS-Deterministic (salt 48). Blind and Finalize are ours (`blind-rsa.ts`),
 * checked byte for byte against RFC 9474 and RFC 9578 vectors and against blindrsa-ts; they take
 * an injected nonce, salt and blind for known-answer tests, which nothing else should pass.
 * Finalize verifies the signature: an issuer cannot hand out a token that would fail at an origin.
 * Nothing here needs node:crypto: it runs in browsers as it is (primitives.ts).
 */
import { ByteWriter } from "@oblivious/wire";
import { primitives } from "#primitives";
import { blind, blindRsaPublicKey, finalize, prepareIdentity } from "./blind-rsa.js";
import type { BlindRsaPublicKey } from "./blind-rsa.js";
import type { BatchedTokenRequest, BatchedTokenResponse } from "./batched.js";
import { challengeDigest, decodeTokenChallenge } from "./challenge.js";
import { requireLength } from "./decode.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";
import { PSS_SALT_LENGTH, tokenKeyComponents, tokenKeyId } from "./token-key-spki.js";
import type { TokenRequest, TokenResponse } from "./token-request.js";
import type { Token } from "./token.js";
import { CHALLENGE_DIGEST_LENGTH, NID, NONCE_LENGTH, TokenType } from "./token-types.js";

export interface BeginTokenRequestOptions {
  /** The encoded TokenChallenge, exactly as the origin sent it (its SHA-256 is bound into the token). */
  readonly challenge: Uint8Array;
  /** The issuer's token key: the SPKI bytes from the directory or the challenge's token-key. */
  readonly tokenKey: Uint8Array;
  /**
   * The name of the origin that sent the challenge. When given and origin_info is not empty, the
   * name must be in it (case-insensitively), as RFC 9577 Section 2.1 requires of clients.
   */
  readonly origin?: string;
  /** Known-answer tests only: the 32-byte nonce. */
  readonly nonce?: Uint8Array;
  /** Known-answer tests only: the 48-byte PSS salt. */
  readonly salt?: Uint8Array;
  /** Known-answer tests only: the blind r, 256 big-endian bytes. */
  readonly blind?: Uint8Array;
}

export interface PendingTokenRequest {
  readonly request: TokenRequest;
  /** Unblinds and verifies the issuer's answer. Single use. */
  finalize(response: TokenResponse): Promise<Token>;
}

export interface BeginBatchedTokenRequestOptions {
  readonly challenge: Uint8Array;
  readonly tokenKey: Uint8Array;
  readonly origin?: string;
  /** Known-answer tests only, one per token. */
  readonly nonces?: readonly Uint8Array[];
  readonly salts?: readonly Uint8Array[];
  readonly blinds?: readonly Uint8Array[];
}

export interface PendingBatchedTokenRequest {
  readonly request: BatchedTokenRequest;
  /** One token per request, in order; `undefined` where the issuer issued none (Section 6.3). Single use. */
  finalize(response: BatchedTokenResponse): Promise<(Token | undefined)[]>;
}

/** What every token of one challenge and key shares. */
interface IssuanceContext {
  readonly challengeDigest: Uint8Array;
  readonly tokenKeyId: Uint8Array;
  readonly publicKey: BlindRsaPublicKey;
}

/** One blinded token input and what finalizing it needs. */
interface Blinded {
  readonly nonce: Uint8Array;
  readonly tokenInput: Uint8Array;
  readonly blindedMsg: Uint8Array;
  readonly inv: bigint;
}

function context(challenge: Uint8Array, tokenKey: Uint8Array, origin: string | undefined): IssuanceContext {
  // RFC 9577 Section 2.1: a client validates the challenge (well formed, a supported type, for
  // the origin that sent it) and does not respond to one that fails.
  const decoded = decodeTokenChallenge(challenge);
  if (decoded.tokenType !== TokenType.BlindRsa2048) throw new PrivacyPassError(PrivacyPassErrorCode.UnsupportedTokenType, "TokenChallenge");
  if (origin !== undefined && decoded.originInfo.length > 0 && !decoded.originInfo.some((name) => name.toLowerCase() === origin.toLowerCase())) {
    throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "the challenge is not for this origin");
  }
  return {
    challengeDigest: challengeDigest(challenge),
    tokenKeyId: tokenKeyId(tokenKey),
    publicKey: blindRsaPublicKey(tokenKeyComponents(tokenKey)),
  };
}

function blindOne(ctx: IssuanceContext, nonce: Uint8Array | undefined, salt: Uint8Array | undefined, r: Uint8Array | undefined): Blinded {
  const n = nonce ?? primitives.randomBytes(NONCE_LENGTH);
  requireLength(n, NONCE_LENGTH, "nonce");
  const tokenInput = new ByteWriter(2 + NONCE_LENGTH + CHALLENGE_DIGEST_LENGTH + NID)
    .uint16(TokenType.BlindRsa2048)
    .bytes(n)
    .bytes(ctx.challengeDigest)
    .bytes(ctx.tokenKeyId)
    .finish();
  const { blindedMsg, inv } = blind(ctx.publicKey, prepareIdentity(tokenInput), {
    saltLength: PSS_SALT_LENGTH,
    ...(salt === undefined ? {} : { salt }),
    ...(r === undefined ? {} : { r }),
  });
  return { nonce: new Uint8Array(n), tokenInput, blindedMsg, inv };
}

function finalizeOne(ctx: IssuanceContext, blinded: Blinded, blindSig: Uint8Array): Token {
  const authenticator = finalize(ctx.publicKey, blinded.tokenInput, blindSig, blinded.inv, PSS_SALT_LENGTH);
  return {
    tokenType: TokenType.BlindRsa2048,
    nonce: blinded.nonce,
    // Copies: tokens of one batch share no arrays.
    challengeDigest: new Uint8Array(ctx.challengeDigest),
    tokenKeyId: new Uint8Array(ctx.tokenKeyId),
    authenticator,
  };
}

function singleUse(): () => void {
  let used = false;
  return () => {
    if (used) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "finalize may be called once");
    used = true;
  };
}

export async function beginTokenRequest(options: BeginTokenRequestOptions): Promise<PendingTokenRequest> {
  const ctx = context(options.challenge, options.tokenKey, options.origin);
  const blinded = blindOne(ctx, options.nonce, options.salt, options.blind);
  const use = singleUse();
  return {
    request: { tokenType: TokenType.BlindRsa2048, truncatedTokenKeyId: ctx.tokenKeyId[NID - 1] as number, blindedMsg: blinded.blindedMsg },
    finalize: async (response) => {
      use();
      return finalizeOne(ctx, blinded, response.blindSig);
    },
  };
}

export async function beginBatchedTokenRequest(count: number, options: BeginBatchedTokenRequestOptions): Promise<PendingBatchedTokenRequest> {
  if (!Number.isInteger(count) || count < 1) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "count");
  for (const list of [options.nonces, options.salts, options.blinds]) {
    if (list !== undefined && list.length !== count) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "one known-answer value per token");
  }
  const ctx = context(options.challenge, options.tokenKey, options.origin);
  const batch = Array.from({ length: count }, (_, i) => blindOne(ctx, options.nonces?.[i], options.salts?.[i], options.blinds?.[i]));
  const use = singleUse();
  return {
    request: {
      tokenType: TokenType.BlindRsa2048,
      truncatedTokenKeyId: ctx.tokenKeyId[NID - 1] as number,
      blindedMsgs: batch.map((b) => b.blindedMsg),
    },
    finalize: async (response) => {
      use();
      if (response.blindSigs.length !== count) throw new PrivacyPassError(PrivacyPassErrorCode.Malformed, "one response per request");
      return batch.map((blinded, i) => {
        const blindSig = response.blindSigs[i];
        return blindSig === undefined ? undefined : finalizeOne(ctx, blinded, blindSig);
      });
    },
  };
}
