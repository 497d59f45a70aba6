/**
 * A public listener for a service's hot path: a node:net server that answers the one request
 * shape of that path itself, and hands every other connection to node:http. Why the hot path is
 * not on node:http's objects and streams, with the measurements: docs/decisions/0002-http1-stack.md.
 *
 * What it answers itself, and nothing else (front-head.ts): an HTTP/1.1 request whose request line
 * is exactly `POST <path> HTTP/1.1` for one of the configured paths (no query), whose field lines
 * are all well-formed (a token, a colon, a value of visible ASCII, spaces and tabs), with exactly
 * one `Host`, exactly one `Content-Length` of plain digits within the body limit, at most one
 * `Content-Type`, no `Transfer-Encoding`, no `Expect`, no `Upgrade`, no `Connection` other than
 * `keep-alive` or `close`, and a head of at most 8 KiB. The body is then exactly Content-Length
 * bytes: the one framing rule that applies (RFC 9112 §6.3), so this parser and node:http's can
 * never disagree on where a message ends (differential-front.test.ts checks it).
 *
 * Anything else is not judged here: at that request's first byte, or as soon as a head still
 * arriving can no longer be one judged here (mayBeJudged), the connection with every byte not yet
 * consumed goes to a node:http server (`server.emit("connection")`), which applies its full rules
 * and the service's node:http listener for the rest of the connection's life.
 *
 * Invariants (README "Http1Front"; bounds chosen in docs/decisions/0025-http1-front-bounds.md):
 * - One answer per request, in order. A request is parsed only once the answer before it has been
 *   written: no request is parsed ahead of an unanswered one.
 * - Never read ahead of unsent answers beyond a bound: while a request is answered, and while the
 *   socket's unsent output is over its high-water mark (16 KiB) after an answer, nothing is read
 *   or parsed; bytes already read go back to the socket's buffer, which stops reading at its own
 *   high-water mark (16 KiB), and the kernel's window holds the rest. Reading resumes on 'drain'.
 * - A connection holds at most one request's head and body plus the socket's read buffer of
 *   input, and the write buffer's high-water mark plus one answer of output; all of it is
 *   dropped when it closes, and a connection that neither takes its answers nor closes is cut.
 * - Deadlines as node:http's (`headersTimeoutMs` from a head's first byte, `requestTimeoutMs` for a
 *   whole request, 408 and close; `keepAliveTimeoutMs` idle), plus `bodyTimeoutMs` from the end of
 *   the head if the service wants one, and `sendTimeoutMs` (`requestTimeoutMs` by default) for the
 *   output of a connection that waits for 'drain' or is closing: past it, the connection is cut.
 *
 * The handler gets the path, the content type, the body, the peer's address and the values of
 * the fields it asked for by name; no other field of the request is kept. Answers carry `Date`
 * (RFC 9110 §6.6.1) and `Connection: close` when the client asked for it or the server is draining.
 */
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { Server as NetServer, type Socket } from "node:net";
import { REQUEST_TIMEOUT, serializeAnswer } from "./front-answer.js";
import { Connection, State, type Head } from "./front-connection.js";
import { MAX_JUDGED_HEAD_BYTES, mayBeJudged, parseHead } from "./front-head.js";
import type { FrontOptions, FrontHeld, FrontRequest } from "./front-options.js";

export { writeAnswer, type FrontAnswer } from "./front-answer.js";
export type { FrontOptions, FrontHeld, FrontRequest } from "./front-options.js";
export { MAX_HEAD_BYTES, MAX_JUDGED_HEAD_BYTES, parseHead, type ParsedHead } from "./front-head.js";

const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");
/** How often deadlines are checked at most: a second, as node:http is told to (`connectionsCheckingInterval`). */
const SWEEP_MS = 1000;
const NO_FIELDS: ReadonlyMap<string, string> = new Map();
const EMPTY = Buffer.alloc(0);

export class Http1Front extends NetServer {
  readonly #options: FrontOptions;
  readonly #wanted: readonly string[];
  readonly #fallback: HttpServer;
  readonly #connections = new Set<Connection>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #headersTimeoutMs: number;
  readonly #requestTimeoutMs: number;
  readonly #keepAliveTimeoutMs: number;
  readonly #bodyTimeoutMs: number;
  readonly #sendTimeoutMs: number;
  readonly #keepAliveSeconds: number;
  #draining = false;

