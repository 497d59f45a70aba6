/**
 * A public listener for a service's hot path: a node:net server that answers the one request
 * shape of that path itself, and hands every other connection to node:http.
 *
 * Why: node:http's request and response objects, streams and events cost tens of microseconds a
 * request on this machine. In the gateway they cost about 60 µs, more than half of the HPKE work
 * they carry (about 90 µs for open and seal). The relay's own work is a rate-limit check and a
 * forward; with this listener and Http1Client instead of node:http's server and client, its CPU
 * per request in the running stack at 250 requests/s fell from about 470 to about 360 µs (the
 * rest is mostly the kernel's socket calls and the event loop). A hot path that is one POST of a
 * bounded body and one whole answer needs none of that machinery.
 *
 * What it answers itself, and nothing else: an HTTP/1.1 request whose request line is exactly
 * `POST <path> HTTP/1.1` for one of the configured paths (no query), whose field lines are all
 * well-formed (a token, a colon, a value of visible bytes, spaces and tabs), with exactly one
 * `Host`, exactly one `Content-Length` of plain digits within the body limit, at most one
 * `Content-Type`, no `Transfer-Encoding`, no `Expect`, no `Upgrade`, no `Connection` other than
 * `keep-alive` or `close`, and a head of at most 16 KiB. The body is then exactly Content-Length
 * bytes: the one framing rule that applies (RFC 9112 §6.3), so this parser and node:http's can
 * never disagree on where a message ends.
 *
 * Anything else (another method or path, chunked framing, an oversized body, a head that is not
 * plainly well-formed, HTTP/1.0) is not judged here: at that request's first byte the connection
 * with every byte not yet consumed goes to a node:http server (`server.emit("connection")`), which
 * applies its full rules and the service's node:http listener for the rest of the connection's
 * life. So the subset parsed here only has to be right about what it accepts; everything it does
 * not accept gets node:http's answer (400, 404, 405, 411, 413, 431...).
 *
 * The handler gets the path, the content type, the body, the peer's address and the values of
 * the fields it asked for by name; no other field of the request is kept.
 *
 * Connections it keeps obey the same limits as node:http's: a head must arrive within
 * `headersTimeoutMs` of its first byte, a whole request within `requestTimeoutMs` (408 and close
 * otherwise), and an idle keep-alive connection closes after `keepAliveTimeoutMs`. A service may
 * also bound the body alone (`bodyTimeoutMs`, from the end of the head) and answer that timeout
 * itself. Answers carry `Date` (RFC 9110 §6.6.1) and `Connection: close` when the client asked for
 * it or the server is draining. Requests are answered in order; pipelined bytes wait, bounded, for
 * the answer before.
 */
import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage, type ServerResponse, type Server as HttpServer } from "node:http";
import { Server as NetServer, type Socket } from "node:net";
import { currentHttpDate } from "./http-date.js";
import { fieldLine } from "./fields.js";

/** A whole answer (lower-case header names, no framing headers: no content-length, connection). */
export interface FrontAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** The front's own 408 (RFC 9457 problem details; the services' problem tables live in service-kit). */
const REQUEST_TIMEOUT: FrontAnswer = Object.freeze({
  status: 408,
  headers: Object.freeze({ "content-type": "application/problem+json", "cache-control": "no-store" }),
  body: new TextEncoder().encode(JSON.stringify({ type: "about:blank", title: "Request Timeout", status: 408 })),
});

/** Writes a whole answer on a node:http response (the fallback's form of what `handle` returns). */
export function writeAnswer(res: ServerResponse, answer: FrontAnswer, extra: Readonly<Record<string, string>> = {}): void {
  res.writeHead(answer.status, { ...answer.headers, ...extra, "content-length": answer.body.length });
  res.end(answer.body);
}

/** One request of the hot path, read whole. */
export interface FrontRequest {
  /** One of `FrontOptions.paths`. */
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  /** The connection's peer, as node:http's `req.socket.remoteAddress`. */
  readonly remoteAddress: string | undefined;
  /**
   * The fields named in `FrontOptions.fields` that the request carries, by lower-case name. Lines
   * of the same name are joined with ", ", as node:http joins fields it has no rule of its own
   * for (`X-Forwarded-For` among them).
   */
  readonly fields: ReadonlyMap<string, string>;
}

export interface FrontOptions {
  /** Paths answered here, to `POST` only. */
  readonly paths: readonly string[];
  /** The largest body answered here; a larger declared length goes to node:http (413). */
  readonly maxBodyBytes: number;
  /** Lower-case names of the fields `handle` gets (`FrontRequest.fields`); none by default. */
  readonly fields?: readonly string[];
  /** Answers one request. Must not reject. */
  readonly handle: (request: FrontRequest) => Promise<FrontAnswer>;
  /** Called once per request answered here (by `handle` or `timedOut`), when its answer has been written. */
  readonly record: (path: string, status: number, ms: number) => void;
  /** The listener of everything else. */
  readonly fallback: (req: IncomingMessage, res: ServerResponse) => void;
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly keepAliveTimeoutMs?: number;
  /** How long a body may take after its head; only `requestTimeoutMs` bounds it by default. */
  readonly bodyTimeoutMs?: number;
  /**
   * The answer to a request whose head was accepted here but whose body did not arrive in time;
   * the connection closes after it. Without it, a bare 408 problem, as node:http's own.
   */
  readonly timedOut?: (path: string) => FrontAnswer;
  /** Told when a client goes away between the head accepted here and the end of its body. */
  readonly aborted?: (path: string) => void;
}

