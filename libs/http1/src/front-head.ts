/**
 * The one request head Http1Front judges itself (front.ts): `POST <path> HTTP/1.1` for a
 * configured path, plainly well-formed field lines (RFC 9112 §5), one `Host`, one plain-digit
 * `Content-Length`, no other framing. Anything else is `undefined`, and the connection then goes
 * to node:http with every byte, so this parser only has to be right about what it accepts.
 */
import { TOKEN, fieldLine } from "./fields.js";

/** node:http's limit on a head (it answers 431 past it). */
export const MAX_HEAD_BYTES = 16 * 1024;

/**
 * The longest head judged here (without its final CRLFCRLF). Well below node:http's 16 KiB, so
 * that the two never disagree on a head near that limit (they count it differently): a longer
 * head goes to node:http as soon as it passes this length. The hot path's heads are about 150 bytes.
 */
export const MAX_JUDGED_HEAD_BYTES = 8 * 1024;

/**
 * A Content-Length line's value as judged here: digits, spaces or tabs before them, spaces only
 * after (node:http's parser refuses a tab after the digits; differential-front.test.ts found it).
 */
const LENGTH_VALUE = /^[ \t]*[0-9]{1,15} *$/;
/**
 * The field values judged here: visible ASCII, spaces and tabs. A value with obs-text (RFC 9110
 * §5.5), which fieldLine allows, is left to node:http: nothing on the hot path needs it.
 */
const PLAIN_VALUE = /^[\t\x20-\x7e]*$/;

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
  return readLines(head.split("\r\n"), paths, maxBodyBytes, wanted, true);
}

/**
 * Whether a head that has not ended yet (no CRLFCRLF) may still be one judged here: its complete
 * lines pass parseHead's checks, its last partial line has only bytes its kind of line may hold,
 * and it is not over MAX_JUDGED_HEAD_BYTES. The front hands a connection over as soon as this is
 * false, so that node:http refuses a malformed head at the byte it would, not at a deadline.
 */
export function mayBeJudged(partial: string, paths: readonly string[], maxBodyBytes: number): boolean {
  if (partial.length > MAX_JUDGED_HEAD_BYTES + 3) return false;
  const lines = partial.split("\r\n");
  let last = lines.pop() ?? "";
  if (last.endsWith("\r")) last = last.slice(0, -1);
  if (lines.length === 0) return paths.some((path) => `POST ${path} HTTP/1.1`.startsWith(last));
  if (readLines(lines, paths, maxBodyBytes, [], false) === undefined) return false;
  const colon = last.indexOf(":");
  return colon < 0 ? last === "" || TOKEN.test(last) : colon > 0 && TOKEN.test(last.slice(0, colon)) && PLAIN_VALUE.test(last.slice(colon + 1));
}

/** parseHead's checks on the head's lines; when `complete` is false, those that need the whole head are left out. */
function readLines(lines: readonly string[], paths: readonly string[], maxBodyBytes: number, wanted: readonly string[], complete: boolean): ParsedHead | undefined {
  const requestLine = lines[0] ?? "";
  if (!requestLine.startsWith("POST ") || !requestLine.endsWith(" HTTP/1.1")) return undefined;
  const path = requestLine.slice(5, -9);
  if (!paths.includes(path)) return undefined;
  let hosts = 0;
  let length: number | undefined;
  let contentType: string | undefined;
  let close = false;
  let fields: Map<string, string> | undefined;
  for (let i = 1; i < lines.length; i++) {
    const field = fieldLine(lines[i] as string);
    if (field === undefined || !PLAIN_VALUE.test(field[1])) return undefined;
    const [name, value] = field;
    const lower = name.toLowerCase();
    switch (lower) {
      case "host":
        hosts++;
        break;
      case "content-length":
        if (length !== undefined || !LENGTH_VALUE.test((lines[i] as string).slice(name.length + 1))) return undefined;
        length = Number(value);
        if (length > maxBodyBytes) return undefined;
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
  if (complete && (hosts !== 1 || length === undefined)) return undefined;
  const head = { path, contentType, length: length ?? 0, close };
  return fields === undefined ? head : { ...head, fields };
}
