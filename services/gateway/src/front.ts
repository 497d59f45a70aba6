/**
 * The gateway's public listener: a node:net server that answers the one request shape of its hot
 * path itself, and hands every other connection to node:http.
 *
 * Why: node:http's request and response objects, streams and events cost about 60 µs a request
 * on this machine, more than half of the HPKE work they carry (about 90 µs for open and seal),
 * and the gateway must reach at least half the raw HPKE rate over HTTP. The benchmark's reference
 * rows show it: a gateway that does nothing but HPKE and a forward stays under half on node:http.
 *
 * What it answers itself, and nothing else: an HTTP/1.1 request whose request line is exactly
 * `POST /gateway HTTP/1.1` or `POST /.well-known/ohttp-gateway HTTP/1.1`, whose field lines are
 * all well-formed (a token, a colon, a value of visible bytes, spaces and tabs), with exactly one
 * `Host`, exactly one `Content-Length` of plain digits within the body limit, at most one
 * `Content-Type`, no `Transfer-Encoding`, no `Expect`, no `Upgrade`, no `Connection` other than
 * `keep-alive` or `close`, and a head of at most 16 KiB. The body is then exactly Content-Length
 * bytes: the one framing rule that applies (RFC 9112 §6.3), so this parser and node:http's can
 * never disagree on where a message ends.
 *
 * Anything else (another method or path, chunked framing, an oversized body, a head that is not
 * plainly well-formed, HTTP/1.0) is not judged here: at that request's first byte the connection
 * with every byte not yet consumed goes to a node:http server (`server.emit("connection")`), which
 * applies its full rules and the gateway's node:http listener for the rest of the connection's
 * life. So the subset parsed here only has to be right about what it accepts; everything it does
 * not accept gets node:http's answer (400, 404, 405, 411, 413, 431...).
 *
 * Connections it keeps obey the same limits as node:http's: a head must arrive within
 * `headersTimeoutMs` of its first byte, a whole request within `requestTimeoutMs` (408 and close
 * otherwise), and an idle keep-alive connection closes after `keepAliveTimeoutMs`. Answers carry
 * `Date` (RFC 9110 §6.6.1) and `Connection: close` when the client asked for it or the server is
 * draining. Requests are answered in order; pipelined bytes wait, bounded, for the answer before.
 */
import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage, type ServerResponse, type Server as HttpServer } from "node:http";
import { Server as NetServer, type Socket } from "node:net";
import { formatHttpDate } from "./date.js";
import { fieldLine } from "./http1.js";

/** A whole answer (lower-case header names, no framing headers). */
export interface FrontAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

export interface FrontOptions {
  /** Paths answered here, to `POST` only. */
  readonly paths: readonly string[];
  /** The largest body answered here; a larger declared length goes to node:http (413). */
  readonly maxBodyBytes: number;
  /** Answers one request. Must not reject. */
  readonly handle: (path: string, contentType: string | undefined, body: Buffer) => Promise<FrontAnswer>;
  /** Called once per request answered here, when its answer has been written. */
  readonly record: (path: string, status: number, ms: number) => void;
  /** The listener of everything else. */
  readonly fallback: (req: IncomingMessage, res: ServerResponse) => void;
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly keepAliveTimeoutMs?: number;
}

/** The longest head answered here (node:http allows 16 KiB too, then answers 431). */
export const MAX_HEAD_BYTES = 16 * 1024;
const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");
const DIGITS = /^[0-9]{1,15}$/;
const TIMEOUT_BODY = JSON.stringify({ type: "about:blank", title: "Request Timeout", status: 408 });
/** How often deadlines are checked: node:http checks its own once a second too. */
const SWEEP_MS = 1000;

