/**
 * The client's answer parser: the bytes of one exchange in, one answer out, framed by RFC 9112
 * §6.3. Pure, no socket: `feed` consumes what arrived, says whether the answer is complete, and
 * throws `MalformedAnswer` or `AnswerTooLarge` for anything it does not frame to the letter.
 *
 * What it reads (the rest is malformed, the exchange fails and its connection is closed):
 * - a status line `HTTP/1.x NNN[ reason]` (NNN from 100 to 999), field lines `name: value` (a
 *   token name, no space before the colon, no obs-fold, no control byte, CR or LF in the value),
 *   lines ended by CRLF only, a head of at most `maxHeadBytes`;
 * - interim answers (100 to 199 but 101) read and dropped, all of them within `maxHeadBytes`
 *   together; 101 is malformed (this client never asks to switch protocols);
 * - the content, by §6.3 in its order: none for an answer to HEAD, for 204 and for 304 whatever
 *   their fields say (§6.3 items 1 and 2); `Transfer-Encoding: chunked` as the only coding, with
 *   no `Content-Length` (§6.3 items 3 and 4; any other coding is refused, not read until the
 *   close); exactly one `Content-Length` line of digits (§6.3 item 5: duplicates, lists and
 *   anything else are refused, as node:http's parser refuses them); otherwise until the close
 *   (§6.3 item 8), and such a connection is never reused;
 * - chunks `hex[;ext]` CRLF data CRLF, a last chunk, trailer field lines, CRLF (§7.1), with
 *   extensions `;name[=token or quoted-string]` and no whitespace in the chunk-size line.
 *
 * A byte after the end of the answer in the bytes fed is malformed: the peer framed something
 * other than what was asked, so nothing it sent on this connection can be trusted as this
 * exchange's answer.
 */
import { CodedError } from "@oblivious/wire";
import { fieldLine, type Http1Field } from "./fields.js";

export const AnswerErrorCode = { Malformed: "malformed", TooLarge: "too_large" } as const;
export type AnswerErrorCode = (typeof AnswerErrorCode)[keyof typeof AnswerErrorCode];

/** An answer that cannot be read: not HTTP/1.1 as asked (`malformed`), or over the size bound. */
export class AnswerError extends CodedError<AnswerErrorCode> {
  override readonly name = "AnswerError";
  constructor(code: AnswerErrorCode) {
    super(code, `answer: ${code}`);
  }
}