  constructor(options: FrontOptions) {
    // As node:http: a client that half-closes after its request still gets its answer.
    super({ allowHalfOpen: true });
    this.#options = options;
    this.#wanted = options.fields ?? [];
    this.#headersTimeoutMs = options.headersTimeoutMs ?? 10_000;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 5_000;
    this.#bodyTimeoutMs = options.bodyTimeoutMs ?? Infinity;
    this.#sendTimeoutMs = options.sendTimeoutMs ?? this.#requestTimeoutMs;
    this.#keepAliveSeconds = Math.floor(this.#keepAliveTimeoutMs / 1000);
    // A deadline is met within a quarter of its length (a second at most), here and on node:http.
    const shortest = Math.min(this.#headersTimeoutMs, this.#requestTimeoutMs, this.#keepAliveTimeoutMs, this.#bodyTimeoutMs, this.#sendTimeoutMs);
    const sweepMs = Math.max(10, Math.min(SWEEP_MS, Math.floor(shortest / 4)));
    this.#fallback = createHttpServer({ connectionsCheckingInterval: sweepMs }, options.fallback);
    this.#fallback.headersTimeout = this.#headersTimeoutMs;
    this.#fallback.requestTimeout = this.#requestTimeoutMs;
    this.#fallback.keepAliveTimeout = this.#keepAliveTimeoutMs;
    // node:http tracks its connections (its timeouts, closeIdleConnections) from its "listening"
    // event on. This server never listens itself: it only receives connections from the front.
    this.#fallback.emit("listening");
    this.on("connection", (socket: Socket) => this.#accept(socket));
    this.on("close", () => {
      clearInterval(this.#sweeper);
      this.#fallback.close();
    });
    this.#sweeper = setInterval(() => this.#sweep(), sweepMs);
    this.#sweeper.unref();
  }

  override close(callback?: (err?: Error) => void): this {
    this.#draining = true;
    return super.close(callback);
  }

  /** Closes the connections that wait for a request (here and on node:http). */
  closeIdleConnections(): void {
    this.#draining = true;
    for (const c of this.#connections) if (c.state === State.Idle) this.#drop(c);
    this.#fallback.closeIdleConnections();
  }

  /** Cuts every connection. */
  closeAllConnections(): void {
    for (const c of this.#connections) this.#drop(c);
    this.#fallback.closeAllConnections();
  }

  /** What the connections kept here hold now. */
  held(): FrontHeld {
    let pendingBytes = 0;
    let unsentBytes = 0;
    for (const c of this.#connections) {
      pendingBytes += c.pending.length + c.socket.readableLength;
      unsentBytes += c.socket.writableLength;
    }
    return { connections: this.#connections.size, pendingBytes, unsentBytes };
  }

  #accept(socket: Socket): void {
    const c = new Connection(socket);
    this.#connections.add(c);
    socket.setNoDelay(true);
    const listeners = {
      data: (chunk: Buffer) => this.#data(c, chunk),
      drain: () => {
        if (c.state === State.Sending) this.#next(c);
      },
      error: () => {
        this.#abandoned(c);
        this.#drop(c);
      },
      close: () => {
        this.#abandoned(c);
        this.#forget(c);
      },
      // A client that half-closes asks nothing more: what is being answered is answered, then the
      // connection closes; a request cut short is dropped. ('end' comes only after every byte,
      // and no byte is read while a request is answered.)
      end: () => {
        if (c.state === State.Idle || c.state === State.Head || c.state === State.Body) {
          this.#abandoned(c);
          this.#end(c);
        }
      },
    };
    for (const [event, listener] of Object.entries(listeners)) socket.on(event, listener);
    c.detach = () => {
      for (const [event, listener] of Object.entries(listeners)) socket.off(event, listener);
    };
  }

  /** A client gone before its body was whole (not a connection this server cut). */
  #abandoned(c: Connection): void {
    if (c.state === State.Body && c.head !== undefined) this.#options.aborted?.(c.head.path);
  }

  #data(c: Connection, chunk: Buffer): void {
    if (c.state === State.Gone || c.state === State.Closing) return;
    if (c.state === State.Busy || c.state === State.Sending) {
      this.#holdBack(c, chunk);
      return;
    }
    c.pending = c.pending.length === 0 ? chunk : Buffer.concat([c.pending, chunk]);
    this.#advance(c);
  }

  /**
   * Nothing is read while a request is answered or its answer drains: pipelined bytes go back to
   * the socket's own buffer, which stops reading at its high-water mark (the kernel's window holds
   * the rest), and the client's end is not seen before them.
   */
  #holdBack(c: Connection, bytes: Buffer): void {
    c.socket.pause();
    c.socket.unshift(bytes);
  }

  /** Consumes as much of the pending bytes as makes a whole request, or hands the connection over. */
  #advance(c: Connection): void {
    if (c.pending.length === 0) return;
    if (c.state === State.Idle) {
      c.state = State.Head;
      c.since = performance.now();
      c.scanned = 0;
    }
    if (c.state === State.Head) {
      const end = c.pending.indexOf(CRLFCRLF, c.scanned);
      if (end < 0) {
        const partial = c.pending.length <= MAX_JUDGED_HEAD_BYTES + 3 ? c.pending.toString("latin1") : undefined;
        if (partial !== undefined && mayBeJudged(partial, this.#options.paths, this.#options.maxBodyBytes)) c.scanned = Math.max(0, c.pending.length - 3);
        else this.#handOver(c);
        return;
      }
      const parsed =
        end <= MAX_JUDGED_HEAD_BYTES ? parseHead(c.pending.toString("latin1", 0, end), this.#options.paths, this.#options.maxBodyBytes, this.#wanted) : undefined;
      if (parsed === undefined) {
        this.#handOver(c);
        return;
      }
      c.head = { ...parsed, bodyStart: end + 4 };
      c.state = State.Body;
      c.bodySince = performance.now();
    }
    const head = c.head as Head;
    const bodyEnd = head.bodyStart + head.length;
    if (c.pending.length < bodyEnd) return;
    const body = c.pending.subarray(head.bodyStart, bodyEnd);
    const rest = c.pending.subarray(bodyEnd);
    c.pending = EMPTY;
    c.state = State.Busy;
    if (rest.length > 0) this.#holdBack(c, rest);
    this.#answer(c, head, body);
  }

  #answer(c: Connection, head: Head, body: Buffer): void {
    const started = performance.now();
    const request: FrontRequest = {
      path: head.path,
      contentType: head.contentType,
      body,
      remoteAddress: c.remoteAddress,
      fields: head.fields ?? NO_FIELDS,
    };
    void this.#options.handle(request).then((answer) => {
      if (c.state !== State.Busy) return;
      const close = head.close || this.#draining;
      c.socket.write(serializeAnswer(answer, close, this.#keepAliveSeconds));
      this.#options.record(head.path, answer.status, performance.now() - started);
      c.head = undefined;
      if (close) this.#end(c);
      else this.#next(c);
    });
  }

  /** Between requests: the next one is read only once the output is under its bound. */
  #next(c: Connection): void {
    c.since = performance.now();
    if (c.socket.writableNeedDrain) {
      c.state = State.Sending;
      c.socket.pause();
      return;
    }
    c.state = State.Idle;
    if (c.socket.readableEnded) this.#end(c);
    else if (c.socket.isPaused()) c.socket.resume();
  }

  /** node:http answers this request and every later one on the connection, from its first unconsumed byte. */
  #handOver(c: Connection): void {
    const socket = c.socket;
    const pending = c.pending;
    this.#forget(c);
    socket.pause();
    if (pending.length > 0) socket.unshift(pending);
    this.#fallback.emit("connection", socket);
    socket.resume();
  }

  /** Closes after what was written; cut if it is not taken within sendTimeoutMs. */
  #end(c: Connection): void {
    c.state = State.Closing;
    c.since = performance.now();
    c.release();
    c.socket.end();
  }

