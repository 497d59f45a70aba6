/**
 * Differential fuzzing of Http1Client against node:http's client (http.request, no keep-alive):
 * generated answer byte streams (Content-Length, chunked, no content by rule, interim answers,
 * stray bytes after, duplicate and conflicting Content-Length, other transfer codings, bad status
 * lines, obs-fold, bare CR and LF, control bytes), split at random points across writes, served
 * by a raw node:net server to both. Case for case: when both accept, status and body bytes agree;
 * Http1Client never accepts what node:http rejects; it may reject what node:http accepts (it is
 * stricter), and then fails the exchange cleanly. When stray bytes follow an answer, a second
 * request never goes on that connection.
 *
 * Budget: HTTP1_FUZZ_RUNS (default 250), seed: HTTP1_FUZZ_SEED (default fixed).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest, Agent } from "node:http";
import { createServer, type Socket } from "node:net";
import fc from "fast-check";
import { Http1Client, type ExchangeResult } from "../src/client.js";

const RUNS = Number(process.env["HTTP1_FUZZ_RUNS"] ?? 250);
const SEED = Number(process.env["HTTP1_FUZZ_SEED"] ?? 150015);

interface Case {
  readonly method: "GET" | "HEAD";
  readonly bytes: Buffer;
  /** Where the bytes are cut into separate writes. */
  readonly cuts: readonly number[];
  /** Bytes follow a complete answer. */
  readonly stray: boolean;
}

type Outcome = { readonly ok: true; readonly status: number; readonly body: string } | { readonly ok: false };

const body = fc.string({ unit: fc.constantFrom("a", "b", "\r", "\n", "0", "~", "\x00", "\xff"), maxLength: 40 });
const okStatus = fc.constantFrom("HTTP/1.1 200 OK", "HTTP/1.1 200", "HTTP/1.1 201 Created", "HTTP/1.0 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 500 x y z", "HTTP/1.1 299 \x80");
const badStatus = fc.constantFrom("HTTP/1.1 20 OK", "HTTP/2 200 OK", "http/1.1 200 OK", "HTTP/1.1 2000 OK", "HTTP/1.1  200 OK", "HTTP/1.1 200 O\x01K", "HTTP/1.2 200 OK", "HTTP/1.1 200 OK\r", " HTTP/1.1 200 OK");
const extraField = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom("X-A: b", "X-A:b", "X-A: b\t", "Connection: keep-alive", "Connection: close", "Keep-Alive: timeout=5", "X-A: \x80\xff") },
  { weight: 1, arbitrary: fc.constantFrom("X-Folded: a\r\n b", "X-A: b\nX-B: c", "X-A: b\rc", "X-A: b\x01c", "X-A : b", ": b", "X A: b", "X-A: \x7f", "X-A\r\n") },
);
const interim = fc.constantFrom("HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", "HTTP/1.1 102 x\r\nContent-Length: 3\r\n\r\n");

const chunkExt = fc.oneof({ weight: 4, arbitrary: fc.constantFrom("", ";x", ";x=y", ';x="a b"') }, { weight: 1, arbitrary: fc.constantFrom(" ", " ;x", ";", "\t", ";x=", ";x y") });
const trailer = fc.oneof({ weight: 4, arbitrary: fc.constantFrom("", "T: 1\r\n") }, { weight: 1, arbitrary: fc.constantFrom("T : 1\r\n", "T: 1\n", "Content-Length: 3\r\n") });
const coding = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("chunked", "Chunked") },
  { weight: 1, arbitrary: fc.constantFrom("gzip, chunked", "chunked, gzip", "gzip", "identity", "chunked\r\nTransfer-Encoding: chunked", " chunked") },
);
const chunkedContent = fc
  .tuple(fc.array(body, { maxLength: 3 }), chunkExt, trailer, fc.constantFrom("", "", "", "0", "00"), fc.constantFrom("\r\n", "\r\n", "\r\n", "\n", "x\r\n"))
  .map(([chunks, ext, t, pad, end]) => chunks.filter((c) => c !== "").map((c) => `${pad}${c.length.toString(16)}${ext}\r\n${c}${end}`).join("") + `0\r\n${t}\r\n`);

/** Content framed one way or another: the field lines and the bytes after the head. */
const framed = fc.oneof(
  { weight: 6, arbitrary: body.map((b) => ({ fields: [`Content-Length: ${b.length}`], content: b })) },
  { weight: 4, arbitrary: fc.tuple(chunkedContent, coding).map(([content, c]) => ({ fields: [`Transfer-Encoding: ${c}`], content })) },
  { weight: 2, arbitrary: body.map((b) => ({ fields: [] as string[], content: b })) },
  {
    weight: 4,
    arbitrary: fc.oneof(
      body.map((b) => ({ fields: [`Content-Length: ${b.length}`, `Content-Length: ${b.length}`], content: b })),
      body.map((b) => ({ fields: [`Content-Length: ${b.length}`, `Content-Length: ${b.length + 1}`], content: b })),
      body.map((b) => ({ fields: [`Content-Length: ${b.length}, ${b.length}`], content: b })),
      fc.tuple(body, fc.constantFrom("+", "0", "00", " ", "-", "0x", "\t")).map(([b, p]) => ({ fields: [`Content-Length: ${p}${b.length}`], content: b })),
      body.map((b) => ({ fields: ["Transfer-Encoding: chunked", `Content-Length: ${b.length}`], content: `${b.length.toString(16)}\r\n${b}\r\n0\r\n\r\n` })),
      body.map((b) => ({ fields: [`Content-Length: ${b.length + 3}`], content: b })),
    ),
  },
);

