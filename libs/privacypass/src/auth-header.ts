/**
 * The "PrivateToken" HTTP authentication scheme, RFC 9577 Sections 2.1 and 2.2, on the
 * authentication framework of RFC 9110 Section 11:
 *
 *   WWW-Authenticate: PrivateToken challenge="<TokenChallenge>", token-key="<key>", max-age=<s>
 *   Authorization:    PrivateToken token="<Token>"
 *
 *   challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]      (RFC 9110 Section 11.2)
 *   auth-param  = token BWS "=" BWS ( token / quoted-string )
 *   WWW-Authenticate = #challenge; Authorization = credentials (one)
 *
 * Values are base64url (RFC 4648 Section 5) and MUST include padding, so they are written as
 * quoted strings ("=" is not a token character). Parsing accepts quoted and unquoted values,
 * padded and unpadded base64url, and unquoted values ending in "=" (written that way by
 * @cloudflare/privacypass-ts). Scheme and parameter names match case-insensitively; parameters a
 * challenge does not define are ignored ("realm"); a parameter repeated in one challenge, a
 * missing "challenge" or a bad value makes the header `malformed`.
 */
import { decodeBase64Url, encodeBase64Url } from "./base64url.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";

export const AUTH_SCHEME = "PrivateToken";

export interface PrivateTokenChallenge {
  /** An encoded TokenChallenge. */
  readonly challenge: Uint8Array;
  /** The issuer's token key (for type 0x0002, SPKI bytes). */
  readonly tokenKey: Uint8Array;
  /** Seconds for which the origin accepts the challenge. */
  readonly maxAge?: number;
  /** ARC (draft-ietf-privacypass-arc-protocol): the presentation limit, from "rate-limit". */
  readonly rateLimit?: number;
}

interface AuthItem {
  readonly scheme: string;
  token68?: string;
  readonly params: [string, string][];
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;
const QDTEXT = /[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]/;
const QUOTED_PAIR_CHAR = /[\t \x21-\x7e\x80-\xff]/;
const DIGITS = /^[0-9]+$/;

function malformed(detail = "authentication header"): PrivacyPassError {
  return new PrivacyPassError(PrivacyPassErrorCode.Malformed, detail);
}

/** An RFC 9110 Section 11 challenge list (or one set of credentials), as scheme, token68 and parameters. */
class AuthParser {
  #pos = 0;
  constructor(private readonly text: string) {}

  #peek(at = this.#pos): string {
    return this.text.charAt(at);
  }

  #skip(pattern: RegExp): void {
    while (this.#pos < this.text.length && pattern.test(this.#peek())) this.#pos++;
  }

  #run(pattern: RegExp): string {
    const start = this.#pos;
    this.#skip(pattern);
    return this.text.slice(start, this.#pos);
  }

  /** After "name BWS": is this "= BWS value"? (Otherwise the name starts a token68 or a scheme.) */
  #atParamValue(): boolean {
    if (this.#peek() !== "=") return false;
    let at = this.#pos + 1;
    while (this.#peek(at) === " " || this.#peek(at) === "\t") at++;
    const next = this.#peek(at);
    return next === '"' || (next !== "" && TCHAR.test(next));
  }

  #value(): string {
    if (this.#peek() !== '"') {
      // token, plus trailing "=" as found in the wild for unquoted padded base64url
      const token = this.#run(TCHAR) + this.#run(/=/);
      if (token.length === 0) throw malformed();
      return token;
    }
    this.#pos++;
    let out = "";
    while (this.#pos < this.text.length) {
      const c = this.#peek();
      this.#pos++;
      if (c === '"') return out;
      if (c === "\\") {
        const escaped = this.#peek();
        if (escaped === "" || !QUOTED_PAIR_CHAR.test(escaped)) throw malformed();
        out += escaped;
        this.#pos++;
      } else if (QDTEXT.test(c)) {
        out += c;
      } else {
        throw malformed();
      }
    }
    throw malformed();
  }

