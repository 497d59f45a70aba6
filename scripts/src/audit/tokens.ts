/**
 * The PrivateTokens a hop received, read from its plaintext HTTP: `Authorization: PrivateToken token=...`.
 * A type-2 token betrays itself by its nonce too; an ARC token (0xE5AC) by its presentation's
 * randomized U and its tag (a stored or logged tag would link nothing by itself, but the origin
 * must keep only a hash of it): token_type 2 | nonce 4 | digest 32 | key id 32 | U 33 |
 * UPrimeCommit 33 | m1Commit 33 | tag 33 | ...
 */
import { ARC_TOKEN_TYPE, decodeToken, encodeBase64Url, parseAuthorization } from "@oblivious/privacypass";

export interface SeenToken {
  /** As it is sent (base64url of the token). */
  readonly encoded: string;
  /** Byte strings that also betray the token (type 2: its nonce; ARC: U and the tag). */
  readonly related: readonly Uint8Array[];
  readonly tokenType: number;
}

const ARC_HEADER = 70;
const NE = 33;

export function tokensIn(text: string): SeenToken[] {
  const seen = new Map<string, SeenToken>();
  for (const match of text.matchAll(/^authorization:[ \t]*(PrivateToken[^\r\n]*)$/gim)) {
    try {
      const bytes = parseAuthorization(match[1] ?? "");
      if (bytes === undefined) continue;
      const encoded = encodeBase64Url(bytes).replace(/=+$/, "");
      const tokenType = ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0);
      if (tokenType === ARC_TOKEN_TYPE) {
        if (bytes.length < ARC_HEADER + 5 * NE) continue;
        const U = bytes.slice(ARC_HEADER, ARC_HEADER + NE);
        const tag = bytes.slice(ARC_HEADER + 3 * NE, ARC_HEADER + 4 * NE);
        seen.set(encoded, { encoded, related: [U, tag], tokenType });
      } else {
        seen.set(encoded, { encoded, related: [decodeToken(bytes).nonce], tokenType });
      }
    } catch {
      // not a well-formed token: one of the audit's deliberately bad ones
    }
  }
  return [...seen.values()];
}
