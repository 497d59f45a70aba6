/**
 * Differential fuzzing of Http1Front against node:http, over real sockets. Generated raw request
 * streams (valid requests, pipelined runs, the smuggling shapes: CL+TE, repeated or differing
 * Content-Length, Transfer-Encoding variants, obs-fold, bare CR or LF, control bytes,
 * absolute-form targets, HTTP/1.0, Expect, oversized heads and bodies), cut at random points into
 * separate writes, go both to an Http1Front with a hot path like the gateway's (`POST /gateway`)
 * and to a plain node:http server with the same handler. Per connection, the sequence of answers
 * (status, and the identity of the request the handler accepted: method, target, content type,
 * body digest) and whether the server closed the connection must be the same.
 *
 * One normalisation, at the client's end only: a request cut short by the client's FIN is refused
 * by both, node:http with a bare 400 and the front by closing (front.ts, 'end').
 *
 * Budget: HTTP1_FUZZ_RUNS cases (400 by default), seed HTTP1_FUZZ_SEED (fixed by default);
 * `npm run fuzz:http1` runs more.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import fc from "fast-check";
import { Http1Front } from "../src/front.js";

const RUNS = Number(process.env["HTTP1_FUZZ_RUNS"] ?? 400);
const SEED = Number(process.env["HTTP1_FUZZ_SEED"] ?? 20261203);
const MAX_BODY = 1024;
const BATCH = 8;
/** No byte for this long after the last write: the exchange is over (waited longer if the two differ). */
const QUIET_MS = 80;
/** At a message's probable end: how long the writer waits for its answer at most. */
const SETTLE_MS = 250;

function describe(method: string, target: string, contentType: string | undefined, body: Buffer): string {
  const digest = createHash("sha256").update(body).digest("hex").slice(0, 16);
  return `${method} ${JSON.stringify(target)} ${JSON.stringify(contentType ?? null)} ${body.length} ${digest}`;
}

/** Requests a server's handler accepted, by the client's address (one address per case of a batch). */
type Accepted = Map<string, string[]>;

function accept(log: Accepted, address: string | undefined, request: string): void {
  const key = address ?? "?";
  log.set(key, [...(log.get(key) ?? []), request]);
}

/** The one handler both servers run: what the hot path answers, and the same rule for anything else. */
function listener(log: Accepted): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", () => undefined);
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const tooLarge = req.method === "POST" && req.url === "/gateway" && body.length > MAX_BODY;
      const text = describe(req.method ?? "", req.url ?? "", req.headers["content-type"], body);
      accept(log, req.socket.remoteAddress, text);
      res.writeHead(tooLarge ? 413 : 200, { "content-type": "text/plain", "content-length": Buffer.byteLength(text, "latin1") });
      res.end(text, "latin1");
    });
  };
}

async function listen(server: Server | Http1Front): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

interface Outcome {
  readonly answers: string[];
  readonly closed: boolean;
}

/** Answers framed as a client would: Content-Length, none for 1xx/204/304, else to the close. */
function parseAnswers(bytes: Buffer, closed: boolean): Outcome {
  const answers: string[] = [];
  let at = 0;
  for (;;) {
    const end = bytes.indexOf("\r\n\r\n", at, "latin1");
    if (end < 0) break;
    const lines = bytes.toString("latin1", at, end).split("\r\n");
    const status = Number(lines[0]?.split(" ")[1]);
    const length = lines.find((l) => /^content-length:/i.test(l))?.split(":")[1]?.trim();
    const bodyless = (status >= 100 && status < 200) || status === 204 || status === 304;
    const size = bodyless ? 0 : length === undefined ? bytes.length - end - 4 : Number(length);
    if (bytes.length < end + 4 + size) break;
    answers.push(`${status} ${bytes.toString("latin1", end + 4, end + 4 + size)}`);
    at = end + 4 + size;
  }
  if (at < bytes.length) answers.push(`partial ${bytes.length - at}`);
  return { answers, closed };
}

interface Exchange {
  outcome(): Outcome;
  /** Resolves once the server closed, or sent nothing for QUIET_MS after the last write. */
  readonly done: Promise<void>;
  close(): void;
}