/** The longest head answered here (node:http allows 16 KiB too, then answers 431). */
export const MAX_HEAD_BYTES = 16 * 1024;
const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");
const DIGITS = /^[0-9]{1,15}$/;
/** How often deadlines are checked at most: a second, as node:http is told to (`connectionsCheckingInterval`). */
const SWEEP_MS = 1000;
const NO_FIELDS: ReadonlyMap<string, string> = new Map();

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
  /** The requested fields, when the request carries any of them. */
  readonly fields?: ReadonlyMap<string, string>;
  /** Index of the body's first byte in the pending bytes. */
  readonly bodyStart: number;
}

/**
 * Parses a head (without its final CRLFCRLF) into what the hot path needs, or `undefined` for
 * anything outside the subset described above. `wanted` names (lower case) the fields to keep.
 */
export function parseHead(head: string, paths: readonly string[], maxBodyBytes: number, wanted: readonly string[] = []): Omit<Head, "bodyStart"> | undefined {
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

class Connection {
  state: State = State.Idle;
  /** Bytes received and not consumed yet. */
  pending: Buffer = Buffer.alloc(0);
  /** Where the search for the end of the head resumes. */
  scanned = 0;
  head: Head | undefined;
  /** When the current request's first byte came (or the connection went idle). */
  since = performance.now();
  /** When the current request's head was complete. */
  bodySince = 0;
  /** Read once: a destroyed socket no longer knows its peer. */
  readonly remoteAddress: string | undefined;

  constructor(readonly socket: Socket) {
    this.remoteAddress = socket.remoteAddress;
  }
}

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
    this.#keepAliveSeconds = Math.floor(this.#keepAliveTimeoutMs / 1000);
    // A deadline is met within a quarter of its length (a second at most), here and on node:http.
    const shortest = Math.min(this.#headersTimeoutMs, this.#requestTimeoutMs, this.#keepAliveTimeoutMs, this.#bodyTimeoutMs);
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

  #accept(socket: Socket): void {
    const c = new Connection(socket);
    this.#connections.add(c);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.#data(c, chunk));
    socket.on("error", () => {
      this.#abandoned(c);
      this.#drop(c);
    });
    socket.on("close", () => {
      this.#abandoned(c);
      c.state = State.Gone;
      this.#connections.delete(c);
    });
    // A client that half-closes asks nothing more: what is being answered is answered, then the
    // connection closes; a request cut short is dropped.
    socket.on("end", () => {
      this.#abandoned(c);
      if (c.state !== State.Busy) this.#end(c);
    });
  }

  /** A client gone before its body was whole (not a connection this server cut). */
  #abandoned(c: Connection): void {
    if (c.state === State.Body && c.head !== undefined) this.#options.aborted?.(c.head.path);
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
      const parsed =
        end <= MAX_HEAD_BYTES ? parseHead(c.pending.toString("latin1", 0, end), this.#options.paths, this.#options.maxBodyBytes, this.#wanted) : undefined;
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
    c.pending = c.pending.subarray(bodyEnd);
    c.state = State.Busy;
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
      if (c.state === State.Gone) return;
      const close = head.close || this.#draining;
      c.socket.write(this.#serialize(answer, close));
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

  #serialize(answer: FrontAnswer, close: boolean): Buffer {
    const lines = [`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? "Unknown"}`];
    for (const [name, value] of Object.entries(answer.headers)) lines.push(`${name}: ${value}`);
    lines.push(`content-length: ${answer.body.length}`, `date: ${currentHttpDate()}`);
    // As node:http: the idle limit, so that a client's pool closes first (RFC 9112 §9.3).
    lines.push(close ? "connection: close" : `connection: keep-alive\r\nkeep-alive: timeout=${this.#keepAliveSeconds}`, "", "");
    const headBytes = Buffer.from(lines.join("\r\n"), "latin1");
    return Buffer.concat([headBytes, answer.body], headBytes.length + answer.body.length);
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

  /** Deadlines: a head within headersTimeoutMs, a request within requestTimeoutMs (its body within bodyTimeoutMs), idle within keepAliveTimeoutMs. */
  #sweep(): void {
    const now = performance.now();
    for (const c of this.#connections) {
      const age = now - c.since;
      if (c.state === State.Idle && age > this.#keepAliveTimeoutMs) this.#drop(c);
      else if (c.state === State.Head && age > this.#headersTimeoutMs) this.#timeOut(c);
      else if (c.state === State.Body && (age > this.#requestTimeoutMs || now - c.bodySince > this.#bodyTimeoutMs)) this.#timeOut(c);
    }
  }

  /** As node:http does, 408 and close; the service's own answer once the path is known, if it has one. */
  #timeOut(c: Connection): void {
    const path = c.state === State.Body ? c.head?.path : undefined;
    c.state = State.Gone;
    this.#connections.delete(c);
    const timedOut = this.#options.timedOut;
    if (path !== undefined && timedOut !== undefined) {
      const answer = timedOut(path);
      c.socket.end(this.#serialize(answer, true));
      this.#options.record(path, answer.status, performance.now() - c.bodySince);
    } else {
      c.socket.end(this.#serialize(REQUEST_TIMEOUT, true));
    }
    c.socket.destroySoon();
  }
}
