/**
 * The PrivateToken authentication scheme (RFC 9577 Sections 2.1, 2.2) and the issuer directory
 * (RFC 9578 Section 4) on web APIs. `@oblivious/privacypass` is the reference on Node; tests hold
 * these to it.
 *
 *   WWW-Authenticate = #challenge                         (RFC 9110 Section 11.6.1)
 *   challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param  = token BWS "=" BWS ( token / quoted-string )
 *
 * Unquoted values may end in "=" (padded base64url, as some implementations write it).
 */
import type { ChallengeOffer, Directory, DirectoryKey } from "../backend.js";

export class AuthFormatError extends Error {
  override readonly name = "AuthFormatError";
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /[A-Za-z0-9\-._~+/]/;

/** base64url (RFC 4648 Section 5), padded on output (RFC 9577 requires senders to pad). */
export function encodeBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_");
}

/** Padded or unpadded base64url; nothing else. */
export function decodeBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) throw new AuthFormatError("base64url");
  const body = text.replace(/=+$/, "");
  if (body.length % 4 === 1) throw new AuthFormatError("base64url");
  let binary: string;
  try {
    binary = atob(body.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (body.length % 4)) % 4));
  } catch (cause) {
    throw new AuthFormatError("base64url", { cause });
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

interface Challenge {
  readonly scheme: string;
  readonly params: Map<string, string>;
}

/** Splits a WWW-Authenticate value into challenges (RFC 9110 Section 11). */
function parseAuthChallenges(header: string): Challenge[] {
  let pos = 0;
  const peek = (at = pos): string => header.charAt(at);
  const skip = (re: RegExp): void => {
    while (pos < header.length && re.test(peek())) pos++;
  };
  const run = (re: RegExp): string => {
    const start = pos;
    skip(re);
    return header.slice(start, pos);
  };
  const quoted = (): string => {
    pos++;
    let value = "";
    for (;;) {
      const c = peek();
      if (c === "") throw new AuthFormatError("unterminated quoted-string");
      pos++;
      if (c === '"') return value;
      if (c === "\\") {
        value += peek();
        pos++;
      } else value += c;
    }
  };
  const challenges: Challenge[] = [];
  for (;;) {
    skip(/[ \t,]/);
    if (pos >= header.length) return challenges;
    const scheme = run(TCHAR);
    if (scheme === "") throw new AuthFormatError("auth-scheme");
    const params = new Map<string, string>();
    challenges.push({ scheme, params });
    for (;;) {
      const save = pos;
      skip(/[ \t]/);
      const name = run(TCHAR);
      skip(/[ \t]/);
      if (name !== "" && peek() === "=" && peek(pos + 1) !== "=") {
        pos++;
        skip(/[ \t]/);
        const value = peek() === '"' ? quoted() : run(TCHAR) + run(/=/);
        const key = name.toLowerCase();
        if (params.has(key)) throw new AuthFormatError("repeated auth-param");
        params.set(key, value);
      } else {
        pos = save;
        skip(/[ \t]/);
        if (params.size === 0 && TOKEN68.test(peek())) {
          run(TOKEN68);
          run(/=/);
        } else {
          pos = save;
        }
      }
      skip(/[ \t]/);
      if (pos >= header.length) return challenges;
      if (peek() !== ",") throw new AuthFormatError("auth-param list");
      // After a comma: another auth-param of this challenge, or the next challenge's scheme.
      const afterComma = pos + 1;
      pos = afterComma;
      skip(/[ \t,]/);
      const lookahead = pos;
      run(TCHAR);
      skip(/[ \t]/);
      const isParam = peek() === "=";
      pos = isParam ? afterComma : lookahead;
      if (!isParam) break;
    }
  }
}

/** The PrivateToken challenges of a WWW-Authenticate value (those without token-key are skipped). */
export function parsePrivateTokenChallenges(header: string): ChallengeOffer[] {
  return parseAuthChallenges(header)
    .filter((c) => c.scheme.toLowerCase() === "privatetoken")
    .flatMap((c) => {
      const challenge = c.params.get("challenge");
      const tokenKey = c.params.get("token-key");
      if (challenge === undefined) throw new AuthFormatError("challenge missing");
      const challengeBytes = decodeBase64Url(challenge);
      if (tokenKey === undefined) return [];
      return [{ challenge: challengeBytes, tokenKey: decodeBase64Url(tokenKey) }];
    });
}

export function formatPrivateTokenAuthorization(token: Uint8Array): string {
  return `PrivateToken token="${encodeBase64Url(token)}"`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** RFC 9578 Section 4; unknown fields ignored, keys of every type kept. */
export function decodeDirectoryJson(json: string): Directory {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new AuthFormatError("directory", { cause });
  }
  if (!isRecord(value)) throw new AuthFormatError("directory");
  const uri = value["issuer-request-uri"];
  const keys = value["token-keys"];
  if (typeof uri !== "string" || uri === "" || !Array.isArray(keys)) throw new AuthFormatError("directory");
  const tokenKeys = keys.map((entry: unknown): DirectoryKey => {
    if (!isRecord(entry)) throw new AuthFormatError("directory key");
    const tokenType = entry["token-type"];
    const tokenKey = entry["token-key"];
    const notBefore = entry["not-before"];
    if (typeof tokenType !== "number" || !Number.isInteger(tokenType) || typeof tokenKey !== "string") throw new AuthFormatError("directory key");
    if (notBefore === undefined) return { tokenType, tokenKey: decodeBase64Url(tokenKey) };
    if (typeof notBefore !== "number" || !Number.isSafeInteger(notBefore)) throw new AuthFormatError("directory key");
    return { tokenType, tokenKey: decodeBase64Url(tokenKey), notBefore };
  });
  return { issuerRequestUri: uri, tokenKeys };
}
