/**
 * The client against targets that send bytes nobody asked for, over real sockets: a stray answer
 * or stray bytes in the same packet as an answer, a turn later, a moment later while the
 * connection is idle, and landing just before the next request is written; bodies after answers
 * that have none by rule (HEAD, 204, 304); a late second answer after an error. Every request
 * carries a unique id that the target echoes: no request may ever get an answer that is not its
 * own; it gets its own or fails.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Http1Client, type ExchangeResult } from "../src/client.js";
import { answerFor, idTarget, type IdTarget, type Misbehave } from "./client-targets.js";

let counter = 0;
const nextId = (): string => `req-${process.pid}-${++counter}`;

function ask(client: Http1Client, id: string, method = "GET"): Promise<ExchangeResult> {
  return new Promise((resolve) => client.request({ method, path: "/v1/search", headers: ["x-id", id], body: new Uint8Array(0) }, resolve));
}

/** The request got its own answer, or failed; never anything else. */
function ownOrFailed(result: ExchangeResult, id: string, method = "GET"): "own" | "failed" {
  if (!result.ok) return "failed";
  const body = result.answer.body.toString("latin1");
  assert.equal(body, method === "HEAD" ? "" : `answer:${id}`, `request ${id} got an answer that is not its own: ${JSON.stringify(body)}`);
  return "own";
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function withTarget(misbehave: Misbehave, body: (t: IdTarget, c: Http1Client) => Promise<void>): Promise<void> {
  const t = await idTarget(misbehave);
  const c = new Http1Client(t.base, { connections: 4, maxResponseBytes: 4096 });
  try {
    await body(t, c);
  } finally {
    c.close();
    await t.close();
  }
}

/** The first request is answered with `first`; every later one honestly. */
const once =
  (first: (id: string, answer: string) => ReturnType<Misbehave>): Misbehave =>
  (request, answer) =>
    request.id.endsWith(":bad") ? first(request.id, answer) : [answer];

test("http1 client stray: a stray answer in the same packet fails that exchange and closes its connection; the next request gets its own answer", async () => {
  await withTarget(
    once((_id, answer) => [answer + answerFor("answer:someone-else")]),
    async (t, c) => {
      assert.equal(ownOrFailed(await ask(c, `${nextId()}:bad`), ""), "failed");
      for (let i = 0; i < 3; i++) {
        const id = nextId();
        assert.equal(ownOrFailed(await ask(c, id), id), "own");
      }
      assert.equal(t.accepted(), 4, "the tainted connection was closed, and the origin gets one exchange per connection for a while");
    },
  );
});

test("http1 client stray: a stray answer a turn after the answer, the next request sent at once: never read as the next answer", async () => {
  for (const stray of [answerFor("answer:someone-else"), "\r\n", "x"]) {
    await withTarget(
      once((_id, answer) => [answer, stray]),
      async (t, c) => {
        const badId = `${nextId()}:bad`;
        // Its own answer, or a failure when the stray arrived in the same read.
        ownOrFailed(await ask(c, badId), badId);
        // Sent in the same turn as the answer arrived: the stray is one turn behind.
        const ids = [nextId(), nextId(), nextId()];
        const results = await Promise.all(ids.map((id) => ask(c, id)));
        results.forEach((r, i) => assert.equal(ownOrFailed(r, ids[i] as string), "own", JSON.stringify(stray)));
        assert.ok(t.accepted() >= 2, "the connection that got the stray was not reused");
      },
    );
  }
});

test("http1 client stray: stray bytes a moment later, while the connection is idle, close it and fail nothing", async () => {
  await withTarget(
    once((_id, answer) => [answer, { delayMs: 10, bytes: answerFor("answer:late") }]),
    async (t, c) => {
      const badId = `${nextId()}:bad`;
      assert.equal(ownOrFailed(await ask(c, badId), badId), "own");
      assert.equal(c.connections, 1);
      for (let waited = 0; c.connections > 0 && waited < 2000; waited += 5) await sleep(5);
      assert.equal(c.connections, 0, "closed as the unasked bytes arrived");
      for (let i = 0; i < 3; i++) {
        const id = nextId();
        assert.equal(ownOrFailed(await ask(c, id), id), "own");
      }
      assert.equal(t.accepted(), 4, "after bytes unasked, the origin gets one exchange per connection");
    },
  );
});

test("http1 client stray: stray bytes that land on an idle connection just before the next request is written never become its answer", async () => {
  await withTarget(honest(), async (t, c) => {
    const first = nextId();
    assert.equal(ownOrFailed(await ask(c, first), first), "own");
    await sleep(5);
    for (let round = 0; round < 5; round++) {
      const ids = [nextId(), nextId()];
      // In one callback: the target writes a stray answer on every open connection (loopback
      // delivers it to the client's socket at once), then the client is asked.
      const results = await new Promise<ExchangeResult[]>((resolve) =>
        setTimeout(() => {
          for (const s of t.sockets) s.write(answerFor(`answer:${first}`));
          void Promise.all(ids.map((id) => ask(c, id))).then(resolve);
        }, 2),
      );
      results.forEach((r, i) => assert.equal(ownOrFailed(r, ids[i] as string), "own"));
    }
  });
});

test("http1 client stray: a body after an answer to HEAD, and after 204 and 304, in the same packet or a turn later, never reaches another request", async () => {
  const cases: { readonly method: string; readonly answer: (id: string) => string; readonly stray: string }[] = [
    { method: "HEAD", answer: (id) => answerFor(`answer:${id}`).replace(/answer:.*$/, ""), stray: "answer:someone-else" },
    { method: "GET", answer: () => "HTTP/1.1 204 No Content\r\nContent-Length: 19\r\n\r\n", stray: "answer:someone-else" },
    { method: "GET", answer: () => "HTTP/1.1 304 Not Modified\r\nContent-Length: 19\r\n\r\n", stray: "answer:someone-else" },
    { method: "GET", answer: () => "HTTP/1.1 204 No Content\r\n\r\n", stray: answerFor("answer:someone-else") },
  ];
  for (const { method, answer, stray } of cases) {
    for (const together of [true, false]) {
      await withTarget(
        once((id) => (together ? [answer(id) + stray] : [answer(id), stray])),
        async (_t, c) => {
          const badId = `${nextId()}:bad`;
          const first = await ask(c, badId, method);
          if (together) assert.equal(first.ok, false, "bytes after a bodiless answer in the same read fail it");
          else if (first.ok) assert.equal(first.answer.body.length, 0);
          const ids = [nextId(), nextId()];
          const results = await Promise.all(ids.map((id) => ask(c, id)));
          results.forEach((r, i) => assert.equal(ownOrFailed(r, ids[i] as string), "own", `${method} ${together}`));
        },
      );
    }
  }
});

test("http1 client stray: a late second answer after an error goes to nobody", async () => {
  await withTarget(
    once((id) => [answerFor("error", 500), { delayMs: 60, bytes: answerFor(`answer:${id}`) }]),
    async (t, c) => {
      const bad = await ask(c, `${nextId()}:bad`);
      assert.ok(bad.ok && bad.answer.status === 500);
      // Users before the late answer lands (answered at once), and after.
      for (const pause of [0, 120]) {
        await sleep(pause);
        const ids = [nextId(), nextId(), nextId()];
        const results = await Promise.all(ids.map((id) => ask(c, id)));
        results.forEach((r, k) => assert.equal(ownOrFailed(r, ids[k] as string), "own"));
      }
      assert.ok(t.accepted() >= 2, "the connection the late answer landed on was closed");
    },
  );
});

test("http1 client stray: never pipelined, and under load with strays at random every request gets its own answer or fails", async () => {
  let n = 0;
  const misbehave: Misbehave = (request, answer) => {
    n++;
    const stray = answerFor(`answer:stray-${request.id}`);
    // Strays that reach the client with the answer they follow. (This target's TCP stack holds
    // a small write back while its answer is unacknowledged (Nagle), and on a warm connection
    // the acknowledgement rides on the next request: a stray written a turn after a 200 answer
    // then arrives right after that request, as its answer, which no HTTP/1.1 client can tell
    // apart; docs/decisions/0026-http1-client-reuse.md.)
    return n % 3 === 0 ? [answer + stray] : [answer];
  };
  await withTarget(misbehave, async (t, c) => {
    t.delayMs = 1;
    let own = 0;
    let failed = 0;
    for (let wave = 0; wave < 10; wave++) {
      const ids = Array.from({ length: 12 }, nextId);
      const results = await Promise.all(ids.map((id) => ask(c, id)));
      results.forEach((r, i) => (ownOrFailed(r, ids[i] as string) === "own" ? own++ : failed++));
    }
    assert.equal(t.pipelined(), 0, "a request was written before the answer to the previous one on its connection");
    assert.equal(own + failed, 120);
    assert.ok(own >= 60, `most requests answered (${own} own, ${failed} failed)`);
  });
});

function honest(): Misbehave {
  return (_r, answer) => [answer];
}
