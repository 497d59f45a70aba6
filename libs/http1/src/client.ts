/**
 * A strict HTTP/1.1 client (RFC 9112) for one origin: keep-alive connections, one exchange at a
 * time on each. The gateway uses one per target, the relay one for its gateway.
 *
 * Why not undici or node:http's client: both services only ever send a complete request (its
 * content is in hand) and read a complete answer under a size cap and a deadline, so the client
 * they need is small, and the general ones cost more than the work around them on this machine.
 * On the benchmark's one core a minimal gateway forwarding through undici ran at about 4,400
 * requests per CPU-second, and the same gateway with this client at about 5,400 (undici's
 * dispatcher, request objects and wasm parser cost about 40 µs a request, almost half the HPKE
 * work). In the relay, `http.request` with its Agent, request and response objects and streams
 * went with node:http's server (see http1-front.ts for what the two together cost).
 *
 * What it reads, strictly (anything else fails the exchange as `malformed`, and the connection is
 * closed):
 * - a status line `HTTP/1.x NNN [reason]`, field lines `name: value` (a token name, no space
 *   before the colon, no obs-fold, no control byte in the value), a head of at most 64 KiB;
 * - interim 1xx answers are read and dropped (never passed on), 101 is an error;
 * - the content by RFC 9112 §6.3: none for HEAD, 204 and 304; `Transfer-Encoding: chunked` alone
 *   (with trailers); one `Content-Length` (repeated only with the same value); otherwise until the
 *   connection closes. Any other transfer coding, or both framings at once, is an error.
 * - bytes after a complete answer are an error (a peer cannot answer what was not asked).
 *
 * What it sends: the request line, `host` (the origin's), the caller's fields, and
 * `content-length` for content or a method that defines it. Nothing else: no `connection`, no
 * `user-agent`, no `via`.
 *
 * A connection is reused when the answer allows it (HTTP/1.1 without `Connection: close`, or
 * HTTP/1.0 with `keep-alive`, and not framed by the close), most recently used first, and closed
 * after it has been idle for one second less than the peer's `Keep-Alive: timeout` (4 s without
 * one), so that no request is sent on a connection the peer is closing. Nothing is retried: a
 * request that fails on a reused connection fails once.
 */
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { FIELD_VALUE, TOKEN, fieldLine, type Http1Field } from "./fields.js";

export interface Http1Request {
  readonly method: string;
  /** Origin-form path with its query (visible ASCII only). */
  readonly path: string;
  /** Field lines as a flat `[name, value, ...]` list; never `host` or `content-length`, which the client writes. */
  readonly headers: readonly string[];
  readonly body: Uint8Array;
}

export interface Http1Answer {
  readonly status: number;
  /** Field lines as sent (names in their case, order and duplicates kept). */
  readonly headers: Http1Field[];
  readonly body: Buffer;
  readonly trailers: Http1Field[];
}

export const ExchangeFailure = {
  /** The connection failed: refused, reset, closed before the whole answer, a TLS or DNS failure. */
  Error: "error",
  /** The answer is not HTTP/1.1 as read here (see above). */
  Malformed: "malformed",
  /** The answer's content is over `maxResponseBytes`. */
  TooLarge: "too_large",
  /** The request cannot be written as HTTP/1.1 (a method, name or value it cannot carry). */
  Invalid: "invalid",
} as const;
export type ExchangeFailure = (typeof ExchangeFailure)[keyof typeof ExchangeFailure];

export type ExchangeResult = { readonly ok: true; readonly answer: Http1Answer } | { readonly ok: false; readonly failure: ExchangeFailure };

export interface Exchange {
  /** Gives up on the exchange (a deadline passed): its connection is closed, the callback never runs. */
  abort(): void;
}

