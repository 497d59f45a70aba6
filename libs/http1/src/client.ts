/**
 * A strict HTTP/1.1 client (RFC 9112) for one origin: keep-alive connections, one exchange at a
 * time on each, never pipelined. The gateway uses one per target, the relay one for its gateway.
 * Why its own and not undici or node:http's client: docs/decisions/0002-http1-stack.md.
 *
 * What it reads, and how an answer is framed: client-answer.ts (anything else fails the exchange
 * as `malformed` and closes the connection; content over `maxResponseBytes` fails as `too_large`).
 *
 * What it sends: the request line, `host` (the origin's), the caller's fields, and
 * `content-length` for content or a method that defines it. Nothing else: no `connection`, no
 * `user-agent`, no `via`.
 *
 * Invariants (docs/decisions/0026-http1-client-reuse.md):
 * - One answer per request: an exchange's answer is read from the bytes that arrive after its
 *   request is written, on a connection carrying nothing else; a byte after the end of the answer
 *   fails the exchange (client-answer.ts).
 * - A connection is reused only when nothing arrived unasked: any byte (or the peer's FIN) that
 *   arrives while no exchange is in progress closes the connection at once and fails nothing. A
 *   released connection waits until a whole poll of the event loop has run since its answer
 *   ended (client-turn.ts), and requests are written in the check phase, right after a poll has
 *   delivered every byte that was ready: no request is written on a connection whose bytes were
 *   ready at the last poll. Bytes a peer sends before it reads a request and that reach this host
 *   after the request is written are the one thing HTTP/1.1 cannot tell from the answer.
 * - No connection is reused after an answer to HEAD, a 204, a 304 or an error answer
 *   (client-answer.ts), nor, for a while, to an origin that sent something unasked (#distrust).
 * - A connection is reused when the answer allows it (HTTP/1.1 without `Connection: close`, or
 *   HTTP/1.0 with `keep-alive`, and not framed by the close), most recently used first, and is
 *   closed after it has been idle for one second less than the peer's `Keep-Alive: timeout` (4 s
 *   without one). Nothing is retried: a request that fails on a reused connection fails once.
 */
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { FIELD_VALUE, TOKEN } from "./fields.js";
import { AnswerError, AnswerErrorCode, AnswerReader, type Http1Answer } from "./client-answer.js";
import { atNextCheck, currentTurn } from "./client-turn.js";

export type { Http1Answer } from "./client-answer.js";

export interface Http1Request {
  readonly method: string;
  /** Origin-form path with its query (visible ASCII only). */
  readonly path: string;
  /** Field lines as a flat `[name, value, ...]` list; never `host` or `content-length`, which the client writes. */
  readonly headers: readonly string[];
  readonly body: Uint8Array;
}

export const ExchangeFailure = {
  /** The connection failed: refused, reset, closed before the whole answer, a TLS or DNS failure. */
  Error: "error",
  /** The answer is not HTTP/1.1 as read here (client-answer.ts), or bytes followed it. */
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
  /** Most content bytes in one answer. */
  readonly maxResponseBytes: number;
  /** Most bytes in one answer's head, in its interim heads together, in its trailers; default 16 KiB. */
  readonly maxHeadBytes?: number;
}

/** node:http's default `maxHeaderSize`. */
export const DEFAULT_MAX_HEAD_BYTES = 16 * 1024;
const DEFAULT_IDLE_MS = 4000;
/** Methods whose meaning defines content: they carry `Content-Length: 0` when they have none (RFC 9110 §8.6). */
const CONTENT_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH"]);
/** Where every plain-TCP connection of every client reads (see #connect); one read at a time in one thread. */
const READ_BUFFER = Buffer.alloc(64 * 1024);
/** How long an origin that sent something unasked gets one exchange per connection. */
const DISTRUST_MS = 60_000;
/** Turns a released connection waits: until a poll that began after its release has run. */
const QUIET_TURNS = 2;

type Callback = (result: ExchangeResult) => void;

