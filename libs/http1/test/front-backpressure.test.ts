/**
 * Http1Front's bounds over real sockets (front.ts, "Invariants"): a client that pipelines without
 * reading stops being read, holds a bounded amount, is cut after sendTimeoutMs, and gets every
 * answer in order once it reads; what a connection holds is released when it closes or is handed
 * over; pipelined bytes and a FIN behind an answered request still reach node:http.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { connect, type Socket } from "node:net";
import { RawHttpClient, pipelineWithoutReading } from "@oblivious/test-kit";
import { Http1Front, type FrontOptions } from "../src/front.js";

const ANSWER = Buffer.alloc(300, 0x61);

async function start(options: Partial<FrontOptions> = {}): Promise<{ port: number; front: Http1Front; handled: () => number; close: () => Promise<void> }> {
  let handled = 0;
  const front = new Http1Front({
    paths: ["/gateway"],
    maxBodyBytes: 65_536,
    handle: async () => {
      handled++;
      return { status: 415, headers: { "content-type": "application/problem+json" }, body: ANSWER };
    },
    record: () => undefined,
    fallback: (req, res) => {
      req.resume();
      req.on("end", () => res.end(`slow ${req.method ?? ""} ${req.url ?? ""}`));
    },
    ...options,
  });
  await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
  return {
    port: (front.address() as { port: number }).port,
    front,
    handled: () => handled,
    close: () =>
      new Promise<void>((r) => {
        front.closeAllConnections();
        front.close(() => r());
      }),
  };
}

const REQUEST = Buffer.from("POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Type: message/ohttp-req\r\nContent-Length: 10\r\n\r\n0123456789");
const MB = 1024 * 1024;

test("backpressure: a client that pipelines and never reads stops being read; the front holds a bounded amount, then cuts it", async () => {
  const s = await start({ sendTimeoutMs: 2000 });
  try {
    const client = await pipelineWithoutReading(s.port, REQUEST, 15 * MB, 500);
    assert.ok(client.accepted() < 15 * MB, "the front stopped reading");
    const held = s.front.held();
    assert.equal(held.connections, 1);
    // Output: the write buffer's high-water mark (16 KiB) plus one answer; input: the socket's
    // read buffer (16 KiB high-water mark plus one read of up to 64 KiB). Under CPU load a socket
    // read and a flush can each land once more before the pause takes effect (measured on
    // 2026-12-03: up to 90 KiB in, 64 KiB out), so the test allows one more of each.
    assert.ok(held.unsentBytes <= 16 * 1024 + 64 * 1024 + 400, `unsent ${held.unsentBytes}`);
    assert.ok(held.pendingBytes <= 16 * 1024 + 2 * 64 * 1024, `pending ${held.pendingBytes}`);
    // The kernel's buffers may still take some answers; then nothing more is parsed.
    let stable = false;
    for (let i = 0; i < 8 && !stable; i++) {
      const handled = s.handled();
      await new Promise((r) => setTimeout(r, 200));
      stable = s.handled() === handled;
    }
    assert.ok(stable, "no request is parsed while the answers wait");
    assert.ok(await client.cutWithin(5000), "cut after sendTimeoutMs");
    assert.deepEqual(s.front.held(), { connections: 0, pendingBytes: 0, unsentBytes: 0 });
  } finally {
    await s.close();
  }
});

test("backpressure: a client that reads late gets every answer, in order, and nothing is parsed ahead", async () => {
  const s = await start();
  const socket = connect({ port: s.port, host: "127.0.0.1" });
  try {
    socket.pause();
    await new Promise((r) => socket.once("connect", r));
    const count = 20_000;
    const bytes = Buffer.concat(Array<Buffer>(count).fill(REQUEST));
    socket.write(bytes);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(s.handled() < count, `${s.handled()} of ${count} answered before the client read`);
    let text = "";
    socket.on("data", (c: Buffer) => (text += c.toString("latin1")));
    socket.resume();
    const deadline = Date.now() + 20_000;
    while (s.handled() < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(s.handled(), count);
    assert.equal(text.split("HTTP/1.1 415 ").length - 1, count, "one answer per request");
  } finally {
    socket.destroy();
    await s.close();
  }
});

test("hygiene: a closed connection leaves nothing held; one handed over keeps none of the front's listeners", async () => {
  const s = await start();
  try {
    const c = new RawHttpClient(s.port);
    c.send(REQUEST);
    await c.answer();
    c.send("POST /gateway HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\n\r\nabc");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(s.front.held().connections, 1);
    assert.ok(s.front.held().pendingBytes > 0);
    c.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(s.front.held(), { connections: 0, pendingBytes: 0, unsentBytes: 0 });

    let handedOver: Socket | undefined;
    s.front.on("connection", (socket: Socket) => (handedOver = socket));
    const d = new RawHttpClient(s.port);
    d.send("GET /x HTTP/1.1\r\nHost: gw\r\n\r\n");
    assert.equal((await d.answer()).body, "slow GET /x");
    assert.equal(s.front.held().connections, 0, "node:http's now");
    assert.ok(handedOver !== undefined);
    // node:http's own listeners only, as on a connection it accepted itself.
    const plain = createServer((_req, res) => res.end());
    await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
    let own: Socket | undefined;
    plain.on("connection", (socket: Socket) => (own = socket));
    const e = new RawHttpClient((plain.address() as { port: number }).port);
    e.send("GET /x HTTP/1.1\r\nHost: gw\r\n\r\n");
    await e.answer();
    for (const event of ["data", "drain", "end", "close", "error"]) assert.equal(handedOver.listenerCount(event), own?.listenerCount(event), event);
    e.destroy();
    plain.close();
    d.destroy();
  } finally {
    await s.close();
  }
});

test("half-close: pipelined requests and a FIN in one write are all answered, the hot one here and the rest by node:http", async () => {
  const s = await start();
  const c = new RawHttpClient(s.port);
  try {
    c.send(Buffer.concat([REQUEST, Buffer.from("GET /after HTTP/1.1\r\nHost: gw\r\n\r\n")]));
    c.socket.end();
    assert.equal((await c.answer()).status, 415);
    assert.equal((await c.answer()).body, "slow GET /after");
    assert.ok(await c.closedWithin(2000));
  } finally {
    c.destroy();
    await s.close();
  }
});
