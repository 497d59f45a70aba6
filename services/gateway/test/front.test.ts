/**
 * The public listener's own mechanics (front.ts), with a stub hot path: what it answers itself,
 * what it hands to node:http (at a connection's start and between requests, with every unconsumed
 * byte), framing, pipelining, deadlines, draining, and random bytes. The whole gateway runs on
 * this listener in every other gateway test.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import fc from "fast-check";
import { GatewayFront, MAX_HEAD_BYTES, parseHead, type FrontOptions } from "../src/front.js";

const PATHS = ["/gateway", "/.well-known/ohttp-gateway"];

interface Started {
  readonly port: number;
  readonly front: GatewayFront;
  readonly fast: string[];
  readonly recorded: { path: string; status: number }[];
  readonly close: () => Promise<void>;
}

/** A front whose hot path answers `fast <content-type> <body>` and whose fallback answers `slow <method> <url> <body>`. */
async function start(options: Partial<FrontOptions> = {}, handleDelayMs = 0): Promise<Started> {
  const fast: string[] = [];
  const recorded: { path: string; status: number }[] = [];
  const front = new GatewayFront({
    paths: PATHS,
    maxBodyBytes: 1024,
    handle: async (path, contentType, body) => {
      fast.push(path);
      if (handleDelayMs > 0) await new Promise((r) => setTimeout(r, handleDelayMs));
      return { status: 200, headers: { "content-type": "text/plain" }, body: Buffer.from(`fast ${contentType ?? "-"} ${body.toString("latin1")}`) };
    },
    record: (path, status) => recorded.push({ path, status }),
    fallback: (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = `slow ${req.method} ${req.url} ${Buffer.concat(chunks).toString("latin1")}`;
        res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(body) }).end(body);
      });
    },
    ...options,
  });
  await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
  const { port } = front.address() as { port: number };
  return {
    port,
    front,
    fast,
    recorded,
    close: () =>
      new Promise<void>((r) => {
        front.closeAllConnections();
        front.close(() => r());
      }),
  };
}

interface Answer {
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly body: string;
}

/** Reads answers off a raw socket: a minimal HTTP/1.1 response reader (content-length framing only). */
class RawClient {
  readonly socket: Socket;
  #buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  closed = false;

  constructor(port: number) {
    this.socket = connect(port, "127.0.0.1");
    this.socket.on("data", (c: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, c]);
      this.#wake();
    });
    this.socket.on("close", () => {
      this.closed = true;
      this.#wake();
    });
    this.socket.on("error", () => undefined);
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  send(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  async answer(timeoutMs = 5000): Promise<Answer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.#buffer.indexOf("\r\n\r\n");
      if (end >= 0) {
        const lines = this.#buffer.toString("latin1", 0, end).split("\r\n");
        const headers = new Map(
          lines.slice(1).map((l) => {
            const i = l.indexOf(":");
            return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()] as [string, string];
          }),
        );
        const length = Number(headers.get("content-length") ?? "0");
        if (this.#buffer.length >= end + 4 + length) {
          const body = this.#buffer.toString("latin1", end + 4, end + 4 + length);
          this.#buffer = this.#buffer.subarray(end + 4 + length);
          return { status: Number(lines[0]?.split(" ")[1]), headers, body };
        }
      }
      if (this.closed) throw new Error("closed before a whole answer");
      if (Date.now() > deadline) throw new Error("no answer in time");
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  async closedWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const post = (path: string, body: string, extra = ""): string =>
  `POST ${path} HTTP/1.1\r\nHost: gw\r\nContent-Type: message/ohttp-req\r\nContent-Length: ${Buffer.byteLength(body, "latin1")}\r\n${extra}\r\n${body}`;

