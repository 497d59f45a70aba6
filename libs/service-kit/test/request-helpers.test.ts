/** pathOf, readBodyWithin and exchangeWithin, over real sockets. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { connect, createServer as createTcpServer, type Socket } from "node:net";
import { Http1Client } from "@oblivious/http1";
import { BodyErrorCode, exchangeWithin, pathOf, readBodyWithin } from "../src/index.js";

function portOf(server: { address(): unknown }): number {
  return (server.address() as { port: number }).port;
}

async function listen<S extends Server | ReturnType<typeof createTcpServer>>(server: S): Promise<S> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return server;
}

test("pathOf: the path of an origin-form target without its query", () => {
  assert.equal(pathOf("/token-request?x=1?y"), "/token-request");
  assert.equal(pathOf("/relay"), "/relay");
  assert.equal(pathOf("?q"), "");
  assert.equal(pathOf(undefined), "/");
});

test("readBodyWithin: the body, too-large, aborted, or timeout; never rejects", async () => {
  const seen: string[] = [];
  const server = await listen(
    createServer((req, res) => {
      void readBodyWithin(req, 8, req.url === "/slow" ? 200 : undefined).then((b) => {
        const what = typeof b === "string" ? b : `ok ${b.length}`;
        seen.push(what);
        if (!res.destroyed) res.end(what);
      });
    }),
  );
  const url = `http://127.0.0.1:${portOf(server)}`;
  assert.equal(await (await fetch(`${url}/`, { method: "POST", body: "12345678" })).text(), "ok 8");
  assert.equal(await (await fetch(`${url}/`, { method: "POST", body: "123456789" })).text(), BodyErrorCode.TooLarge);
  // A body that never arrives: the deadline answers.
  const slow = await new Promise<string>((resolve) => {
    const socket: Socket = connect(portOf(server), "127.0.0.1", () => socket.write("POST /slow HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nab"));
    let text = "";
    socket.on("data", (d: Buffer) => {
      text += d.toString("latin1");
      if (text.includes(BodyErrorCode.Timeout)) {
        socket.destroy();
        resolve(text);
      }
    });
  });
  assert.match(slow, /timeout$/);
  // A client that leaves halfway: aborted.
  await new Promise<void>((resolve) => {
    const socket = connect(portOf(server), "127.0.0.1", () => {
      socket.write("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nab", () => setTimeout(() => socket.destroy(), 50));
    });
    socket.on("close", () => resolve());
  });
  for (let i = 0; i < 50 && !seen.includes(BodyErrorCode.Aborted); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(seen.includes(BodyErrorCode.Aborted), seen.join(","));
  server.close();
});

test("exchangeWithin: the answer within the deadline; else a timeout, and the exchange's connection is closed", async () => {
  const sockets: Socket[] = [];
  const server = await listen(
    createTcpServer((socket) => {
      sockets.push(socket);
      // The client closes an aborted exchange's connection with a reset.
      socket.on("error", () => undefined);
      socket.once("data", (d: Buffer) => {
        if (d.toString("latin1").startsWith("GET /fast")) socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi");
        // "/never": no answer.
      });
    }),
  );
  const client = new Http1Client(new URL(`http://127.0.0.1:${portOf(server)}`), { connections: 4, maxResponseBytes: 1024 });
  const fast = await exchangeWithin(client, { method: "GET", path: "/fast", headers: [], body: new Uint8Array(0) }, 2000);
  assert.ok(fast.ok);
  assert.equal(fast.answer.body.toString(), "hi");
  const started = Date.now();
  const never = await exchangeWithin(client, { method: "GET", path: "/never", headers: [], body: new Uint8Array(0) }, 100);
  assert.deepEqual(never, { ok: false, failure: "timeout" });
  assert.ok(Date.now() - started < 1500);
  const waiting = sockets.at(-1);
  assert.ok(waiting);
  await new Promise<void>((resolve) => (waiting.destroyed || waiting.readableEnded ? resolve() : waiting.once("close", () => resolve())));
  client.close();
  server.close();
});