class Connection {
  /** The exchange in progress; undefined while the connection is idle. */
  reader: AnswerReader | undefined;
  callback: Callback | undefined;
  closed = false;
  /** The turn its last answer ended in. */
  releasedAt = 0;

  constructor(
    readonly socket: Socket,
    readonly tls: boolean,
  ) {}
}

interface Waiting {
  readonly bytes: Buffer;
  readonly head: boolean;
  readonly callback: Callback;
  connection: Connection | undefined;
}

export class Http1Client {
  readonly #base: URL;
  readonly #options: Http1ClientOptions;
  readonly #limits: { readonly maxBodyBytes: number; readonly maxHeadBytes: number };
  readonly #hostField: string;
  /** Released connections not yet through a whole poll. */
  readonly #quieting: Connection[] = [];
  /** Connections through a whole poll with nothing unasked; most recently used last. */
  readonly #idle: Connection[] = [];
  readonly #queue: Waiting[] = [];
  readonly #tick = (): void => this.#dispatch();
  #open = 0;
  #closed = false;
  /** Until when (ms since the epoch) no connection of this origin is reused: it sent something unasked. */
  #distrustUntil = 0;

  constructor(base: URL, options: Http1ClientOptions) {
    this.#base = base;
    this.#options = options;
    this.#limits = { maxBodyBytes: options.maxResponseBytes, maxHeadBytes: options.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES };
    this.#hostField = base.host;
  }