const State = {
  /** Between requests: waiting for a first byte (keep-alive deadline). */
  Idle: 0,
  /** Some bytes of a head have come. */
  Head: 1,
  /** The head is parsed; the body is coming. */
  Body: 2,
  /** The request is being answered. */
  Busy: 3,
  /** Given to node:http, or closed. */
  Gone: 4,
} as const;
type State = (typeof State)[keyof typeof State];

interface Head {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly length: number;
  readonly close: boolean;
  /** Index of the body's first byte in the pending bytes. */
  readonly bodyStart: number;
}

/**
 * Parses a head (without its final CRLFCRLF) into what the hot path needs, or `undefined` for
 * anything outside the subset described above.
 */
export function parseHead(head: string, paths: readonly string[], maxBodyBytes: number): Omit<Head, "bodyStart"> | undefined {
  const lines = head.split("\r\n");
  const requestLine = lines[0] ?? "";
  if (!requestLine.startsWith("POST ") || !requestLine.endsWith(" HTTP/1.1")) return undefined;
  const path = requestLine.slice(5, -9);
  if (!paths.includes(path)) return undefined;
  let hosts = 0;
  let length: string | undefined;
  let contentType: string | undefined;
  let close = false;
  for (let i = 1; i < lines.length; i++) {
    const field = fieldLine(lines[i] as string);
    if (field === undefined) return undefined;
    const [name, value] = field;
    switch (name.toLowerCase()) {
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
        break;
    }
  }
  if (hosts !== 1 || length === undefined) return undefined;
  const bytes = Number(length);
  if (bytes > maxBodyBytes) return undefined;
  return { path, contentType, length: bytes, close };
}

/** `Date` in IMF-fixdate, made once a second. */
let dateSecond = 0;
let dateValue = "";
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateValue = formatHttpDate(now);
  }
  return dateValue;
}

class Connection {
  state: State = State.Idle;
  /** Bytes received and not consumed yet. */
  pending: Buffer = Buffer.alloc(0);
  /** Where the search for the end of the head resumes. */
  scanned = 0;
  head: Head | undefined;
  /** When the current request's first byte came (or the connection went idle). */
  since = performance.now();

  constructor(readonly socket: Socket) {}
}

export class GatewayFront extends NetServer {
  readonly #options: FrontOptions;
  readonly #fallback: HttpServer;
  readonly #connections = new Set<Connection>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #headersTimeoutMs: number;
  readonly #requestTimeoutMs: number;
  readonly #keepAliveTimeoutMs: number;
  readonly #keepAliveSeconds: number;
  #draining = false;

  constructor(options: FrontOptions) {
    // As node:http: a client that half-closes after its request still gets its answer.
    super({ allowHalfOpen: true });
    this.#options = options;
    this.#headersTimeoutMs = options.headersTimeoutMs ?? 10_000;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 5_000;
    this.#keepAliveSeconds = Math.floor(this.#keepAliveTimeoutMs / 1000);
    this.#fallback = createHttpServer(options.fallback);
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
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_MS);
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

  #accept(socket: Socket): void {
    const c = new Connection(socket);
    this.#connections.add(c);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.#data(c, chunk));
    socket.on("error", () => this.#drop(c));
    socket.on("close", () => {
      c.state = State.Gone;
      this.#connections.delete(c);
    });
    // A client that half-closes asks nothing more: what is being answered is answered, then the
    // connection closes; a request cut short is dropped.
    socket.on("end", () => {
      if (c.state !== State.Busy) this.#end(c);
    });
  }