test("front: the hot path's request shape is answered here, with Date, length and keep-alive; pipelined requests in order", async () => {
  const s = await start();
  const c = new RawClient(s.port);
  try {
    c.send(post("/gateway", "one") + post("/.well-known/ohttp-gateway", "two") + post("/gateway", ""));
    const a = await c.answer();
    const b = await c.answer();
    const e = await c.answer();
    assert.equal(a.status, 200);
    assert.equal(a.body, "fast message/ohttp-req one");
    assert.equal(b.body, "fast message/ohttp-req two");
    assert.equal(e.body, "fast message/ohttp-req ");
    assert.equal(a.headers.get("connection"), "keep-alive");
    assert.equal(a.headers.get("keep-alive"), "timeout=5");
    assert.equal(a.headers.get("content-type"), "text/plain");
    assert.match(a.headers.get("date") ?? "", /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    assert.deepEqual(s.fast, ["/gateway", "/.well-known/ohttp-gateway", "/gateway"]);
    assert.deepEqual(
      s.recorded.map((r) => r.status),
      [200, 200, 200],
    );
  } finally {
    c.destroy();
    await s.close();
  }
});

test("front: a body split across many packets, and a head split byte by byte, are reassembled", async () => {
  const s = await start();
  const c = new RawClient(s.port);
  try {
    const request = post("/gateway", "x".repeat(900));
    for (let i = 0; i < 120; i++) {
      c.send(request.slice(i, i + 1));
      await new Promise((r) => setImmediate(r));
    }
    c.send(request.slice(120));
    const a = await c.answer();
    assert.equal(a.body, `fast message/ohttp-req ${"x".repeat(900)}`);
  } finally {
    c.destroy();
    await s.close();
  }
});

test("front: anything else goes to node:http with every unconsumed byte, at the start and between requests", async () => {
  const s = await start();
  const c = new RawClient(s.port);
  try {
    // Fast, then a GET (handed over together with the POST pipelined behind it), then more on node:http.
    c.send(post("/gateway", "first"));
    assert.equal((await c.answer()).body, "fast message/ohttp-req first");
    c.send("GET /ohttp-keys HTTP/1.1\r\nHost: gw\r\n\r\n" + post("/gateway", "after"));
    assert.equal((await c.answer()).body, "slow GET /ohttp-keys ");
    assert.equal((await c.answer()).body, "slow POST /gateway after");
    c.send(post("/gateway", "still"));
    assert.equal((await c.answer()).body, "slow POST /gateway still");
    assert.deepEqual(s.fast, ["/gateway"]);
  } finally {
    c.destroy();
  }
  // At a connection's first byte: a chunked body, whose later chunks come after the hand-over.
  const d = new RawClient(s.port);
  try {
    d.send("POST /gateway HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    await new Promise((r) => setTimeout(r, 50));
    d.send("2\r\nde\r\n0\r\n\r\n");
    assert.equal((await d.answer()).body, "slow POST /gateway abcde");
  } finally {
    d.destroy();
    await s.close();
  }
});

test("front: heads outside the subset are node:http's to judge (it refuses the malformed ones)", async () => {
  const s = await start();
  const cases: { head: string; status: number; slow?: string }[] = [
    { head: "POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab", status: 400 },
    { head: "POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", status: 400 },
    { head: "POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length : 2\r\n\r\nab", status: 400 },
    { head: "POST /gateway HTTP/1.1\r\nHost: gw\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nab", status: 400 },
    { head: "POST /gateway HTTP/1.1\r\nContent-Length: 2\r\n\r\nab", status: 400 },
    { head: "POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: +2\r\n\r\nab", status: 400 },
    { head: "POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 2000\r\n\r\n", status: 200, slow: "slow POST /gateway " },
    { head: "POST /gateway?x=1 HTTP/1.1\r\nHost: gw\r\nContent-Length: 1\r\n\r\nq", status: 200, slow: "slow POST /gateway?x=1 q" },
    { head: "POST /gateway HTTP/1.0\r\nHost: gw\r\nContent-Length: 1\r\n\r\nq", status: 200, slow: "slow POST /gateway q" },
    { head: "post /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 1\r\n\r\nq", status: 400 },
    { head: "POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 1\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\nq", status: 200, slow: "slow POST /gateway q" },
  ];
  try {
    for (const { head, status, slow } of cases) {
      const c = new RawClient(s.port);
      try {
        // A body over the limit is not read by the stub; send its bytes anyway.
        c.send(head.includes("2000") ? head + "z".repeat(2000) : head);
        const a = await c.answer();
        assert.equal(a.status, status, JSON.stringify(head));
        if (slow !== undefined) assert.equal(a.body, head.includes("2000") ? `slow POST /gateway ${"z".repeat(2000)}` : slow, JSON.stringify(head));
      } finally {
        c.destroy();
      }
    }
    assert.deepEqual(s.fast, [], "none of these was answered on the hot path");
  } finally {
    await s.close();
  }
});

test("front: a head over 16 KiB goes to node:http, which answers 431", async () => {
  const s = await start();
  const c = new RawClient(s.port);
  try {
    c.send(`POST /gateway HTTP/1.1\r\nHost: gw\r\nX-Big: ${"a".repeat(MAX_HEAD_BYTES + 100)}\r\nContent-Length: 1\r\n\r\nq`);
    assert.equal((await c.answer()).status, 431);
  } finally {
    c.destroy();
    await s.close();
  }
});

test("front: Connection: close is honoured; a half-closed client still gets its answer", async () => {
  const s = await start({}, 30);
  const c = new RawClient(s.port);
  const d = new RawClient(s.port);
  try {
    c.send(post("/gateway", "bye", "Connection: close\r\n"));
    const a = await c.answer();
    assert.equal(a.headers.get("connection"), "close");
    assert.ok(await c.closedWithin(2000));
    d.send(post("/gateway", "half"));
    d.socket.end();
    assert.equal((await d.answer()).body, "fast message/ohttp-req half");
    assert.ok(await d.closedWithin(2000));
  } finally {
    c.destroy();
    d.destroy();
    await s.close();
  }
});

test("front: deadlines: 408 for a head or a body that does not finish, idle keep-alive closed", async () => {
  const s = await start({ headersTimeoutMs: 200, requestTimeoutMs: 400, keepAliveTimeoutMs: 300 });
  const head = new RawClient(s.port);
  const body = new RawClient(s.port);
  const idle = new RawClient(s.port);
  try {
    head.send("POST /gateway HTTP/1.1\r\nHost: gw\r\n");
    body.send("POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\nabc");
    idle.send(post("/gateway", "one"));
    assert.equal((await idle.answer()).status, 200);
    // The sweep runs once a second.
    const late = await head.answer(4000);
    assert.equal(late.status, 408);
    assert.equal(late.headers.get("content-type"), "application/problem+json");
    assert.deepEqual(JSON.parse(late.body), { type: "about:blank", title: "Request Timeout", status: 408 });
    assert.equal((await body.answer(4000)).status, 408);
    assert.ok(await idle.closedWithin(4000), "an idle keep-alive connection is closed");
  } finally {
    head.destroy();
    body.destroy();
    idle.destroy();
    await s.close();
  }
});

test("front: draining closes idle connections, answers the one in flight with Connection: close, then closes", async () => {
  const s = await start({}, 300);
  const busy = new RawClient(s.port);
  const idle = new RawClient(s.port);
  try {
    idle.send(post("/gateway", "warm"));
    await idle.answer();
    busy.send(post("/gateway", "slow"));
    await new Promise((r) => setTimeout(r, 50));
    const closed = new Promise<void>((r) => s.front.close(() => r()));
    s.front.closeIdleConnections();
    assert.ok(await idle.closedWithin(1000));
    const a = await busy.answer();
    assert.equal(a.body, "fast message/ohttp-req slow");
    assert.equal(a.headers.get("connection"), "close");
    await closed;
  } finally {
    busy.destroy();
    idle.destroy();
  }
});

test("front: parseHead accepts exactly the subset (case-insensitive names, trimmed values) and nothing else", () => {
  const ok = parseHead("POST /gateway HTTP/1.1\r\nhOsT: gw\r\ncontent-length:\t12 \r\nCONTENT-TYPE:  message/ohttp-req\r\nconnection: Keep-Alive", PATHS, 100);
  assert.deepEqual(ok, { path: "/gateway", contentType: "message/ohttp-req", length: 12, close: false });
  assert.equal(parseHead("POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 101", PATHS, 100), undefined);
  assert.equal(parseHead("POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 1\r\nExpect: 100-continue", PATHS, 100), undefined);
  assert.equal(parseHead("POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 1\r\nTransfer-Encoding: identity", PATHS, 100), undefined);
  assert.equal(parseHead("POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 1\r\nX: a\x00b", PATHS, 100), undefined);
  assert.equal(parseHead("POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 1\r\nContent-Type: a\r\nContent-Type: b", PATHS, 100), undefined);
  assert.equal(parseHead("POST  /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 1", PATHS, 100), undefined);
  assert.equal(parseHead("POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 1\r\n", PATHS, 100), undefined);
});

test("front: random bytes never crash it; each connection is answered or closed, and the listener keeps serving", async () => {
  const s = await start({ headersTimeoutMs: 300, requestTimeoutMs: 300, keepAliveTimeoutMs: 300 });
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc
            .tuple(fc.constantFrom(...PATHS, "/x"), fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 60 }))
            .map(([path, junk, tail]) => Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: gw\r\n${junk}\r\n\r\n`, "latin1"), tail])),
        ),
        async (bytes) => {
          const c = new RawClient(s.port);
          c.send(Buffer.from(bytes));
          c.socket.end();
          // Either some answer arrives, or the connection is closed (a request never finished).
          await c.closedWithin(3000);
          c.destroy();
        },
      ),
      { numRuns: 60 },
    );
    const c = new RawClient(s.port);
    c.send(post("/gateway", "alive"));
    assert.equal((await c.answer()).body, "fast message/ohttp-req alive");
    c.destroy();
  } finally {
    await s.close();
  }
});
