/**
 * Hostile clients against the real relay process (src/main.js, spawned as `npm start` runs it):
 * one that pipelines 15 MB of `POST /relay` and never reads an answer, slowloris clients, and many
 * connections that never read. The relay's memory stays within a stated bound and comes back when
 * the connections close (Http1Front's backpressure: libs/http1/README.md; the bounds and the
 * before/after figures: docs/decisions/0025-http1-front-bounds.md).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { RawHttpClient, pipelineWithoutReading, spawnProbed } from "@oblivious/test-kit";

const MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));
const MB = 1024 * 1024;
// RELAY_TIMEOUT=1s: head deadline 3 s, body deadline 1 s, answers not taken cut after 3 s.
const ENV = { RELAY_PORT: "0", RELAY_ADMIN_PORT: "0", RELAY_TIMEOUT: "1s" };
/** A relay's own refusal (415): no gateway needed, and the answer is bigger than the request. */
const REQUEST = Buffer.from("POST /relay HTTP/1.1\r\nHost: relay\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n0123456789");
/** Peak RSS growth allowed while attacked (garbage of the requests answered included); before the fix: ~260 MB. */
const PEAK_GROWTH = 80 * MB;
/** Memory still held after a full collection (heap and buffers), while attacked and after close. */
const HELD = 8 * MB;
const held = (m: { heapUsed: number; external: number }): number => m.heapUsed + m.external;

test("slow reader: 15 MB of pipelined POST /relay never read; the relay's memory stays bounded, the connection is cut, memory comes back", async () => {
  const relay = await spawnProbed(MAIN, ENV);
  try {
    const base = await relay.memory();
    const baseRss = relay.rss();
    let peak = baseRss;
    const client = await pipelineWithoutReading(relay.port, REQUEST, 15 * MB, 1500, () => (peak = Math.max(peak, relay.rss())));
    const during = await relay.memory();
    peak = Math.max(peak, during.rss);
    const accepted = client.accepted();
    console.log(
      `relay slow reader: ${(accepted / MB).toFixed(1)} MB of requests taken, RSS +${((peak - baseRss) / MB).toFixed(1)} MB at peak, held after GC +${((held(during) - held(base)) / MB).toFixed(1)} MB`,
    );
    assert.ok(accepted < 15 * MB, "the relay stopped reading");
    assert.ok(peak - baseRss < PEAK_GROWTH, `RSS grew by ${(peak - baseRss) / MB} MB`);
    assert.ok(held(during) - held(base) < HELD, `held ${(held(during) - held(base)) / MB} MB`);
    // Answers not taken for the send deadline (3 s here, from the last drain): the relay cuts the connection.
    assert.ok(await client.cutWithin(15_000), "cut by the send deadline");
    const after = await relay.memory();
    assert.ok(held(after) - held(base) < HELD / 4, `held after close: ${(held(after) - held(base)) / MB} MB`);
  } finally {
    await relay.stop();
  }
});

test("slowloris: a head or a body dribbled byte by byte is closed by the deadlines, with bounded memory", async () => {
  const relay = await spawnProbed(MAIN, ENV);
  const head = new RawHttpClient(relay.port);
  const body = new RawHttpClient(relay.port);
  try {
    const base = await relay.memory();
    const headBytes = "POST /relay HTTP/1.1\r\nHost: relay\r\nContent-Type: message/ohttp-req\r\nX-Pad: " + "p".repeat(200);
    body.send("POST /relay HTTP/1.1\r\nHost: relay\r\nContent-Type: message/ohttp-req\r\nContent-Length: 60000\r\n\r\n");
    const started = Date.now();
    let i = 0;
    while (!(head.closed && body.closed) && Date.now() - started < 8000) {
      if (!head.closed) head.send(headBytes.charAt(i % headBytes.length));
      if (!body.closed) body.send("b");
      i++;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(body.closed, "the body is cut by RELAY_TIMEOUT");
    assert.ok(head.closed, "the head is cut by the head deadline");
    assert.ok(Date.now() - started < 6000);
    const after = await relay.memory();
    assert.ok(held(after) - held(base) < HELD / 4, `held ${(held(after) - held(base)) / MB} MB`);
  } finally {
    head.destroy();
    body.destroy();
    await relay.stop();
  }
});

test("many connections that never read: memory bounded per connection, and back after they close", async () => {
  const relay = await spawnProbed(MAIN, ENV);
  try {
    const base = await relay.memory();
    const clients = await Promise.all(Array.from({ length: 20 }, () => pipelineWithoutReading(relay.port, REQUEST, MB, 800)));
    // The relay logs each request (about 12 000 lines a connection here): measure once its log
    // lines of the attack have drained to stdout (service-kit's logger buffers them meanwhile).
    let during = await relay.memory();
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const next = await relay.memory();
      const settled = Math.abs(held(next) - held(during)) < MB;
      during = next;
      if (settled) break;
    }
    const perConnection = (held(during) - held(base)) / clients.length;
    console.log(`relay, 20 connections never reading: held after GC ${(perConnection / 1024).toFixed(0)} KiB per connection`);
    assert.ok(perConnection < 256 * 1024, `${perConnection} bytes per connection`);
    for (const c of clients) c.socket.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const after = await relay.memory();
    assert.ok(held(after) - held(base) < HELD / 4, `held after close: ${(held(after) - held(base)) / MB} MB`);
  } finally {
    await relay.stop();
  }
});
