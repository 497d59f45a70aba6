/**
 * The HTTP/1.1 client (http1-client.ts), against real sockets: a node:http target, and raw
 * node:net targets that send exact bytes (framings, interim answers, malformed answers, split
 * packets, random bytes).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import fc from "fast-check";
import { Http1Client, type ExchangeResult, type Http1Request } from "../src/client.js";

interface RawTarget {
  readonly base: URL;
  /** Requests received, one string per request head (body included for content-length). */
  readonly requests: string[];
  connections: number;
  readonly sockets: Set<Socket>;
  close(): Promise<void>;
}

/** A target that answers each request head with `answer(n)` (n counts from 0), written in `pieces`. */
async function rawTarget(answer: (n: number) => string | Buffer | undefined, pieces = 1): Promise<RawTarget> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server: Server = createNetServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let pending = "";
    socket.on("data", (chunk: Buffer) => {
      pending += chunk.toString("latin1");
      for (;;) {
        const end = pending.indexOf("\r\n\r\n");
        if (end < 0) return;
        const length = /\r\ncontent-length: (\d+)/i.exec(pending.slice(0, end));
        const total = end + 4 + (length ? Number(length[1]) : 0);
        if (pending.length < total) return;
        requests.push(pending.slice(0, total));
        pending = pending.slice(total);
        const bytes = answer(requests.length - 1);
        if (bytes === undefined) continue;
        const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, "latin1");
        const size = Math.ceil(buf.length / pieces);
        void (async () => {
          for (let i = 0; i < buf.length; i += size) {
            socket.write(buf.subarray(i, i + size));
            if (pieces > 1) await new Promise((r) => setTimeout(r, 2));
          }
        })();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    base: new URL(`http://127.0.0.1:${port}`),
    requests,
    get connections() {
      return state.connections;
    },
    set connections(v: number) {
      state.connections = v;
    },
    sockets,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const GET: Http1Request = { method: "GET", path: "/v1/x?q=1", headers: ["accept", "application/json"], body: new Uint8Array(0) };

function exchange(client: Http1Client, request: Http1Request = GET): Promise<ExchangeResult> {
  return new Promise((resolve) => client.request(request, resolve));
}

function ok(result: ExchangeResult): { status: number; headers: readonly (readonly [string, string])[]; body: string; trailers: readonly (readonly [string, string])[] } {
  assert.ok(result.ok, `expected an answer, got ${JSON.stringify(result)}`);
  const { status, headers, body, trailers } = result.answer;
  return { status, headers, body: body.toString("latin1"), trailers };
}

const client = (base: URL, connections = 8, maxResponseBytes = 1024): Http1Client => new Http1Client(base, { connections, maxResponseBytes });

test("http1 client: the request on the wire; a Content-Length answer with its fields as sent; the connection reused", async () => {
  const t = await rawTarget(() => "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Dup: a\r\nx-dup: b\r\nContent-Length: 5\r\n\r\nhello");
  const c = client(t.base);
  try {
    const first = ok(await exchange(c));
    assert.equal(first.status, 200);
    assert.equal(first.body, "hello");
    assert.deepEqual(first.headers, [
      ["Content-Type", "text/plain"],
      ["X-Dup", "a"],
      ["x-dup", "b"],
      ["Content-Length", "5"],
    ]);
    ok(await exchange(c, { method: "POST", path: "/v1/y", headers: [], body: Buffer.from("abc") }));
    ok(await exchange(c, { method: "POST", path: "/v1/z", headers: [], body: new Uint8Array(0) }));
    assert.equal(t.connections, 1, "one keep-alive connection for three exchanges");
    assert.equal(t.requests[0], `GET /v1/x?q=1 HTTP/1.1\r\nhost: ${t.base.host}\r\naccept: application/json\r\n\r\n`);
    assert.equal(t.requests[1], `POST /v1/y HTTP/1.1\r\nhost: ${t.base.host}\r\ncontent-length: 3\r\n\r\nabc`);
    assert.equal(t.requests[2], `POST /v1/z HTTP/1.1\r\nhost: ${t.base.host}\r\ncontent-length: 0\r\n\r\n`);
  } finally {
    c.close();
    await t.close();
  }
});

test("http1 client: chunked content with extensions and trailers, even split into 2-byte packets", async () => {
  const answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1A\r\n" + "x".repeat(26) + "\r\n0\r\nX-Checksum: 42\r\n\r\n";
  for (const pieces of [1, answer.length / 2]) {
    const t = await rawTarget(() => answer, pieces);
    const c = client(t.base);
    try {
      const a = ok(await exchange(c));
      assert.equal(a.body, "hello" + "x".repeat(26));
      assert.deepEqual(a.trailers, [["X-Checksum", "42"]]);
      ok(await exchange(c));
      assert.equal(t.connections, 1);
    } finally {
      c.close();
      await t.close();
    }
  }
});

test("http1 client: a close-delimited answer ends with the connection, which is not reused", async () => {
  const t = await rawTarget(() => undefined);
  const server = createNetServer((socket) => {
    socket.on("error", () => undefined);
    socket.once("data", () => socket.end("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const c = client(new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}`));
  try {
    assert.equal(ok(await exchange(c)).body, "until the end");
    assert.equal(ok(await exchange(c)).body, "until the end");
    assert.equal(c.connections, 0);
  } finally {
    c.close();
    await t.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test("http1 client: no content for HEAD, 204 and 304 whatever their fields say; interim 1xx dropped", async () => {
  const answers = [
    "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n",
    "HTTP/1.1 204 No Content\r\nContent-Length: 50\r\n\r\n",
    "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
  ];
  const t = await rawTarget((n) => answers[n]);
  const c = client(t.base);
  try {
    const head = ok(await exchange(c, { ...GET, method: "HEAD" }));
    assert.deepEqual([head.status, head.body], [200, ""]);
    assert.deepEqual([ok(await exchange(c)).status, ok(await exchange(c)).status], [204, 304]);
    const interim = ok(await exchange(c));
    assert.deepEqual([interim.status, interim.body, interim.headers], [201, "ok", [["Content-Length", "2"]]]);
    assert.equal(t.connections, 4, "no connection reused after an answer to HEAD, a 204 or a 304");
  } finally {
    c.close();
    await t.close();
  }
});

test("http1 client: malformed answers fail as malformed and close the connection", async () => {
  const malformed = [
    "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
    "HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabEXTRA",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
    "HTTP/1.1 200 OK\r\nX: a\x01b\r\nContent-Length: 0\r\n\r\n",
  ];
  for (const answer of malformed) {
    const t = await rawTarget(() => answer);
    const c = client(t.base);
    try {
      assert.deepEqual(await exchange(c), { ok: false, failure: "malformed" }, JSON.stringify(answer));
      assert.equal(c.connections, 0, JSON.stringify(answer));
    } finally {
      c.close();
      await t.close();
    }
  }
});

test("http1 client: content over the cap fails as too_large, declared or counted", async () => {
  const answers = ["HTTP/1.1 200 OK\r\nContent-Length: 1025\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n200\r\n" + "a".repeat(512) + "\r\n201\r\n"];
  for (const answer of answers) {
    const t = await rawTarget(() => answer);
    const c = client(t.base);
    try {
      assert.deepEqual(await exchange(c), { ok: false, failure: "too_large" });
    } finally {
      c.close();
      await t.close();
    }
  }
});

test("http1 client: Connection: close and a short Keep-Alive timeout are honoured", async () => {
  const t = await rawTarget((n) =>
    n === 0 ? "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n" : "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=2\r\nContent-Length: 0\r\n\r\n",
  );
  const c = client(t.base);
  try {
    ok(await exchange(c));
    assert.equal(c.connections, 0, "closed after Connection: close");
    ok(await exchange(c));
    assert.equal(c.connections, 1);
    // timeout=2 → idle for at most 1 s.
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(c.connections, 0);
    assert.equal(t.connections, 2);
  } finally {
    c.close();
    await t.close();
  }
});

test("http1 client: at most `connections` at once, the rest wait and are all answered", async () => {
  const target = createHttpServer((_req, res) => setTimeout(() => res.end("done"), 20));
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
  let open = 0;
  let most = 0;
  target.on("connection", (socket: Socket) => {
    most = Math.max(most, ++open);
    socket.on("close", () => open--);
  });
  const c = client(new URL(`http://127.0.0.1:${(target.address() as { port: number }).port}`), 2);
  try {
    const results = await Promise.all(Array.from({ length: 7 }, () => exchange(c)));
    assert.deepEqual(
      results.map((r) => ok(r).body),
      Array(7).fill("done"),
    );
    assert.equal(most, 2);
  } finally {
    c.close();
    target.closeAllConnections();
    await new Promise<void>((r) => target.close(() => r()));
  }
});

test("http1 client: abort closes the connection and never calls back; refused connections and resets fail as error", async () => {
  const t = await rawTarget(() => undefined);
  const c = client(t.base);
  try {
    let called = false;
    const x = c.request(GET, () => (called = true));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(t.sockets.size, 1);
    x.abort();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(t.sockets.size, 0, "the target sees the connection closed");
    assert.equal(called, false);
    assert.equal(c.connections, 0);
  } finally {
    c.close();
    await t.close();
  }
  const refused = client(t.base);
  assert.deepEqual(await exchange(refused), { ok: false, failure: "error" });
  const reset = await rawTarget(() => undefined);
  const r = client(reset.base);
  try {
    const pending = exchange(r);
    await new Promise((res) => setTimeout(res, 50));
    for (const s of reset.sockets) s.resetAndDestroy();
    assert.deepEqual(await pending, { ok: false, failure: "error" });
  } finally {
    r.close();
    await reset.close();
  }
});

test("http1 client: a request HTTP/1.1 cannot carry is refused as invalid, before any connection", async () => {
  const t = await rawTarget(() => "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  const c = client(t.base);
  try {
    for (const bad of [
      { ...GET, method: "GE T" },
      { ...GET, path: "/a b" },
      { ...GET, path: "x" },
      { ...GET, headers: ["x-bad", "a\r\nb"] },
      { ...GET, headers: ["bad name", "a"] },
    ]) {
      assert.deepEqual(await exchange(c, bad), { ok: false, failure: "invalid" }, JSON.stringify(bad));
    }
    assert.equal(t.connections, 0);
  } finally {
    c.close();
    await t.close();
  }
});

test("http1 client: random answers end each exchange exactly once, as an answer or a failure", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
        fc
          .tuple(fc.constantFrom("200 OK", "204 x", "100 Continue", "999 x", "200"), fc.string({ maxLength: 60 }), fc.string({ maxLength: 40 }))
          .map(([status, fields, body]) => Buffer.from(`HTTP/1.1 ${status}\r\n${fields}\r\n\r\n${body}`, "latin1")),
      ),
      async (answer) => {
        const t = await rawTarget(() => answer);
        const c = client(t.base);
        let calls = 0;
        const done = new Promise<void>((resolve) =>
          c.request(GET, () => {
            calls++;
            resolve();
          }),
        );
        // An answer with no framing end waits for the close.
        setTimeout(() => {
          for (const s of t.sockets) s.end();
        }, 30);
        await done;
        await new Promise((r) => setTimeout(r, 10));
        assert.equal(calls, 1);
        c.close();
        await t.close();
      },
    ),
    { numRuns: 80 },
  );
});

test("http1 client: a head over 16 KiB, interim answers over 16 KiB together, and trailers over 16 KiB are malformed", async () => {
  const big = "x".repeat(16 * 1024);
  const answers = [
    `HTTP/1.1 200 OK\r\nX-Big: ${big}\r\nContent-Length: 0\r\n\r\n`,
    "HTTP/1.1 100 Continue\r\nX: y\r\n\r\n".repeat(700) + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Big: ${big}\r\n\r\n`,
  ];
  for (const answer of answers) {
    const t = await rawTarget(() => answer);
    const c = client(t.base);
    try {
      assert.deepEqual(await exchange(c), { ok: false, failure: "malformed" });
    } finally {
      c.close();
      await t.close();
    }
  }
  const t = await rawTarget(() => `HTTP/1.1 200 OK\r\nX-Big: ${"x".repeat(15 * 1024)}\r\nContent-Length: 0\r\n\r\n`);
  const c = client(t.base);
  try {
    assert.equal(ok(await exchange(c)).status, 200, "a head under the bound is read");
  } finally {
    c.close();
    await t.close();
  }
});

test("http1 client: aborting an exchange that was already answered leaves the connection's next exchange alone", async () => {
  const t = await rawTarget((n) => (n === 1 ? undefined : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
  const c = client(t.base);
  try {
    let first: ReturnType<Http1Client["request"]> | undefined;
    await new Promise<void>((resolve) => {
      first = c.request(GET, () => resolve());
    });
    // The second exchange goes on the same connection; the target holds its answer back.
    const second = exchange(c);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(t.requests.length, 2);
    first?.abort();
    assert.equal(c.connections, 1, "the late abort closed nothing");
    for (const s of t.sockets) s.write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond");
    assert.equal(ok(await second).body, "second");
  } finally {
    c.close();
    await t.close();
  }
});