  #data(c: Connection, chunk: Buffer): void {
    if (c.state === State.Gone) return;
    c.pending = c.pending.length === 0 ? chunk : Buffer.concat([c.pending, chunk]);
    if (c.state === State.Busy) {
      // Pipelined bytes wait for the answer before them; a client that keeps sending is paused.
      if (c.pending.length > MAX_HEAD_BYTES + this.#options.maxBodyBytes) c.socket.pause();
      return;
    }
    this.#advance(c);
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
        if (c.pending.length > MAX_HEAD_BYTES) this.#handOver(c);
        else c.scanned = Math.max(0, c.pending.length - 3);
        return;
      }
      const parsed = end <= MAX_HEAD_BYTES ? parseHead(c.pending.toString("latin1", 0, end), this.#options.paths, this.#options.maxBodyBytes) : undefined;
      if (parsed === undefined) {
        this.#handOver(c);
        return;
      }
      c.head = { ...parsed, bodyStart: end + 4 };
      c.state = State.Body;
    }
    const head = c.head as Head;
    const bodyEnd = head.bodyStart + head.length;
    if (c.pending.length < bodyEnd) return;
    const body = c.pending.subarray(head.bodyStart, bodyEnd);
    c.pending = c.pending.subarray(bodyEnd);
    c.state = State.Busy;
    this.#answer(c, head, body);
  }

  #answer(c: Connection, head: Head, body: Buffer): void {
    const started = performance.now();
    void this.#options.handle(head.path, head.contentType, body).then((answer) => {
      if (c.state === State.Gone) return;
      const close = head.close || this.#draining;
      const lines = [`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? "Unknown"}`];
      for (const [name, value] of Object.entries(answer.headers)) lines.push(`${name}: ${value}`);
      lines.push(`content-length: ${answer.body.length}`, `date: ${httpDate()}`);
      // As node:http: the idle limit, so that a client's pool closes first (RFC 9112 §9.3).
      lines.push(close ? "connection: close" : `connection: keep-alive\r\nkeep-alive: timeout=${this.#keepAliveSeconds}`, "", "");
      const headBytes = Buffer.from(lines.join("\r\n"), "latin1");
      c.socket.write(Buffer.concat([headBytes, answer.body], headBytes.length + answer.body.length));
      this.#options.record(head.path, answer.status, performance.now() - started);
      if (close || c.socket.readableEnded) {
        this.#end(c);
        return;
      }
      c.state = State.Idle;
      c.head = undefined;
      c.since = performance.now();
      if (c.socket.isPaused()) c.socket.resume();
      this.#advance(c);
    });
  }

  /** node:http answers this request and every later one on the connection, from its first unconsumed byte. */
  #handOver(c: Connection): void {
    c.state = State.Gone;
    this.#connections.delete(c);
    const socket = c.socket;
    socket.pause();
    socket.removeAllListeners("data");
    socket.removeAllListeners("error");
    socket.removeAllListeners("end");
    socket.removeAllListeners("close");
    if (c.pending.length > 0) socket.unshift(c.pending);
    c.pending = Buffer.alloc(0);
    this.#fallback.emit("connection", socket);
    socket.resume();
  }

  /** Closes after what was written. */
  #end(c: Connection): void {
    c.state = State.Gone;
    this.#connections.delete(c);
    c.socket.end();
  }

  #drop(c: Connection): void {
    c.state = State.Gone;
    this.#connections.delete(c);
    c.socket.destroy();
  }

  /** Deadlines: a head within headersTimeoutMs, a request within requestTimeoutMs, idle within keepAliveTimeoutMs. */
  #sweep(): void {
    const now = performance.now();
    for (const c of this.#connections) {
      const age = now - c.since;
      if (c.state === State.Idle && age > this.#keepAliveTimeoutMs) this.#drop(c);
      else if ((c.state === State.Head && age > this.#headersTimeoutMs) || (c.state === State.Body && age > this.#requestTimeoutMs)) this.#timeOut(c);
    }
  }

  /** As node:http does, 408 and close, with a problem body. */
  #timeOut(c: Connection): void {
    c.state = State.Gone;
    this.#connections.delete(c);
    c.socket.end(
      `HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\ncontent-length: ${TIMEOUT_BODY.length}\r\n` +
        `date: ${httpDate()}\r\nconnection: close\r\n\r\n${TIMEOUT_BODY}`,
    );
    c.socket.destroySoon();
  }
}