export interface Http1ClientOptions {
  /** Most connections open at once; further requests wait for one. */
  readonly connections: number;
  readonly maxResponseBytes: number;
}

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: [\t\x20-\x7e\x80-\xff]*)?$/;
const DIGITS = /^[0-9]{1,15}$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,12})(?:[ \t]*;[\t\x20-\x7e\x80-\xff]*)?$/;
const MAX_HEAD_BYTES = 64 * 1024;
const DEFAULT_IDLE_MS = 4000;
/** Methods whose meaning defines content: they carry `Content-Length: 0` when they have none (RFC 9110 §8.6). */
const CONTENT_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH"]);
const CRLF = Buffer.from("\r\n", "latin1");
const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");
/** Where every plain-TCP connection of every client reads (see #connect); one read at a time in one thread. */
const READ_BUFFER = Buffer.alloc(64 * 1024);

class Malformed extends Error {
  override readonly name = "Malformed";
}
class TooLarge extends Error {
  override readonly name = "TooLarge";
}

/** Field lines of a head or a trailer section (without the start line and the final CRLF). */
function parseFieldLines(text: string, into: Http1Field[]): void {
  if (text === "") return;
  for (const line of text.split("\r\n")) {
    const field = fieldLine(line);
    if (field === undefined) throw new Malformed();
    into.push(field);
  }
}

/** The comma-separated tokens of every field line named `name`, lower case. */
function tokens(fields: readonly Http1Field[], name: string): string[] {
  const out: string[] = [];
  for (const [n, v] of fields) {
    if (n.length !== name.length || n.toLowerCase() !== name) continue;
    for (const t of v.split(",")) {
      const token = t.trim().toLowerCase();
      if (token !== "") out.push(token);
    }
  }
  return out;
}

const Framing = {
  None: 0,
  Length: 1,
  Chunked: 2,
  UntilClose: 3,
} as const;
type Framing = (typeof Framing)[keyof typeof Framing];

const ChunkState = {
  Size: 0,
  Data: 1,
  DataEnd: 2,
  Trailers: 3,
} as const;
type ChunkState = (typeof ChunkState)[keyof typeof ChunkState];

/** One exchange in progress on a connection: the response parser. */
class Reading {
  pending: Buffer = Buffer.alloc(0);
  status = 0;
  minor = 1;
  headers: Http1Field[] = [];
  trailers: Http1Field[] = [];
  framing: Framing | undefined;
  remaining = 0;
  chunkState: ChunkState = ChunkState.Size;
  readonly chunks: Buffer[] = [];
  size = 0;

  constructor(
    readonly head: boolean,
    readonly max: number,
  ) {}