  parse(): AuthItem[] {
    const items: AuthItem[] = [];
    let current: AuthItem | undefined;
    for (;;) {
      this.#skip(/[ \t,]/); // OWS and empty list elements (RFC 9110 Section 5.6.1)
      if (this.#pos >= this.text.length) return items;
      const name = this.#run(TCHAR);
      if (name.length === 0) throw malformed();
      const afterName = this.#pos;
      this.#skip(/[ \t]/);
      if (current !== undefined && this.#atParamValue()) {
        this.#pos++;
        this.#skip(/[ \t]/);
        current.params.push([name.toLowerCase(), this.#value()]);
      } else {
        this.#pos = afterName;
        current = { scheme: name, params: [] };
        items.push(current);
        if (this.#peek() === " ") {
          this.#skip(/ /);
          const itemStart = this.#pos;
          const first = this.#run(TCHAR);
          this.#skip(/[ \t]/);
          if (first.length > 0 && this.#atParamValue()) {
            this.#pos++;
            this.#skip(/[ \t]/);
            current.params.push([first.toLowerCase(), this.#value()]);
          } else {
            this.#pos = itemStart;
            const token68 = this.#run(TOKEN68_CHAR) + this.#run(/=/);
            if (token68.length > 0) current.token68 = token68;
          }
        }
      }
      this.#skip(/[ \t]/);
      if (this.#pos < this.text.length && this.#peek() !== ",") throw malformed();
    }
  }
}

/** The parameters of one PrivateToken challenge or credentials, by lower-case name. */
function privateTokenParams(item: AuthItem): Map<string, string> {
  if (item.token68 !== undefined) throw malformed();
  const params = new Map<string, string>();
  for (const [name, value] of item.params) {
    // RFC 9110 Section 11.2: "Each parameter name MUST only occur once per challenge."
    if (params.has(name)) throw malformed();
    params.set(name, value);
  }
  return params;
}

function nonEmptyBase64Url(value: string): Uint8Array {
  const bytes = decodeBase64Url(value);
  if (bytes.length === 0) throw malformed();
  return bytes;
}

function isPrivateToken(scheme: string): boolean {
  return scheme.toLowerCase() === AUTH_SCHEME.toLowerCase();
}

/**
 * The PrivateToken challenges of a WWW-Authenticate value, in order; other schemes are skipped.
 * A challenge without "token-key" (RFC 9577 lets deployments omit it) is skipped too: this library
 * has no out-of-band key source.
 */
export function parseWwwAuthenticate(header: string): PrivateTokenChallenge[] {
  if (typeof header !== "string") throw malformed();
  const out: PrivateTokenChallenge[] = [];
  for (const item of new AuthParser(header).parse()) {
    if (!isPrivateToken(item.scheme)) continue;
    const params = privateTokenParams(item);
    const challenge = params.get("challenge");
    if (challenge === undefined) throw malformed();
    const tokenKey = params.get("token-key");
    const maxAge = params.get("max-age");
    const rateLimit = params.get("rate-limit");
    const parsed = { challenge: nonEmptyBase64Url(challenge) };
    if (tokenKey === undefined) continue;
    const integer = (text: string): number => {
      const n = Number(text);
      if (!DIGITS.test(text) || !Number.isSafeInteger(n)) throw malformed();
      return n;
    };
    out.push({
      ...parsed,
      tokenKey: nonEmptyBase64Url(tokenKey),
      ...(maxAge === undefined ? {} : { maxAge: integer(maxAge) }),
      ...(rateLimit === undefined ? {} : { rateLimit: integer(rateLimit) }),
    });
  }
  return out;
}

export function formatWwwAuthenticate(list: readonly { readonly challenge: Uint8Array; readonly tokenKey: Uint8Array; readonly maxAge?: number }[]): string {
  const bad = (what: string): PrivacyPassError => new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, what);
  if (list.length === 0) throw bad("no challenges");
  return list
    .map(({ challenge, tokenKey, maxAge }) => {
      if (!(challenge instanceof Uint8Array) || challenge.length === 0) throw bad("challenge");
      if (!(tokenKey instanceof Uint8Array) || tokenKey.length === 0) throw bad("tokenKey");
      let text = `${AUTH_SCHEME} challenge="${encodeBase64Url(challenge)}", token-key="${encodeBase64Url(tokenKey)}"`;
      if (maxAge !== undefined) {
        if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw bad("maxAge");
        text += `, max-age=${maxAge}`;
      }
      return text;
    })
    .join(", ");
}

/**
 * The token bytes of an Authorization value; `undefined` when its scheme is not PrivateToken,
 * `malformed` when it is but the credentials are not one well-formed PrivateToken with a token.
 */
export function parseAuthorization(header: string): Uint8Array | undefined {
  if (typeof header !== "string") return undefined;
  const scheme = /^[ \t]*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)/.exec(header)?.[1];
  if (scheme === undefined || !isPrivateToken(scheme)) return undefined;
  const items = new AuthParser(header).parse();
  const [credentials] = items;
  if (items.length !== 1 || credentials === undefined) throw malformed();
  const token = privateTokenParams(credentials).get("token");
  if (token === undefined) throw malformed();
  return nonEmptyBase64Url(token);
}

export function formatAuthorization(tokenBytes: Uint8Array): string {
  if (!(tokenBytes instanceof Uint8Array) || tokenBytes.length === 0) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "token");
  return `${AUTH_SCHEME} token="${encodeBase64Url(tokenBytes)}"`;
}
