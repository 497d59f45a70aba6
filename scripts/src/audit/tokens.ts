/** The PrivateTokens a hop received, read from its plaintext HTTP: `Authorization: PrivateToken token=...`. */
import { decodeToken, encodeBase64Url, parseAuthorization } from "@oblivious/privacypass";

export interface SeenToken {
  /** As it is sent (base64url of the token). */
  readonly encoded: string;
  readonly nonce: Uint8Array;
}

export function tokensIn(text: string): SeenToken[] {
  const seen = new Map<string, SeenToken>();
  for (const match of text.matchAll(/^authorization:[ \t]*(PrivateToken[^\r\n]*)$/gim)) {
    try {
      const bytes = parseAuthorization(match[1] ?? "");
      if (bytes === undefined) continue;
      const encoded = encodeBase64Url(bytes).replace(/=+$/, "");
      seen.set(encoded, { encoded, nonce: decodeToken(bytes).nonce });
    } catch {
      // not a well-formed token: one of the audit's deliberately bad ones
    }
  }
  return [...seen.values()];
}