export interface Http1Answer {
  readonly status: number;
  /** Field lines as sent (names in their case, order and duplicates kept). */
  readonly headers: Http1Field[];
  readonly body: Buffer;
  readonly trailers: Http1Field[];
}

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: [\t\x20-\x7e\x80-\xff]*)?$/;
const DIGITS = /^[0-9]{1,15}$/;
/** RFC 9112 §7.1.1: chunk-size *( ";" chunk-ext-name [ "=" chunk-ext-val ] ), no BWS. */
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,12})((?:;[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:=(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[\t\x20\x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t\x20-\x7e\x80-\xff])*"))?)*)$/;
const MAX_CHUNK_LINE = 1024;
const CRLF = Buffer.from("\r\n", "latin1");
const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");
const EMPTY = Buffer.alloc(0);

/** Field lines of a head or a trailer section (without the start line and the final CRLF). */
function parseFieldLines(text: string, into: Http1Field[]): void {
  if (text === "") return;
  for (const line of text.split("\r\n")) {
    const field = fieldLine(line);
    if (field === undefined) throw new AnswerError(AnswerErrorCode.Malformed);
    into.push(field);
  }
}

function named(n: string, name: string): boolean {
  return n.length === name.length && n.toLowerCase() === name;
}

/** The comma-separated tokens of every field line named `name` (lower case), lower case. */
export function fieldTokens(fields: readonly Http1Field[], name: string): string[] {
  const out: string[] = [];
  for (const [n, v] of fields) {
    if (!named(n, name)) continue;
    for (const t of v.split(",")) {
      const token = t.trim().toLowerCase();
      if (token !== "") out.push(token);
    }
  }
  return out;
}

export const Framing = {
  None: 0,
  Length: 1,
  Chunked: 2,
  UntilClose: 3,
} as const;
export type Framing = (typeof Framing)[keyof typeof Framing];

const ChunkState = {
  Size: 0,
  Data: 1,
  DataEnd: 2,
  Trailers: 3,
} as const;
type ChunkState = (typeof ChunkState)[keyof typeof ChunkState];

export interface AnswerLimits {
  /** Most content bytes (declared or counted). */
  readonly maxBodyBytes: number;
  /** Most bytes of the final head, and of all interim heads together. */
  readonly maxHeadBytes: number;
}

/** One exchange's answer being read. */
export class AnswerReader {
  #pending: Buffer = EMPTY;
  #status = 0;
  #minor = 1;
  #headers: Http1Field[] = [];
  readonly #trailers: Http1Field[] = [];
  #framing: Framing | undefined;
  #remaining = 0;
  #chunkState: ChunkState = ChunkState.Size;
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #interimBytes = 0;

  constructor(
    /** The request was HEAD: the answer has no content by rule. */
    readonly head: boolean,
    readonly limits: AnswerLimits,
  ) {}

  /** How the answer's content ends; undefined until its head is read. */
  get framing(): Framing | undefined {
    return this.#framing;
  }

  /** Consumes bytes; true once the answer is complete (and nothing followed it). */
  feed(chunk: Buffer): boolean {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    for (;;) {
      if (this.#framing === undefined) {
        if (!this.#readHead()) return false;
        continue;
      }
      switch (this.#framing) {
        case Framing.None:
          return this.#done();
        case Framing.Length: {
          const take = Math.min(this.#remaining, this.#pending.length);
          this.#content(this.#pending.subarray(0, take));
          this.#pending = this.#pending.subarray(take);
          this.#remaining -= take;
          return this.#remaining === 0 ? this.#done() : false;
        }
        case Framing.UntilClose:
          this.#content(this.#pending);
          this.#pending = EMPTY;
          return false;
        case Framing.Chunked:
          return this.#chunked();
      }
    }
  }

  /** The peer closed its side: true when that completes the answer (close-delimited content). */
  closed(): boolean {
    return this.#framing === Framing.UntilClose;
  }

  answer(): Http1Answer {
    const body = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.#size);
    return { status: this.#status, headers: this.#headers, body, trailers: this.#trailers };
  }

  /**
   * Whether the connection may carry another exchange after this (complete) answer. Never after
   * an answer with no content by rule (to HEAD, 204, 304) nor after an error answer (4xx, 5xx):
   * those are where a faulty target sends what nobody asked for (a body anyway, a second
   * answer), and a
   * target whose TCP stack holds such bytes back (Nagle) releases them only when the next
   * request's segment acknowledges the answer, so they would arrive as that request's answer.
   */
  reusable(): boolean {
    if (this.#framing === Framing.UntilClose || this.head || this.#status === 204 || this.#status === 304 || this.#status >= 400) return false;
    const connection = fieldTokens(this.#headers, "connection");
    return this.#minor === 1 ? !connection.includes("close") : connection.includes("keep-alive");
  }

  /** The peer's `Keep-Alive: timeout` in seconds, if it sent one. */
  keepAliveSeconds(): number | undefined {
    for (const [n, v] of this.#headers) {
      if (!named(n, "keep-alive")) continue;
      const m = /(?:^|,)\s*timeout\s*=\s*(\d{1,6})/i.exec(v);
      if (m !== null) return Number(m[1]);
    }
    return undefined;
  }

  /** Reads one head (interim or final); false when it is not all here yet. */
  #readHead(): boolean {
    const max = this.limits.maxHeadBytes;
    const end = this.#pending.indexOf(CRLFCRLF);
    if (end < 0) {
      if (this.#pending.length > max + 3) throw new AnswerError(AnswerErrorCode.Malformed);
      return false;
    }
    if (end + 4 > max) throw new AnswerError(AnswerErrorCode.Malformed);
    const head = this.#pending.toString("latin1", 0, end);
    this.#pending = this.#pending.subarray(end + 4);
    const lineEnd = head.indexOf("\r\n");
    const match = STATUS_LINE.exec(lineEnd < 0 ? head : head.slice(0, lineEnd));
    if (match === null) throw new AnswerError(AnswerErrorCode.Malformed);
    const status = Number(match[2]);
    const fields: Http1Field[] = [];
    parseFieldLines(lineEnd < 0 ? "" : head.slice(lineEnd + 2), fields);
    if (status < 200) {
      if (status === 101) throw new AnswerError(AnswerErrorCode.Malformed);
      this.#interimBytes += end + 4;
      if (this.#interimBytes > max) throw new AnswerError(AnswerErrorCode.Malformed);
      return true; // interim (RFC 9110 §15.2): read and dropped
    }
    this.#status = status;
    this.#minor = Number(match[1]);
    this.#headers = fields;
    this.#framing = this.#frame(fields);
    if (this.#framing === Framing.Length && this.#remaining > this.limits.maxBodyBytes) throw new AnswerError(AnswerErrorCode.TooLarge);
    return true;
  }

  #content(bytes: Buffer): void {
    this.#size += bytes.length;
    if (this.#size > this.limits.maxBodyBytes) throw new AnswerError(AnswerErrorCode.TooLarge);
    if (bytes.length > 0) this.#chunks.push(bytes);
  }

  #done(): boolean {
    if (this.#pending.length > 0) throw new AnswerError(AnswerErrorCode.Malformed);
    return true;
  }

  /** RFC 9112 §6.3. */
  #frame(fields: readonly Http1Field[]): Framing {
    let coding: string | undefined;
    let codings = 0;
    let length: string | undefined;
    let lengths = 0;
    for (const [n, v] of fields) {
      if (named(n, "content-length")) {
        lengths++;
        length = v;
      } else if (named(n, "transfer-encoding")) {
        codings++;
        coding = v;
      }
    }
    // The framing fields must be well formed even where the rule says there is no content: an
    // answer whose fields cannot be framed is refused, whatever it is an answer to.
    if (codings > 0 && (codings !== 1 || lengths > 0 || coding === undefined || coding.toLowerCase() !== "chunked")) throw new AnswerError(AnswerErrorCode.Malformed);
    if (lengths > 0 && (lengths !== 1 || length === undefined || !DIGITS.test(length))) throw new AnswerError(AnswerErrorCode.Malformed);
    if (this.head || this.#status === 204 || this.#status === 304) return Framing.None;
    if (codings > 0) return Framing.Chunked;
    if (length !== undefined) {
      this.#remaining = Number(length);
      return this.#remaining === 0 ? Framing.None : Framing.Length;
    }
    return Framing.UntilClose;
  }

  /** RFC 9112 §7.1: chunk-size [ext] CRLF data CRLF ... 0 CRLF trailers CRLF. */
  #chunked(): boolean {
    for (;;) {
      if (this.#chunkState === ChunkState.Data) {
        const take = Math.min(this.#remaining, this.#pending.length);
        this.#content(this.#pending.subarray(0, take));
        this.#pending = this.#pending.subarray(take);
        this.#remaining -= take;
        if (this.#remaining > 0) return false;
        this.#chunkState = ChunkState.DataEnd;
      }
      if (this.#chunkState === ChunkState.DataEnd) {
        if (this.#pending.length < 2) {
          if (this.#pending.length === 1 && this.#pending[0] !== 0x0d) throw new AnswerError(AnswerErrorCode.Malformed);
          return false;
        }
        if (this.#pending[0] !== 0x0d || this.#pending[1] !== 0x0a) throw new AnswerError(AnswerErrorCode.Malformed);
        this.#pending = this.#pending.subarray(2);
        this.#chunkState = ChunkState.Size;
      }
      if (this.#chunkState === ChunkState.Size) {
        const end = this.#pending.indexOf(CRLF);
        if (end < 0) {
          if (this.#pending.length > MAX_CHUNK_LINE) throw new AnswerError(AnswerErrorCode.Malformed);
          return false;
        }
        const match = CHUNK_SIZE.exec(this.#pending.toString("latin1", 0, end));
        if (match === null) throw new AnswerError(AnswerErrorCode.Malformed);
        this.#pending = this.#pending.subarray(end + 2);
        this.#remaining = parseInt(match[1] as string, 16);
        if (this.#size + this.#remaining > this.limits.maxBodyBytes) throw new AnswerError(AnswerErrorCode.TooLarge);
        this.#chunkState = this.#remaining === 0 ? ChunkState.Trailers : ChunkState.Data;
        continue;
      }
      // Trailers: field lines up to an empty line, within the head's bound.
      if (this.#pending.length >= 2 && this.#pending[0] === 0x0d && this.#pending[1] === 0x0a) {
        this.#pending = this.#pending.subarray(2);
        return this.#done();
      }
      const end = this.#pending.indexOf(CRLFCRLF);
      if (end < 0) {
        if (this.#pending.length > this.limits.maxHeadBytes) throw new AnswerError(AnswerErrorCode.Malformed);
        return false;
      }
      if (end + 4 > this.limits.maxHeadBytes) throw new AnswerError(AnswerErrorCode.Malformed);
      parseFieldLines(this.#pending.toString("latin1", 0, end), this.#trailers);
      // Framing fields are never trailers (RFC 9110 §6.5.1); node:http's parser refuses them too.
      if (this.#trailers.some(([n]) => named(n, "content-length") || named(n, "transfer-encoding"))) throw new AnswerError(AnswerErrorCode.Malformed);
      this.#pending = this.#pending.subarray(end + 4);
      return this.#done();
    }
  }
}