/** Writes the pieces one write each (a timer apart), then ends if asked; reads everything. */
function exchange(port: number, localAddress: string, pieces: readonly Piece[], halfClose: boolean): Exchange {
  const socket = connect({ port, host: "127.0.0.1", localAddress, noDelay: true });
  const received: Buffer[] = [];
  let receivedBytes = 0;
  let closed = false;
  let last = performance.now();
  socket.on("data", (c: Buffer) => {
    received.push(c);
    receivedBytes += c.length;
    last = performance.now();
  });
  socket.on("error", () => undefined);
  const ended = new Promise<void>((r) => socket.on("close", () => ((closed = true), r())));
  const done = (async () => {
    await new Promise((r) => socket.once("connect", r));
    for (const piece of pieces) {
      if (closed) break;
      const before = receivedBytes;
      const started = performance.now();
      socket.write(piece.bytes);
      await new Promise((r) => setTimeout(r, 1));
      while (piece.settle && !closed && receivedBytes === before && performance.now() - started < SETTLE_MS) await new Promise((r) => setTimeout(r, 2));
    }
    if (halfClose && !closed) socket.end();
    last = performance.now();
    while (!closed && performance.now() - last < QUIET_MS) await Promise.race([ended, new Promise((r) => setTimeout(r, 20))]);
  })();
  return { outcome: () => parseAnswers(Buffer.concat(received), closed), done, close: () => socket.destroy() };
}

// ---------- generators ----------

const CRLF = "\r\n";
const bytesOf = (s: string): Buffer => Buffer.from(s, "latin1");

const bodyArb = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_BODY - 2, max: MAX_BODY + 2 }).map((n) => new Uint8Array(n).fill(0x61)) },
);
const tokenChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-!#$%&'*+.^_`|~";
const nameArb = fc.string({ unit: fc.constantFrom(...tokenChars.split("")), minLength: 1, maxLength: 12 });
const valueArb = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(..."abc xyz/;=,\t-".split("")), maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom("message/ohttp-req", "", " padded ", "caf\xe9", "a\x00b", "a\x01b", "a\x7fb", "a\x0bb", "a\rb", "a\nb", "a\x80\xffb") },
);
const clVariant = fc.constantFrom("{n}", "0{n}", " {n} ", "+{n}", "-{n}", "{n},{n}", "{n}, {n}", "{n} {n}", "0x{n}", "", "{n}\t", "99999999999999999999", "1e1");
const teVariant = fc.constantFrom("chunked", "Chunked", "CHUNKED", " chunked", "chunked ", "identity", "gzip, chunked", "chunked, identity", "chunked,chunked", "xchunked", "chunked\x0b", "");
/** Mostly the valid value, sometimes one of the odd ones. */
const mostly = <T>(valid: T, odd: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ weight: 6, arbitrary: fc.constant(valid) }, { weight: 1, arbitrary: odd });
const targetArb = mostly("/gateway", fc.constantFrom(
  "/gateway?x=1",
  "/gateway#f",
  "//gateway",
  "/Gateway",
  "/gateway/",
  "http://gw/gateway",
  "http://gw:80/gateway",
  "*",
  "gateway",
  "/gate way",
  "/other",
));
const versionArb = mostly("HTTP/1.1", fc.constantFrom("HTTP/1.0", "HTTP/1.2", "HTTP/2.0", "http/1.1", "HTTP/1.1 ", "HTTP/01.1"));
const methodArb = mostly("POST", fc.constantFrom("GET", "PUT", "post", "POST ", "PO\x00ST"));
const connectionArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(undefined, "keep-alive") },
  { weight: 1, arbitrary: fc.constantFrom("close", "Close", "keep-alive, close", "upgrade", "te") },
);

