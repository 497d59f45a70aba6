/**
 * The one request head Http1Front judges itself (front.ts): `POST <path> HTTP/1.1` for a
 * configured path, plainly well-formed field lines (RFC 9112 §5), one `Host`, one plain-digit
 * `Content-Length`, no other framing. Anything else is `undefined`, and the connection then goes
 * to node:http with every byte, so this parser only has to be right about what it accepts.
 */
import { fieldLine } from "./fields.js";

/**
 * How long a head may grow before the connection goes to node:http (its own limit, 16 KiB, then
 * answers 431): the front waits for the end of a head this long at most.
 */
export const MAX_HEAD_BYTES = 16 * 1024;

/**
 * The longest head judged here (without its final CRLFCRLF). Well below node:http's 16 KiB, so
 * that the two never disagree on a head near that limit (they count it differently): a longer
 * head goes to node:http, which judges it. The hot path's heads are about 150 bytes.
 */
export const MAX_JUDGED_HEAD_BYTES = 8 * 1024;

const DIGITS = /^[0-9]{1,15}$/;

/** What the hot path needs of a head. */
export interface ParsedHead {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly length: number;
  readonly close: boolean;
  /** The requested fields, when the request carries any of them. */
  readonly fields?: ReadonlyMap<string, string>;
}

/**
 * Parses a head (without its final CRLFCRLF) into what the hot path needs, or `undefined` for
 * anything outside the subset. `wanted` names (lower case) the fields to keep; lines of one name
 * are joined with ", " as node:http joins the fields it has no rule of its own for.
 */
export function parseHead(head: string, paths: readonly string[], maxBodyBytes: number, wanted: readonly string[] = []): ParsedHead | undefined {
  const lines = head.split("\r\n");
  const requestLine = lines[0] ?? "";
  if (!requestLine.startsWith("POST ") || !requestLine.endsWith(" HTTP/1.1")) return undefined;
  const path = requestLine.slice(5, -9);
  if (!paths.includes(path)) return undefined;
  let hosts = 0;
  let length: string | undefined;
  let contentType: string | undefined;
  let close = false;
  let fields: Map<string, string> | undefined;
  for (let i = 1; i < lines.length; i++) {
    const field = fieldLine(lines[i] as string);
    if (field === undefined) return undefined;
    const [name, value] = field;
    const lower = name.toLowerCase();
    switch (lower) {
      case "host":
        hosts++;
        break;
      case "content-length":
        if (length !== undefined || !DIGITS.test(value)) return undefined;
        length = value;
        break;
      case "content-type":
        if (contentType !== undefined) return undefined;
        contentType = value;
        break;
      case "connection": {
        const token = value.toLowerCase();
        if (token === "close") close = true;
        else if (token !== "keep-alive") return undefined;
        break;
      }
      case "transfer-encoding":
      case "expect":
      case "upgrade":
        return undefined;
      default:
        if (wanted.length > 0 && wanted.includes(lower)) {
          fields ??= new Map();
          const before = fields.get(lower);
          fields.set(lower, before === undefined ? value : `${before}, ${value}`);
        }
        break;
    }
  }
  if (hosts !== 1 || length === undefined) return undefined;
  const bytes = Number(length);
  if (bytes > maxBodyBytes) return undefined;
  return fields === undefined ? { path, contentType, length: bytes, close } : { path, contentType, length: bytes, close, fields };
}
