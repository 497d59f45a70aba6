/*
 * RFC 9292 §3.4, Figure 3:
 *   Request Control Data {
 *     Method Length (i),
 *     Method (..),
 *     Scheme Length (i),
 *     Scheme (..),
 *     Authority Length (i),
 *     Authority (..),
 *     Path Length (i),
 *     Path (..),
 *   }
 *
 * "The values of these fields follow the rules in HTTP/2 (Section 8.3.1 of [HTTP/2]) that apply
 * to the :method, :scheme, :authority, and :path pseudo-header fields respectively. However, where
 * the :authority pseudo-header field might be omitted in HTTP/2, a zero-length value is encoded
 * instead."
 */
import type { ByteWriter } from "@oblivious/wire";
import type { Cursor } from "./cursor.js";
import { BhttpError, BhttpErrorCode } from "./errors.js";
import { isToken } from "./fields.js";
import { bytesToLatin1, latin1ToBytes } from "./latin1.js";
import type { Budget } from "./limits.js";

export interface ControlData {
  readonly method: string;
  readonly scheme: string;
  readonly authority: string;
  readonly path: string;
}

/** RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
/**
 * Authority and path hold visible ASCII only: no control byte, space, DEL or non-ASCII byte can
 * reach a request line or a URL that the gateway builds from them. (RFC 3986 allows fewer
 * characters still; real clients send some of the others unencoded, so those pass.)
 */
const VISIBLE_ASCII = /^[\x21-\x7e]*$/;

/**
 * RFC 9113 §8.3.1 and §8.5, as RFC 9292 §3.4 applies them:
 * - the method is a token (RFC 9110 §9.1), compared case-sensitively;
 * - a CONNECT request omits scheme and path (here: empty) and names the authority to connect to;
 * - otherwise the scheme follows RFC 3986, and for "http" and "https" the authority carries no
 *   userinfo and the path is not empty: it starts with "/", or is "*" for OPTIONS.
 * The query stays in the path, as in `:path`.
 */
export function isValidControlData(c: ControlData): boolean {
  const { method, scheme, authority, path } = c;
  if (!isToken(method) || !VISIBLE_ASCII.test(authority) || !VISIBLE_ASCII.test(path)) return false;
  if (method === "CONNECT" && scheme === "" && path === "") return authority !== "";
  if (!SCHEME.test(scheme)) return false;
  const lower = scheme.toLowerCase();
  if (lower !== "http" && lower !== "https") return true;
  if (authority.includes("@")) return false;
  return path.startsWith("/") || (path === "*" && method === "OPTIONS");
}

export function writeControlData(w: ByteWriter, c: ControlData): void {
  if (!isValidControlData(c)) throw new BhttpError(BhttpErrorCode.InvalidControlData);
  for (const part of [c.method, c.scheme, c.authority, c.path]) w.varintPrefixed(latin1ToBytes(part));
}

/**
 * Reads and validates request control data. Its size counts against `maxFieldSectionBytes`: in
 * HTTP/2 these values are pseudo-header fields.
 */
export function readControlData(cursor: Cursor, budget: Budget): ControlData {
  const start = cursor.offset;
  const part = (): string => {
    const at = cursor.offset;
    const length = cursor.varint();
    budget.fieldSection(cursor.offset + length - start, at);
    return bytesToLatin1(cursor.bytes(length));
  };
  const method = part();
  const scheme = part();
  const authority = part();
  const path = part();
  const c = { method, scheme, authority, path };
  if (!isValidControlData(c)) throw new BhttpError(BhttpErrorCode.InvalidControlData, start);
  return c;
}