  /**
   * Sends one request and calls back once with the whole answer or a failure. The request is
   * written in the next check phase of the event loop (see the invariants above).
   */
  request(request: Http1Request, callback: Callback): Exchange {
    const bytes = this.#serialize(request);
    const waiting: Waiting = { bytes: bytes ?? Buffer.alloc(0), head: request.method === "HEAD", callback, connection: undefined };
    let aborted = false;
    const exchange: Exchange = {
      abort: () => {
        if (aborted) return;
        aborted = true;
        const c = waiting.connection;
        if (c !== undefined) {
          // Only while this exchange is the connection's: once answered, the connection may
          // already carry another one.
          if (c.callback !== waiting.callback) return;
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
    this.#queue.push(waiting);
    atNextCheck(this.#tick);
    return exchange;
  }

  /** Closes idle connections now and every other one as its exchange ends. */
  close(): void {
    this.#closed = true;
    for (const c of [...this.#idle, ...this.#quieting]) this.#discard(c);
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

  /**
   * In a check phase: connections quiet since a whole poll become idle, and waiting requests are
   * written on idle connections (most recently used first) or new ones.
   */
  #dispatch(): void {
    const turn = currentTurn();
    let quieting = 0;
    for (const c of this.#quieting) {
      if (c.closed) continue;
      if (turn - c.releasedAt >= QUIET_TURNS) this.#idle.push(c);
      else this.#quieting[quieting++] = c;
    }
    this.#quieting.length = quieting;
    // Requests beyond the idle connections wait for the quieting ones (a turn away) before any
    // new connection is opened for them.
    while (this.#queue.length > quieting && !this.#closed) {
      const idle = this.#idle.pop();
      if (idle !== undefined) this.#start(idle, this.#queue.shift() as Waiting);
      else if (this.#open < this.#options.connections) this.#start(this.#connect(), this.#queue.shift() as Waiting);
      else break;
    }
    while (this.#queue.length > 0 && this.#idle.length > 0 && !this.#closed) this.#start(this.#idle.pop() as Connection, this.#queue.shift() as Waiting);
    if (quieting > 0) atNextCheck(this.#tick);
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
    const c = new Connection(socket, this.#base.protocol === "https:");
    if (this.#base.protocol === "https:") socket.on("data", onData);
    socket.on("end", () => this.#ended(c));
    socket.on("error", () => this.#fail(c, ExchangeFailure.Error));
    socket.on("close", () => this.#fail(c, ExchangeFailure.Error));
    socket.on("timeout", () => this.#discard(c));
    return c;
  }

  #start(c: Connection, w: Waiting): void {
    w.connection = c;
    c.reader = new AnswerReader(w.head, this.#limits);
    c.callback = w.callback;
    c.socket.setTimeout(0);
    c.socket.write(w.bytes);
  }

  #data(c: Connection, chunk: Buffer): void {
    const reader = c.reader;
    if (reader === undefined) {
      // Bytes nobody asked for: the connection cannot be trusted with another exchange, nor, for
      // a while, any connection to this origin.
      this.#distrust();
      this.#discard(c);
      return;
    }
    let complete: boolean;
    try {
      complete = reader.feed(chunk);
    } catch (e) {
      const code = e instanceof AnswerError ? e.code : undefined;
      if (code === AnswerErrorCode.Malformed) this.#distrust();
      this.#fail(c, code === AnswerErrorCode.TooLarge ? ExchangeFailure.TooLarge : code === AnswerErrorCode.Malformed ? ExchangeFailure.Malformed : ExchangeFailure.Error);
      return;
    }
    if (complete) this.#finish(c, reader, reader.reusable());
  }

  /** The peer closed its side: the end of a close-delimited answer, or a failure. */
  #ended(c: Connection): void {
    const reader = c.reader;
    if (reader !== undefined && reader.closed()) this.#finish(c, reader, false);
    else this.#fail(c, ExchangeFailure.Error);
  }

  #finish(c: Connection, reader: AnswerReader, reusable: boolean): void {
    const callback = c.callback;
    c.reader = undefined;
    c.callback = undefined;
    if (reusable && !this.#closed && (this.#distrustUntil === 0 || Date.now() >= this.#distrustUntil)) this.#release(c, reader.keepAliveSeconds());
    else this.#discard(c);
    callback?.({ ok: true, answer: reader.answer() });
  }

  #fail(c: Connection, failure: ExchangeFailure): void {
    const callback = c.callback;
    c.reader = undefined;
    c.callback = undefined;
    this.#discard(c);
    callback?.({ ok: false, failure });
  }

  /**
   * After bytes nobody asked for or a malformed answer, no connection to this origin is reused
   * for DISTRUST_MS: a faulty target may hold stray bytes back until the next request's segment
   * acknowledges its answer, which no client can tell from that request's answer; one exchange
   * per connection cannot carry them to another request.
   */
  #distrust(): void {
    this.#distrustUntil = Date.now() + DISTRUST_MS;
    for (const c of [...this.#idle, ...this.#quieting]) this.#discard(c);
  }

  /** Keeps a connection whose answer ended; it carries nothing until it has been quiet for a whole poll. */
  #release(c: Connection, keepAliveSeconds: number | undefined): void {
    // A second less than the peer's own timeout, so that no request goes on a connection it is closing.
    const idleMs = keepAliveSeconds === undefined ? DEFAULT_IDLE_MS : Math.min(DEFAULT_IDLE_MS, keepAliveSeconds * 1000 - 1000);
    if (idleMs <= 0) {
      this.#discard(c);
      return;
    }
    c.socket.setTimeout(idleMs);
    c.releasedAt = currentTurn();
    this.#quieting.push(c);
    atNextCheck(this.#tick);
  }

  /** Closes a connection for good; a waiting request gets another one in the next check phase. */
  #discard(c: Connection): void {
    if (c.closed) return;
    c.closed = true;
    this.#open--;
    const i = this.#idle.indexOf(c);
    if (i >= 0) this.#idle.splice(i, 1);
    const q = this.#quieting.indexOf(c);
    if (q >= 0) this.#quieting.splice(q, 1);
    // A plain TCP connection is reset, not closed: whatever the peer still sends is dropped, and
    // this side keeps no TIME_WAIT, so closing a connection per exchange (above) cannot exhaust
    // the local ports. TLS sockets have no reset in Node.
    if (c.tls || c.socket.destroyed) c.socket.destroy();
    else c.socket.resetAndDestroy();
    if (this.#queue.length > 0 && !this.#closed) atNextCheck(this.#tick);
  }
}