  #content(bytes: Buffer): void {
    this.size += bytes.length;
    if (this.size > this.max) throw new TooLarge();
    if (bytes.length > 0) this.chunks.push(bytes);
  }

  /** Consumes bytes; true once the answer is complete (everything after it must be nothing). */
  feed(chunk: Buffer): boolean {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.framing === undefined) {
        const end = this.pending.indexOf(CRLFCRLF);
        if (end < 0) {
          if (this.pending.length > MAX_HEAD_BYTES) throw new Malformed();
          return false;
        }
        if (end > MAX_HEAD_BYTES) throw new Malformed();
        const head = this.pending.toString("latin1", 0, end);
        this.pending = this.pending.subarray(end + 4);
        const lineEnd = head.indexOf("\r\n");
        const match = STATUS_LINE.exec(lineEnd < 0 ? head : head.slice(0, lineEnd));
        if (match === null) throw new Malformed();
        const status = Number(match[2]);
        const fields: Http1Field[] = [];
        parseFieldLines(lineEnd < 0 ? "" : head.slice(lineEnd + 2), fields);
        if (status < 200) {
          if (status === 101) throw new Malformed();
          continue; // interim: read and dropped
        }
        this.status = status;
        this.minor = Number(match[1]);
        this.headers = fields;
        this.framing = this.#framing(fields);
        if (this.framing === Framing.Length && this.remaining > this.max) throw new TooLarge();
      }
      switch (this.framing) {
        case Framing.None:
          return this.#done();
        case Framing.Length: {
          const take = Math.min(this.remaining, this.pending.length);
          this.#content(this.pending.subarray(0, take));
          this.pending = this.pending.subarray(take);
          this.remaining -= take;
          return this.remaining === 0 ? this.#done() : false;
        }
        case Framing.UntilClose:
          this.#content(this.pending);
          this.pending = Buffer.alloc(0);
          return false;
        case Framing.Chunked:
          return this.#chunked();
      }
    }
  }

  #done(): boolean {
    if (this.pending.length > 0) throw new Malformed();
    return true;
  }

  #framing(fields: readonly Http1Field[]): Framing {
    if (this.head || this.status === 204 || this.status === 304) return Framing.None;
    const codings = tokens(fields, "transfer-encoding");
    const lengths = fields.filter(([n]) => n.length === 14 && n.toLowerCase() === "content-length");
    if (codings.length > 0) {
      if (codings.length !== 1 || codings[0] !== "chunked" || lengths.length > 0) throw new Malformed();
      return Framing.Chunked;
    }
    const single = lengths.length === 1 ? (lengths[0] as Http1Field)[1] : undefined;
    if (single !== undefined && DIGITS.test(single)) {
      // The usual answer: one Content-Length of plain digits.
      this.remaining = Number(single);
      return Framing.Length;
    }
    if (lengths.length > 0) {
      const values = new Set(lengths.flatMap(([, v]) => v.split(",").map((x) => x.trim())));
      const [only] = values;
      if (values.size !== 1 || only === undefined || !DIGITS.test(only)) throw new Malformed();
      this.remaining = Number(only);
      return Framing.Length;
    }
    return Framing.UntilClose;
  }

  /** RFC 9112 §7.1: chunk-size [ext] CRLF data CRLF ... 0 CRLF trailers CRLF. */
  #chunked(): boolean {
    for (;;) {
      if (this.chunkState === ChunkState.Data) {
        const take = Math.min(this.remaining, this.pending.length);
        this.#content(this.pending.subarray(0, take));
        this.pending = this.pending.subarray(take);
        this.remaining -= take;
        if (this.remaining > 0) return false;
        this.chunkState = ChunkState.DataEnd;
      }
      if (this.chunkState === ChunkState.DataEnd) {
        if (this.pending.length < 2) return false;
        if (this.pending[0] !== 0x0d || this.pending[1] !== 0x0a) throw new Malformed();
        this.pending = this.pending.subarray(2);
        this.chunkState = ChunkState.Size;
      }
      if (this.chunkState === ChunkState.Size) {
        const end = this.pending.indexOf(CRLF);
        if (end < 0) {
          if (this.pending.length > 1024) throw new Malformed();
          return false;
        }
        const match = CHUNK_SIZE.exec(this.pending.toString("latin1", 0, end));
        if (match === null) throw new Malformed();
        this.pending = this.pending.subarray(end + 2);
        this.remaining = parseInt(match[1] as string, 16);
        if (this.size + this.remaining > this.max) throw new TooLarge();
        this.chunkState = this.remaining === 0 ? ChunkState.Trailers : ChunkState.Data;
        continue;
      }
      // Trailers: field lines up to an empty line.
      if (this.pending.length >= 2 && this.pending[0] === 0x0d && this.pending[1] === 0x0a) {
        this.pending = this.pending.subarray(2);
        return this.#done();
      }
      const end = this.pending.indexOf(CRLFCRLF);
      if (end < 0) {
        if (this.pending.length > MAX_HEAD_BYTES) throw new Malformed();
        return false;
      }
      parseFieldLines(this.pending.toString("latin1", 0, end), this.trailers);
      this.pending = this.pending.subarray(end + 4);
      return this.#done();
    }
  }

  answer(): Http1Answer {
    const body = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.size);
    return { status: this.status, headers: this.headers, body, trailers: this.trailers };
  }

  /** Whether the connection may carry another exchange after this answer. */
  reusable(): boolean {
    if (this.framing === Framing.UntilClose) return false;
    const connection = tokens(this.headers, "connection");
    return this.minor === 1 ? !connection.includes("close") : connection.includes("keep-alive");
  }

  /** How long the connection may stay idle: a second less than the peer's own timeout. */
  idleMs(): number {
    for (const [n, v] of this.headers) {
      if (n.length !== 10 || n.toLowerCase() !== "keep-alive") continue;
      const m = /(?:^|,)\s*timeout\s*=\s*(\d+)/i.exec(v);
      if (m !== null) return Math.min(DEFAULT_IDLE_MS, Math.max(0, Number(m[1]) * 1000 - 1000));
    }
    return DEFAULT_IDLE_MS;
  }
}