const answerCase: fc.Arbitrary<Case> = fc
  .record({
    method: fc.constantFrom<"GET" | "HEAD">("GET", "GET", "GET", "HEAD"),
    interims: fc.array(interim, { maxLength: 2 }),
    status: fc.oneof({ weight: 6, arbitrary: okStatus }, { weight: 1, arbitrary: badStatus }, { weight: 2, arbitrary: fc.constantFrom("HTTP/1.1 204 No Content", "HTTP/1.1 304 Not Modified") }),
    fields: fc.array(extraField, { maxLength: 2 }),
    framed,
    stray: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray", "\r\n", "x", "0\r\n\r\n") },
    ),
    cuts: fc.array(fc.nat(), { maxLength: 3 }),
  })
  .map(({ method, interims, status, fields, framed: { fields: framing, content }, stray, cuts }) => {
    const head = `${interims.join("")}${status}\r\n${[...fields, ...framing].map((f) => `${f}\r\n`).join("")}\r\n`;
    const text = head + content + (stray ?? "");
    return { method, bytes: Buffer.from(text, "latin1"), cuts: cuts.map((c) => c % (text.length + 1)).sort((a, b) => a - b), stray: stray !== undefined };
  });

const SECOND = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nSECOND";

/**
 * Serves one case: the first request on each of the first two connections (node:http's and
 * Http1Client's) gets the case's bytes, then the FIN; any other request gets SECOND.
 */
async function serve(c: Case): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    const nth = ++accepted;
    sockets.add(socket);
    socket.on("error", () => undefined);
    let seen = "";
    let requests = 0;
    socket.on("data", (chunk: Buffer) => {
      seen += chunk.toString("latin1");
      while (seen.includes("\r\n\r\n")) {
        seen = seen.slice(seen.indexOf("\r\n\r\n") + 4);
        if (++requests > 1 || nth > 2) {
          socket.write(SECOND);
          continue;
        }
        void (async () => {
          let at = 0;
          for (const cut of [...c.cuts, c.bytes.length]) {
            if (cut > at) socket.write(c.bytes.subarray(at, cut));
            at = Math.max(at, cut);
            await new Promise((r) => setImmediate(r));
          }
          // Long enough for a second request; the FIN ends a close-delimited answer.
          setTimeout(() => socket.end(), 60);
        })();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as { port: number }).port,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function viaNode(port: number, method: string): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      resolve(o);
    };
    const req = httpRequest({ host: "127.0.0.1", port, method, path: "/", agent: new Agent({ keepAlive: false }), timeout: 1000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => settle({ ok: true, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("latin1") }));
      res.on("error", () => settle({ ok: false }));
      res.on("aborted", () => settle({ ok: false }));
    });
    req.on("error", () => settle({ ok: false }));
    req.on("timeout", () => (req.destroy(), settle({ ok: false })));
    req.on("upgrade", (_res, socket: Socket) => (socket.destroy(), settle({ ok: false })));
    req.end();
  });
}

function viaClient(client: Http1Client, method: string): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => (x.abort(), resolve({ ok: false, failure: "error" })), 1000);
    const x = client.request({ method, path: "/", headers: [], body: new Uint8Array(0) }, (r) => (clearTimeout(timer), resolve(r)));
  });
}

test("http1 client differential: Http1Client against node:http's client over generated answers", async () => {
  const counts = { cases: 0, bothAccepted: 0, bothRejected: 0, stricter: 0, strayChecked: 0 };
  await fc.assert(
    fc.asyncProperty(answerCase, async (c) => {
      counts.cases++;
      const target = await serve(c);
      const client = new Http1Client(new URL(`http://127.0.0.1:${target.port}`), { connections: 1, maxResponseBytes: 1 << 20 });
      try {
        const [node, ours] = await Promise.all([viaNode(target.port, c.method), viaClient(client, c.method)]);
        const label = JSON.stringify(c.bytes.toString("latin1"));
        if (ours.ok) {
          assert.ok(node.ok, `Http1Client accepted what node:http rejects: ${c.method} ${label}`);
          assert.deepEqual([ours.answer.status, ours.answer.body.toString("latin1")], [node.status, node.body], `${c.method} ${label}`);
          counts.bothAccepted++;
          if (c.stray) {
            // The stray bytes arrive on the idle connection (or arrived with the answer): a
            // second request goes on a new connection and gets its own answer.
            await new Promise((r) => setTimeout(r, 10));
            const second = await viaClient(client, "GET");
            assert.ok(second.ok && second.answer.body.toString("latin1") === "SECOND", `second answer after stray bytes: ${label}`);
            assert.equal(target.accepted(), 3, `the connection that carried stray bytes was reused: ${label}`);
            counts.strayChecked++;
          }
        } else if (node.ok) {
          counts.stricter++;
          if (process.env["DBG"] !== undefined && counts.stricter < 40) console.log("stricter", c.method, JSON.stringify(c.bytes.toString("latin1")));
        }
        else {
          counts.bothRejected++;
          if (process.env["DBG"] !== undefined && counts.bothRejected < 12) console.log("both rejected", c.method, JSON.stringify(c.bytes.toString("latin1")));
        }
      } catch (e) {
        console.log(`http1 client differential failure: ${(e as Error).message}`);
        throw e;
      } finally {
        client.close();
        await target.close();
      }
    }),
    { numRuns: RUNS, seed: SEED },
  );
  console.log(
    `http1 client differential: ${counts.cases} generated answers (seed ${SEED}): ${counts.bothAccepted} accepted by both, ${counts.bothRejected} rejected by both, ${counts.stricter} rejected by Http1Client only, ${counts.strayChecked} stray-byte cases checked for no reuse`,
  );
});