/** What differs from the plain valid request. */
const mutation = fc.oneof(
  { weight: 20, arbitrary: fc.constant({ kind: "none" as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cl" as const), variant: clVariant }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cl-twice" as const), delta: fc.integer({ min: -1, max: 1 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("te" as const), variant: teVariant, withCl: fc.boolean(), chunked: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("fold" as const), on: fc.constantFrom("x-a", "content-length", "host", "transfer-encoding") }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("eol" as const), eol: fc.constantFrom("\n", "\r", "\r\r\n", "\n\r"), where: fc.nat({ max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("space-colon" as const), space: fc.constantFrom(" ", "\t", "\x00") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("host" as const), hosts: fc.array(fc.constantFrom("gw", "", "a b", "gw:1"), { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("expect" as const), value: fc.constantFrom("100-continue", "100-Continue", "x") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("big-head" as const), size: fc.oneof(fc.integer({ min: 8100, max: 8300 }), fc.integer({ min: 16200, max: 16500 })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("leading" as const), prefix: fc.constantFrom("\r\n", "\n", " ", "\r\n\r\n") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("upgrade" as const) }) },
);

const requestArb = fc
  .record({
    method: methodArb,
    target: targetArb,
    version: versionArb,
    contentType: fc.oneof({ weight: 4, arbitrary: fc.constant("message/ohttp-req") }, { weight: 1, arbitrary: fc.option(valueArb, { nil: undefined }) }),
    extra: fc.array(fc.tuple(nameArb, valueArb), { maxLength: 2 }),
    connection: connectionArb,
    body: bodyArb,
    mutation,
  })
  .map((r) => {
    const body = Buffer.from(r.body);
    const n = String(body.length);
    let fields: string[] = ["Host: gw"];
    let payload = body;
    if (r.contentType !== undefined) fields.push(`Content-Type: ${r.contentType}`);
    for (const [name, value] of r.extra) fields.push(`${name}: ${value}`);
    if (r.connection !== undefined) fields.push(`Connection: ${r.connection}`);
    const m = r.mutation;
    let prefix = "";
    let eol: { eol: string; where: number } | undefined;
    switch (m.kind) {
      case "none":
      case "eol":
      case "leading":
      case "space-colon":
      case "fold":
      case "big-head":
      case "expect":
      case "upgrade":
        fields.push(`Content-Length: ${n}`);
        break;
      case "cl":
        fields.push(`Content-Length: ${m.variant.replaceAll("{n}", n)}`);
        break;
      case "cl-twice":
        fields.push(`Content-Length: ${n}`, `Content-Length: ${Math.max(0, body.length + m.delta)}`);
        break;
      case "te":
        if (m.withCl) fields.push(`Content-Length: ${n}`);
        fields.push(`Transfer-Encoding: ${m.variant}`);
        if (m.chunked) payload = Buffer.concat([bytesOf(body.length.toString(16) + CRLF), body, bytesOf(`${CRLF}0${CRLF}${CRLF}`)]);
        break;
      case "host":
        fields = fields.filter((f) => !f.startsWith("Host:"));
        for (const h of m.hosts) fields.push(`Host: ${h}`);
        break;
    }
    switch (m.kind) {
      case "fold": {
        const i = fields.findIndex((f) => f.toLowerCase().startsWith(m.on));
        if (i >= 0) fields[i] = `${fields[i] ?? ""}${CRLF} x`;
        else fields.push(`X-A: a${CRLF} b`);
        break;
      }
      case "eol":
        eol = { eol: m.eol, where: m.where };
        break;
      case "space-colon":
        fields = fields.map((f) => (f.startsWith("Content-Length:") ? f.replace(":", `${m.space}:`) : f));
        break;
      case "expect":
        fields.push(`Expect: ${m.value}`);
        break;
      case "big-head":
        fields.push(`X-Big: ${"b".repeat(m.size)}`);
        break;
      case "leading":
        prefix = m.prefix;
        break;
      case "upgrade":
        fields.push("Upgrade: websocket");
        break;
      default:
        break;
    }
    const lines = [`${r.method} ${r.target} ${r.version}`, ...fields];
    let head: string;
    if (eol === undefined) head = lines.join(CRLF) + CRLF + CRLF;
    else {
      const at = eol.where % (lines.length + 1);
      head = lines.map((l, i) => l + (i === at ? eol.eol : CRLF)).join("") + (at === lines.length ? eol.eol : CRLF);
    }
    return Buffer.concat([bytesOf(prefix + head), payload]);
  });

const messageArb = fc.oneof(
  { weight: 12, arbitrary: requestArb },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.constant(bytesOf(`GET /keys HTTP/1.1${CRLF}Host: gw${CRLF}${CRLF}`)) },
);

interface Case {
  /** The bytes, as latin1 text (readable in a counterexample). */
  readonly stream: string;
  readonly cuts: number[];
  readonly halfClose: boolean;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    messages: fc.array(messageArb, { minLength: 1, maxLength: 4 }),
    cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
    truncate: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 8, nil: undefined }),
    halfClose: fc.boolean(),
  })
  .map(({ messages, cuts, truncate, halfClose }) => {
    let stream = Buffer.concat(messages).toString("latin1");
    if (truncate !== undefined) stream = stream.slice(0, Math.floor(stream.length * truncate));
    const at = [...new Set(cuts.map((c) => Math.floor(c * stream.length)))].sort((a, b) => a - b);
    return { stream, cuts: at, halfClose };
  });

/**
 * Where messages probably end: after each head, and after the Content-Length bytes its last
 * Content-Length line declares. node:http parses ahead of its answers: a request followed in the
 * same read by bytes it refuses is dropped unanswered (the connection is cut), which depends on
 * how the bytes came, not on where the message ends. Cutting there too keeps that out of the
 * comparison; the random cuts still split heads and bodies anywhere.
 */
function boundaries(stream: string): number[] {
  const out: number[] = [];
  let at = 0;
  for (;;) {
    const end = stream.indexOf("\r\n\r\n", at);
    if (end < 0) return out;
    const lengths = [...stream.slice(at, end).matchAll(/\r\ncontent-length:[ \t]*([0-9]{1,6})[ \t]*(?=\r\n|$)/gi)];
    const length = Number(lengths.at(-1)?.[1] ?? 0);
    out.push(end + 4, end + 4 + length);
    at = end + 4 + length;
  }
}

/** One write; at a message's probable end, the writer waits for an answer (or SETTLE_MS) before the next. */
interface Piece {
  readonly bytes: Buffer;
  readonly settle: boolean;
}

function split(c: Case): Piece[] {
  const out: Piece[] = [];
  let from = 0;
  const ends = new Set(boundaries(c.stream));
  const cuts = [...new Set([...c.cuts, ...ends])].sort((x, y) => x - y);
  for (const at of [...cuts, c.stream.length]) {
    if (at > from && at <= c.stream.length) {
      out.push({ bytes: bytesOf(c.stream.slice(from, at)), settle: ends.has(at) });
      from = at;
    }
  }
  return out;
}

/** At the client's end, a request cut short is refused by both: node:http says 400, the front closes. */
function normalise(o: Outcome, c: Case): Outcome {
  return c.halfClose && o.closed && o.answers.at(-1) === "400 " ? { answers: o.answers.slice(0, -1), closed: true } : o;
}

test("differential: Http1Front and node:http agree on where each message ends, what is accepted, and when the connection closes", async () => {
  const frontAccepted: Accepted = new Map();
  const plainAccepted: Accepted = new Map();
  const front = new Http1Front({
    paths: ["/gateway"],
    maxBodyBytes: MAX_BODY,
    handle: async ({ path, contentType, body, remoteAddress }) => {
      const text = describe("POST", path, contentType, body);
      accept(frontAccepted, remoteAddress, text);
      return { status: 200, headers: { "content-type": "text/plain" }, body: bytesOf(text) };
    },
    record: () => undefined,
    fallback: listener(frontAccepted),
  });
  const plain = createServer(listener(plainAccepted));
  const frontPort = await listen(front);
  const plainPort = await listen(plain);
  let cases = 0;
  let accepted = 0;
  let closedCount = 0;
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(caseArb, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        frontAccepted.clear();
        plainAccepted.clear();
        const runs = batch.map((c, i) => {
          const pieces = split(c);
          const address = `127.0.0.${10 + i}`;
          return { c, address, a: exchange(frontPort, address, pieces, c.halfClose), b: exchange(plainPort, address, pieces, c.halfClose) };
        });
        await Promise.all(runs.flatMap((r) => [r.a.done, r.b.done]));
        for (const { c, address, a, b } of runs) {
          const seen = (): [string, string] => [
            JSON.stringify([frontAccepted.get(address), normalise(a.outcome(), c)]),
            JSON.stringify([plainAccepted.get(address), normalise(b.outcome(), c)]),
          ];
          const same = (): boolean => seen()[0] === seen()[1];
          // The slower side: give it time before calling it a disagreement.
          for (let i = 0; i < 20 && !same(); i++) await new Promise((r) => setTimeout(r, 50));
          cases++;
          accepted += (plainAccepted.get(address) ?? []).filter((x) => x.startsWith('POST "/gateway"')).length;
          if (b.outcome().closed) closedCount++;
          assert.deepEqual(
            { accepted: frontAccepted.get(address), seen: normalise(a.outcome(), c) },
            { accepted: plainAccepted.get(address), seen: normalise(b.outcome(), c) },
            `front (actual) and node:http (expected) differ on ${JSON.stringify(c)}`,
          );
        }
        for (const r of runs) {
          r.a.close();
          r.b.close();
        }
      }),
      { numRuns: Math.max(1, Math.ceil(RUNS / BATCH)), seed: SEED, endOnFailure: true, includeErrorInReport: true },
    );
  } finally {
    front.closeAllConnections();
    plain.closeAllConnections();
    await Promise.all([new Promise((r) => front.close(r)), new Promise((r) => plain.close(r))]);
    console.log(`differential-front: ${cases} generated cases (seed ${SEED}), ${accepted} hot-path requests accepted by both, ${closedCount} connections closed by the server`);
  }
});