type Callback = (result: ExchangeResult) => void;

class Connection {
  reading: Reading | undefined;
  callback: Callback | undefined;
  closed = false;

  constructor(readonly socket: Socket) {}
}

interface Waiting {
  readonly bytes: Buffer;
  readonly head: boolean;
  readonly callback: Callback;
  aborted: boolean;
  connection: Connection | undefined;
}

export class Http1Client {
  readonly #base: URL;
  readonly #options: Http1ClientOptions;
  readonly #hostField: string;
  readonly #idle: Connection[] = [];
  readonly #queue: Waiting[] = [];
  #open = 0;
  #closed = false;

  constructor(base: URL, options: Http1ClientOptions) {
    this.#base = base;
    this.#options = options;
    this.#hostField = base.host;
  }

  /**
   * Sends one request and calls back once with the whole answer or a failure. The answer's
   * content is capped at `maxResponseBytes`.
   */
  request(request: Http1Request, callback: Callback): Exchange {
    const bytes = this.#serialize(request);
    const waiting: Waiting = { bytes: bytes ?? Buffer.alloc(0), head: request.method === "HEAD", callback, aborted: false, connection: undefined };
    const exchange: Exchange = {
      abort: () => {
        if (waiting.aborted) return;
        waiting.aborted = true;
        const c = waiting.connection;
        if (c !== undefined) {
          c.callback = undefined;
          this.#discard(c);
        } else {
          const i = this.#queue.indexOf(waiting);
          if (i >= 0) this.#queue.splice(i, 1);
        }
      },
    };
    if (bytes === undefined) {
      queueMicrotask(() => callback({ ok: false, failure: ExchangeFailure.Invalid }));
      return exchange;
    }
    if (this.#closed) {
      queueMicrotask(() => callback({ ok: false, failure: ExchangeFailure.Error }));
      return exchange;
    }
    const idle = this.#idle.pop();
    if (idle !== undefined) this.#start(idle, waiting);
    else if (this.#open < this.#options.connections) this.#start(this.#connect(), waiting);
    else this.#queue.push(waiting);
    return exchange;
  }

  /** Closes idle connections now and every other one as its exchange ends. */
  close(): void {
    this.#closed = true;
    for (const c of this.#idle.splice(0)) this.#discard(c);
    for (const w of this.#queue.splice(0)) queueMicrotask(() => w.callback({ ok: false, failure: ExchangeFailure.Error }));
  }

  /** Open connections (busy and idle). */
  get connections(): number {
    return this.#open;
  }

  #serialize(request: Http1Request): Buffer | undefined {
    const { method, path, headers, body } = request;
    if (!TOKEN.test(method) || !/^\/[\x21-\x7e]*$/.test(path)) return undefined;
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.#hostField}\r\n`;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = headers[i] as string;
      const value = headers[i + 1] as string;
      if (!TOKEN.test(name) || !FIELD_VALUE.test(value)) return undefined;
      head += `${name}: ${value}\r\n`;
    }
    if (body.length > 0 || CONTENT_METHODS.has(method)) head += `content-length: ${body.length}\r\n`;
    head += "\r\n";
    const headBytes = Buffer.from(head, "latin1");
    return body.length === 0 ? headBytes : Buffer.concat([headBytes, body], headBytes.length + body.length);
  }

  #connect(): Connection {
    this.#open++;
    const port = Number(this.#base.port || (this.#base.protocol === "https:" ? 443 : 80));
    const host = this.#base.hostname.replace(/^\[|\]$/g, "");
    const onData = (chunk: Buffer): void => this.#data(c, chunk);
    const socket =
      this.#base.protocol === "https:"
        ? tlsConnect({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}), ALPNProtocols: ["http/1.1"] })
        : // Plain TCP reads into one shared buffer and what is read is copied out at once: no
          // stream machinery and no fresh 64 KiB allocation per read (Node's `onread` option).
          netConnect({ host, port, onread: { buffer: READ_BUFFER, callback: (n, read) => (onData(Buffer.from(read.subarray(0, n))), true) } });
    socket.setNoDelay(true);
    const c = new Connection(socket);
    if (this.#base.protocol === "https:") socket.on("data", onData);
    socket.on("end", () => this.#ended(c));
    socket.on("error", () => this.#fail(c, ExchangeFailure.Error));
    socket.on("close", () => this.#fail(c, ExchangeFailure.Error));
    socket.on("timeout", () => this.#discard(c));
    return c;
  }

  #start(c: Connection, w: Waiting): void {
    w.connection = c;
    c.reading = new Reading(w.head, this.#options.maxResponseBytes);
    c.callback = w.callback;
    c.socket.setTimeout(0);
    c.socket.write(w.bytes);
  }

  #data(c: Connection, chunk: Buffer): void {
    const reading = c.reading;
    if (reading === undefined) {
      // Bytes nobody asked for: the connection cannot be trusted with another exchange.
      this.#discard(c);
      return;
    }
    let complete: boolean;
    try {
      complete = reading.feed(chunk);
    } catch (e) {
      this.#fail(c, e instanceof TooLarge ? ExchangeFailure.TooLarge : ExchangeFailure.Malformed);
      return;
    }
    if (complete) this.#finish(c, reading, reading.reusable());
  }

  /** The peer closed its side: the end of a close-framed answer, or a failure. */
  #ended(c: Connection): void {
    const reading = c.reading;
    if (reading !== undefined && reading.framing === Framing.UntilClose) this.#finish(c, reading, false);
    else this.#fail(c, ExchangeFailure.Error);
  }

  #finish(c: Connection, reading: Reading, reusable: boolean): void {
    const callback = c.callback;
    c.reading = undefined;
    c.callback = undefined;
    if (reusable && !this.#closed) this.#release(c, reading.idleMs());
    else this.#discard(c);
    callback?.({ ok: true, answer: reading.answer() });
  }

  #fail(c: Connection, failure: ExchangeFailure): void {
    const callback = c.callback;
    c.reading = undefined;
    c.callback = undefined;
    this.#discard(c);
    callback?.({ ok: false, failure });
  }

  #release(c: Connection, idleMs: number): void {
    const next = this.#queue.shift();
    if (next !== undefined) {
      this.#start(c, next);
      return;
    }
    if (idleMs <= 0) {
      this.#discard(c);
      return;
    }
    c.socket.setTimeout(idleMs);
    this.#idle.push(c);
  }

  /** Closes a connection for good; a waiting request gets a fresh one. */
  #discard(c: Connection): void {
    if (c.closed) return;
    c.closed = true;
    this.#open--;
    const i = this.#idle.indexOf(c);
    if (i >= 0) this.#idle.splice(i, 1);
    c.socket.destroy();
    const next = this.#closed ? undefined : this.#queue.shift();
    if (next !== undefined) this.#start(this.#connect(), next);
  }
}
