/**
 * The hot-path listener's own mechanics (http1-front.ts), with a stub hot path: what it answers
 * itself, what it hands to node:http (at a connection's start and between requests, with every
 * unconsumed byte), framing, pipelining, deadlines, draining, and random bytes. The gateway and
 * the relay run on this listener in their own tests.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { RawHttpClient } from "@oblivious/test-kit";
import { Http1Front, MAX_HEAD_BYTES, parseHead, type FrontOptions, type FrontRequest } from "../src/front.js";

const PATHS = ["/gateway", "/.well-known/ohttp-gateway"];

interface Started {
  readonly port: number;
  readonly front: Http1Front;
  readonly fast: string[];
  readonly recorded: { path: string; status: number }[];
  readonly close: () => Promise<void>;
}

/** A front whose hot path answers `fast <content-type> <body>` and whose fallback answers `slow <method> <url> <body>`. */
async function start(options: Partial<FrontOptions> = {}, handleDelayMs = 0): Promise<Started> {
  const fast: string[] = [];
  const recorded: { path: string; status: number }[] = [];
  const front = new Http1Front({
    paths: PATHS,
    maxBodyBytes: 1024,
    handle: async ({ path, contentType, body }) => {
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

const post = (path: string, body: string, extra = ""): string =>
  `POST ${path} HTTP/1.1\r\nHost: gw\r\nContent-Type: message/ohttp-req\r\nContent-Length: ${Buffer.byteLength(body, "latin1")}\r\n${extra}\r\n${body}`;

test("front: the hot path's request shape is answered here, with Date, length and keep-alive; pipelined requests in order", async () => {
  const s = await start();
  const c = new RawHttpClient(s.port);
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
  const c = new RawHttpClient(s.port);
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
  const c = new RawHttpClient(s.port);
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
  const d = new RawHttpClient(s.port);
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
      const c = new RawHttpClient(s.port);
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
  const c = new RawHttpClient(s.port);
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
  const c = new RawHttpClient(s.port);
  const d = new RawHttpClient(s.port);
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
  const head = new RawHttpClient(s.port);
  const body = new RawHttpClient(s.port);
  const idle = new RawHttpClient(s.port);
  try {
    head.send("POST /gateway HTTP/1.1\r\nHost: gw\r\n");
    body.send("POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\nabc");
    idle.send(post("/gateway", "one"));
    assert.equal((await idle.answer()).status, 200);
    // Deadlines are checked every quarter of the shortest one (50 ms here).
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
  const busy = new RawHttpClient(s.port);
  const idle = new RawHttpClient(s.port);
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

test("front: the handler gets the peer's address and only the fields it asked for, joined as node:http joins them", async () => {
  const seen: FrontRequest[] = [];
  const slow: { forwardedFor: string | string[] | undefined; remoteAddress: string | undefined }[] = [];
  const s = await start({
    fields: ["x-forwarded-for", "x-other"],
    handle: async (request) => {
      seen.push(request);
      return { status: 204, headers: {}, body: new Uint8Array(0) };
    },
    fallback: (req, res) => {
      slow.push({ forwardedFor: req.headers["x-forwarded-for"], remoteAddress: req.socket.remoteAddress });
      req.resume();
      req.on("end", () => res.writeHead(204).end());
    },
  });
  const fields = "X-Forwarded-For: 198.51.100.1\r\nUser-Agent: canary-agent\r\nx-forwarded-for:\t 10.0.0.1, 10.0.0.2 \r\nCookie: a=b\r\nX-FORWARDED-FOR: \r\nX-Other: o\r\n";
  const c = new RawHttpClient(s.port, { localAddress: "127.0.0.42" });
  try {
    c.send(post("/gateway", "abc", fields) + post("/gateway", "plain"));
    assert.equal((await c.answer()).status, 204);
    assert.equal((await c.answer()).status, 204);
    // The same head on a path the front does not take: node:http's own view of the fields.
    c.send(post("/gateway?via=node", "abc", fields));
    assert.equal((await c.answer()).status, 204);
  } finally {
    c.destroy();
    await s.close();
  }
  const [withFields, without] = seen;
  assert.ok(withFields !== undefined && without !== undefined);
  assert.equal(withFields.remoteAddress, "127.0.0.42");
  assert.equal(withFields.body.toString(), "abc");
  assert.deepEqual(
    withFields.fields,
    new Map([
      ["x-forwarded-for", "198.51.100.1, 10.0.0.1, 10.0.0.2, "],
      ["x-other", "o"],
    ]),
  );
  assert.equal(without.fields.size, 0, "a field not sent is absent");
  assert.deepEqual(slow, [{ forwardedFor: withFields.fields.get("x-forwarded-for"), remoteAddress: "127.0.0.42" }]);
});

test("front: a body late by bodyTimeoutMs gets the service's own answer, recorded, and the connection closes", async () => {
  const s = await start({
    bodyTimeoutMs: 200,
    timedOut: (path) => ({ status: 408, headers: { "content-type": "text/plain", "cache-control": "no-store" }, body: Buffer.from(`late ${path}`) }),
  });
  const c = new RawHttpClient(s.port);
  try {
    const started = performance.now();
    c.send("POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\nabc");
    const a = await c.answer(3000);
    const took = performance.now() - started;
    assert.equal(a.status, 408);
    assert.equal(a.body, "late /gateway");
    assert.equal(a.headers.get("cache-control"), "no-store");
    assert.equal(a.headers.get("connection"), "close");
    assert.ok(took >= 190 && took < 1000, `answered after ${took} ms`);
    assert.ok(await c.closedWithin(1000));
    assert.deepEqual(s.recorded, [{ path: "/gateway", status: 408 }]);
    assert.deepEqual(s.fast, []);
  } finally {
    c.destroy();
    await s.close();
  }
});

test("front: a client gone mid-body is reported once to `aborted`; one cut by the server, or mid-head, is not", async () => {
  const aborted: string[] = [];
  const s = await start({ aborted: (path) => aborted.push(path) });
  const partial = "POST /.well-known/ohttp-gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\nabc";
  const ended = new RawHttpClient(s.port);
  const reset = new RawHttpClient(s.port);
  const midHead = new RawHttpClient(s.port);
  const cut = new RawHttpClient(s.port);
  try {
    ended.send(partial);
    reset.send(partial);
    midHead.send("POST /gateway HTTP/1.1\r\nHost: g");
    await new Promise((r) => setTimeout(r, 50));
    ended.socket.end();
    reset.socket.resetAndDestroy();
    midHead.socket.end();
    assert.ok(await ended.closedWithin(1000));
    assert.ok(await midHead.closedWithin(1000));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(aborted, ["/.well-known/ohttp-gateway", "/.well-known/ohttp-gateway"]);
    cut.send(partial);
    await new Promise((r) => setTimeout(r, 50));
    s.front.closeAllConnections();
    assert.ok(await cut.closedWithin(1000));
    assert.equal(aborted.length, 2);
  } finally {
    for (const c of [ended, reset, midHead, cut]) c.destroy();
    await s.close();
  }
});

test("front: node:http's own deadlines hold on a connection handed over (checked as often as the front's)", async () => {
  const s = await start({ headersTimeoutMs: 200, requestTimeoutMs: 400 });
  const c = new RawHttpClient(s.port);
  try {
    // Chunked: node:http's to read, and its last chunk never comes.
    c.send("POST /gateway HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    const started = performance.now();
    const a = await c.answer(3000);
    assert.equal(a.status, 408);
    assert.ok(performance.now() - started < 1500, "node:http checks its connections every 50 ms here, not every 30 s (its default)");
    assert.ok(await c.closedWithin(1000));
  } finally {
    c.destroy();
    await s.close();
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
          const c = new RawHttpClient(s.port);
          c.send(Buffer.from(bytes));
          c.socket.end();
          // Either some answer arrives, or the connection is closed (a request never finished).
          await c.closedWithin(3000);
          c.destroy();
        },
      ),
      { numRuns: 60 },
    );
    const c = new RawHttpClient(s.port);
    c.send(post("/gateway", "alive"));
    assert.equal((await c.answer()).body, "fast message/ohttp-req alive");
    c.destroy();
  } finally {
    await s.close();
  }
});
