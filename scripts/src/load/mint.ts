/**
 * Before the clock starts, in each worker: tokens for the feature origins (issued through relay
 * and gateway with device credentials, finalized and kept as ready `Authorization` values), and
 * blinded token requests for the issuance scenario. Blinding is the costly part (bigint
 * arithmetic in JS), which is why it runs in every worker at once and is timed apart from the run.
 */
import type { KeyConfig } from "@oblivious/ohttp";
import {
  MediaType,
  TokenType,
  beginBatchedTokenRequest,
  decodeBatchedTokenResponse,
  encodeBatchedTokenRequest,
  encodeToken,
  encodeTokenChallenge,
  formatAuthorization,
} from "@oblivious/privacypass";
import { encodeInner, header } from "./oblivious.js";
import { TOKEN_REQUEST_PATH, type PreparedIssuance } from "./scenarios.js";
import type { Transport } from "./transport.js";

/** A credential and how many tokens it may still be issued in this run. */
export interface Grant {
  readonly credential: string;
  readonly count: number;
}

export interface MintContext {
  readonly transport: Transport;
  readonly config: KeyConfig;
  readonly issuerAuthority: string;
  readonly tokenKey: Uint8Array;
}

/** Requests kept in flight per worker while minting: one blinds while another waits for the issuer. */
const MINT_IN_FLIGHT = 2;

async function eachInParallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, loop));
}

/** Splits grants into issuance requests of at most `batch` tokens each. */
function requestsOf(grants: readonly Grant[], batch: number): Grant[] {
  const out: Grant[] = [];
  for (const g of grants) for (let left = g.count; left > 0; left -= batch) out.push({ credential: g.credential, count: Math.min(batch, left) });
  return out;
}

/** Issues tokens for `challenge` through the relay; returns `Authorization` header values. */
export async function mintTokens(ctx: MintContext, challenge: Uint8Array, grants: readonly Grant[], batch: number): Promise<string[]> {
  const out: string[] = [];
  await eachInParallel(requestsOf(grants, batch), MINT_IN_FLIGHT, async ({ credential, count }) => {
    const pending = await beginBatchedTokenRequest(count, { challenge, tokenKey: ctx.tokenKey });
    const inner = encodeInner(
      ctx.issuerAuthority,
      "POST",
      TOKEN_REQUEST_PATH,
      [
        ["content-type", MediaType.BatchedTokenRequest],
        ["authorization", `Bearer ${credential}`],
      ],
      encodeBatchedTokenRequest(pending.request),
    );
    const answer = await ctx.transport.call(ctx.config, inner);
    if (!answer.ok) throw new Error(`minting tokens: ${answer.outcome}`);
    const { response } = answer;
    if (response.status !== 200) {
      const retry = header(response, "retry-after");
      throw new Error(`minting tokens: the issuer answered ${response.status}${retry === undefined ? "" : ` (retry-after ${retry})`}`);
    }
    const tokens = await pending.finalize(decodeBatchedTokenResponse(response.content));
    for (const token of tokens) {
      if (token === undefined) throw new Error("minting tokens: the issuer left a token of a batch unsigned");
      out.push(formatAuthorization(encodeToken(token)));
    }
  });
  return out;
}

/**
 * The challenge bound into tokens of the issuance scenario. They are never redeemed, so no
 * origin's challenge is needed; their finalization (signature verification) is the check.
 */
export const ISSUANCE_CHALLENGE = encodeTokenChallenge({
  tokenType: TokenType.BlindRsa2048,
  issuerName: "issuer.internal",
  redemptionContext: new Uint8Array(0),
  originInfo: ["load-generator.internal"],
});

/** Blinds one token request of `size` tokens per credential entry (one entry per request). */
export async function blindIssuances(tokenKey: Uint8Array, credentials: readonly string[], size: number): Promise<PreparedIssuance[]> {
  const out: PreparedIssuance[] = [];
  for (const credential of credentials) {
    out.push({ pending: await beginBatchedTokenRequest(size, { challenge: ISSUANCE_CHALLENGE, tokenKey }), credential });
  }
  return out;
}