  #drop(c: Connection): void {
    this.#forget(c);
    c.socket.destroy();
  }

  /** Nothing of the connection stays here: its bytes, its listeners, its place in the set. */
  #forget(c: Connection): void {
    c.state = State.Gone;
    c.release();
    c.detach();
    this.#connections.delete(c);
  }

  /** Deadlines: see the header comment. */
  #sweep(): void {
    const now = performance.now();
    for (const c of this.#connections) {
      const age = now - c.since;
      switch (c.state) {
        case State.Idle:
          if (age > this.#keepAliveTimeoutMs) this.#drop(c);
          break;
        case State.Head:
          if (age > this.#headersTimeoutMs) this.#timeOut(c);
          break;
        case State.Body:
          if (age > this.#requestTimeoutMs || now - c.bodySince > this.#bodyTimeoutMs) this.#timeOut(c);
          break;
        case State.Sending:
        case State.Closing:
          if (age > this.#sendTimeoutMs) this.#drop(c);
          break;
        default:
          break;
      }
    }
  }

  /** As node:http does, 408 and close; the service's own answer once the path is known, if it has one. */
  #timeOut(c: Connection): void {
    const path = c.state === State.Body ? c.head?.path : undefined;
    const timedOut = this.#options.timedOut;
    let answer = REQUEST_TIMEOUT;
    if (path !== undefined && timedOut !== undefined) {
      answer = timedOut(path);
      this.#options.record(path, answer.status, performance.now() - c.bodySince);
    }
    c.socket.write(serializeAnswer(answer, true, this.#keepAliveSeconds));
    this.#end(c);
    c.socket.destroySoon();
  }
}
