/**
 * Issue 15, through the real gateway: a target that once sends bytes nobody asked for (a second
 * answer in the same packet, a body after its answer to HEAD, a late answer after an error) must
 * not turn into a cross-user leak. After the misbehaviour, Alice, Bob and Carol search with their
 * own canary queries, one after another and at once: each gets the results for her or his own
 * query, or a clean failure, never anything else.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { exchange, fetchKeyConfigs, innerRequest, oneKeyFile, startTestGateway, tempDir, T0 } from "./helpers.js";

type Misbehaviour = (query: string, answer: string) => readonly (string | { readonly delayMs: number; readonly bytes: string })[];

function answerFor(text: string, status = 200): string {
  return `HTTP/1.1 ${status} X\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text, "latin1")}\r\n\r\n${text}`;
}

/** A raw search target: it answers `results:<q>`; for a query starting with `bad-` it misbehaves as told. */
async function rawSearchTarget(misbehave: Misbehaviour): Promise<{ url: string; accepted: () => number; close: () => Promise<void> }> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
    let pending = "";
    socket.on("data", (chunk: Buffer) => {
      pending += chunk.toString("latin1");
      for (let end = pending.indexOf("\r\n\r\n"); end >= 0; end = pending.indexOf("\r\n\r\n")) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        const query = /[?&]q=([^& ]*)/.exec(head)?.[1] ?? "";
        const answer = answerFor(`results:${query}`);
        const pieces = query.startsWith("bad-") ? misbehave(query, answer) : [answer];
        void (async () => {
          for (const piece of pieces) {
            if (typeof piece === "string") {
              socket.write(piece);
              await new Promise((r) => setImmediate(r));
            } else {
              await new Promise((r) => setTimeout(r, piece.delayMs));
              if (!socket.destroyed) socket.write(piece.bytes);
            }
          }
        })();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/*
 * The target is a plain node:net server, so its TCP stack holds a small write back while an
 * earlier one is unacknowledged (Nagle): once the connection is warm, a stray written after the
 * answer goes out only with the acknowledgement carried by the next request, and arrives as its
 * answer, the chain of the issue. Hence the warm-up searches, and why no connection is reused
 * after an answer to HEAD or an error answer (docs/decisions/0026).
 */
const cases: { readonly name: string; readonly method: string; readonly misbehave: Misbehaviour; readonly settleMs: number }[] = [
  { name: "a second answer in the same packet", method: "GET", misbehave: (_q, answer) => [answer + answerFor("results:stray-canary-0")], settleMs: 0 },
  { name: "a body after its answer to HEAD, a turn later", method: "HEAD", misbehave: (_q, answer) => [answer.replace(/results:.*$/, ""), "results:stray-canary-1"], settleMs: 0 },
  { name: "a second answer a turn after an error", method: "GET", misbehave: (q) => [answerFor("oops", 500), answerFor(`results:${q}`)], settleMs: 0 },
  {
    name: "a late answer after an error",
    method: "GET",
    misbehave: (q) => [answerFor("oops", 500), { delayMs: 40, bytes: answerFor(`results:${q}`) }],
    settleMs: 100,
  },
];

for (const { name, method, misbehave, settleMs } of cases) {
  test(`stray answer: after ${name}, Alice, Bob and Carol each get their own results or a clean failure`, async () => {
    const target = await rawSearchTarget(misbehave);
    const keys = oneKeyFile(tempDir());
    const t = await startTestGateway({ GATEWAY_KEYS_FILE: keys.path, GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}`, GATEWAY_TARGET_TIMEOUT: "2s" });
    try {
      const [config] = await fetchKeyConfigs(t.gw.url);
      assert.ok(config);
      const search = async (query: string, m = "GET"): Promise<"own" | "failed"> => {
        const ex = await exchange(t.gw.url, config, innerRequest(T0, { method: m, path: `/v1/search?q=${query}` }));
        assert.equal(ex.status, 200, "the outer exchange succeeds; a target failure is an inner answer");
        const status = ex.inner?.status;
        if (status === 502 || status === 504) return "failed";
        const content = Buffer.from(ex.inner?.content ?? []).toString("latin1");
        if (m === "HEAD") {
          assert.equal(content, "");
          return "own";
        }
        if (status === 500 && content === "oops") return "own";
        assert.equal(content, `results:${query}`, `${query} got someone else's answer (inner status ${status})`);
        return "own";
      };
      let failed = 0;
      for (const user of ["alice", "bob", "carol"]) assert.equal(await search(`${user}-warm-up-${process.pid}`), "own");
      await search(`bad-${process.pid}`, method);
      await new Promise((r) => setTimeout(r, settleMs));
      const users = ["alice", "bob", "carol"];
      for (let round = 0; round < 3; round++) {
        for (const user of users) if ((await search(`${user}-canary-${round}-${process.pid}`)) === "failed") failed++;
        const together = await Promise.all(users.map((user) => search(`${user}-canary-together-${round}-${process.pid}`)));
        failed += together.filter((r) => r === "failed").length;
      }
      assert.ok(failed <= 1, `at most the one exchange the stray bytes arrived with fails (${failed})`);
      assert.ok(target.accepted() >= 2, "the connection that carried the stray bytes was not reused");
    } finally {
      await t.stop();
      await target.close();
    }
  });
}
