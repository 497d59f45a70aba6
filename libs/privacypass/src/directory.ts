/**
 * The issuer directory, RFC 9578 Section 4: a JSON object (RFC 8259) served at
 * /.well-known/private-token-issuer-directory as application/private-token-issuer-directory.
 *
 *   {
 *     "issuer-request-uri": "https://issuer.example.net/request",
 *     "token-keys": [
 *       { "token-type": 2, "token-key": "MI...AB", "not-before": 1686913811 }
 *     ]
 *   }
 *
 * "token-key" is base64url with padding; "not-before" (optional) is the time, in seconds since the
 * Unix epoch, from which the issuer may sign with the key. Keys come in order of preference.
 * Decoding ignores fields it does not know and keeps keys of every token type; the caller picks.
 */
import { decodeBase64Url, encodeBase64Url } from "./base64url.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";

export interface IssuerDirectoryKey {
  readonly tokenType: number;
  /** For type 0x0002: SPKI bytes (`encodeTokenKey`). */
  readonly tokenKey: Uint8Array;
  /** Unix seconds. */
  readonly notBefore?: number;
}

export interface IssuerDirectory {
  readonly issuerRequestUri: string;
  readonly tokenKeys: readonly IssuerDirectoryKey[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isUint16(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 0xffff;
}

function isSeconds(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

export function encodeIssuerDirectory(directory: IssuerDirectory): string {
  const bad = (what: string): PrivacyPassError => new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, what);
  if (typeof directory.issuerRequestUri !== "string" || directory.issuerRequestUri.length === 0) throw bad("issuerRequestUri");
  return JSON.stringify({
    "issuer-request-uri": directory.issuerRequestUri,
    "token-keys": directory.tokenKeys.map((key) => {
      if (!isUint16(key.tokenType)) throw bad("tokenType");
      if (!(key.tokenKey instanceof Uint8Array) || key.tokenKey.length === 0) throw bad("tokenKey");
      if (key.notBefore !== undefined && !isSeconds(key.notBefore)) throw bad("notBefore");
      return {
        "token-type": key.tokenType,
        "token-key": encodeBase64Url(key.tokenKey),
        ...(key.notBefore === undefined ? {} : { "not-before": key.notBefore }),
      };
    }),
  });
}

export function decodeIssuerDirectory(json: string): IssuerDirectory {
  const malformed = (): PrivacyPassError => new PrivacyPassError(PrivacyPassErrorCode.Malformed, "issuer directory");
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw malformed();
  }
  if (!isObject(value)) throw malformed();
  const uri = value["issuer-request-uri"];
  const keys = value["token-keys"];
  if (typeof uri !== "string" || uri.length === 0 || !Array.isArray(keys)) throw malformed();
  const tokenKeys = keys.map((entry: unknown): IssuerDirectoryKey => {
    if (!isObject(entry)) throw malformed();
    const tokenType = entry["token-type"];
    const tokenKey = entry["token-key"];
    const notBefore = entry["not-before"];
    if (!isUint16(tokenType) || typeof tokenKey !== "string") throw malformed();
    const bytes = decodeBase64Url(tokenKey);
    if (bytes.length === 0) throw malformed();
    if (notBefore === undefined) return { tokenType, tokenKey: bytes };
    if (!isSeconds(notBefore)) throw malformed();
    return { tokenType, tokenKey: bytes, notBefore };
  });
  return { issuerRequestUri: uri, tokenKeys };
}
