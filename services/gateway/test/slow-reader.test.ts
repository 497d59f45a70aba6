/**
 * Hostile clients against the real gateway process (src/main.js, spawned as `npm start` runs it):
 * one that pipelines 15 MB of `POST /gateway` and never reads an answer, slowloris clients, and
 * many connections that never read. The gateway's memory stays within a stated bound and comes back when
 * the connections close (Http1Front's backpressure: libs/http1/README.md; the bounds and the
 * before/after figures: docs/decisions/0025-http1-front-bounds.md).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { RawHttpClient, pipelineWithoutReading, spawnProbed } from "@oblivious/test-kit";
import { oneKeyFile, tempDir } from "./helpers.js";

const MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));
const MB = 1024 * 1024;
// The gateway's front keeps its default deadlines: a head within 10 s, a request within 30 s,
// answers not taken cut after 30 s.
const env = (): Record<string, string> => ({ GATEWAY_PORT: "0", GATEWAY_ADMIN_PORT: "0", GATEWAY_KEYS_FILE: oneKeyFile(tempDir()).path });
/** The gateway's own refusal (415): no valid message needed, and the answer is bigger than the request. */
const REQUEST = Buffer.from("POST /gateway HTTP/1.1\r\nHost: gateway\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n0123456789");
/** Peak RSS growth allowed while attacked (garbage of the requests answered included); before the fix: ~300 MB. */
const PEAK_GROWTH = 80 * MB;
/** Memory still held after a full collection (heap and buffers), while attacked and after close. */
const HELD = 8 * MB;
const held = (m: { heapUsed: number; external: number }): number => m.heapUsed + m.external;

// The three run at once (each against its own gateway process): the deadlines they wait for are
// the gateway's defaults, 10 and 30 s.
describe("gateway under hostile clients", { concurrency: 3 }, () => {
  test("slow reader: 15 MB of pipelined POST /gateway never read; the gateway's memory stays bounded, and comes back after close", async () => {
    const gateway = await spawnProbed(MAIN, env());
    try {
      const base = await gateway.memory();
      const baseRss = gateway.rss();
      let peak = baseRss;
      const client = await pipelineWithoutReading(gateway.port, REQUEST, 15 * MB, 1500, () => (peak = Math.max(peak, gateway.rss())));
      const during = await gateway.memory();
      peak = Math.max(peak, during.rss);
      const accepted = client.accepted();
      console.log(
        `gateway slow reader: ${(accepted / MB).toFixed(1)} MB of requests taken, RSS +${((peak - baseRss) / MB).toFixed(1)} MB at peak, held after GC +${((held(during) - held(base)) / MB).toFixed(1)} MB`,
      );
      assert.ok(accepted < 15 * MB, "the gateway stopped reading");
      assert.ok(peak - baseRss < PEAK_GROWTH, `RSS grew by ${(peak - baseRss) / MB} MB`);
      assert.ok(held(during) - held(base) < HELD, `held ${(held(during) - held(base)) / MB} MB`);
      client.socket.destroy();
      await new Promise((r) => setTimeout(r, 300));
      const after = await gateway.memory();
      assert.ok(held(after) - held(base) < HELD / 4, `held after close: ${(held(after) - held(base)) / MB} MB`);
    } finally {
      await gateway.stop();
    }
  });

  test("slowloris: a head or a body dribbled byte by byte is closed by the deadlines, with bounded memory", async () => {
    const gateway = await spawnProbed(MAIN, env());
    const head = new RawHttpClient(gateway.port);
    const body = new RawHttpClient(gateway.port);
    try {
      const base = await gateway.memory();
      const headBytes = "POST /gateway HTTP/1.1\r\nHost: gateway\r\nContent-Type: message/ohttp-req\r\nX-Pad: " + "p".repeat(200);
      body.send("POST /gateway HTTP/1.1\r\nHost: gateway\r\nContent-Type: message/ohttp-req\r\nContent-Length: 60000\r\n\r\n");
      const started = Date.now();
      let i = 0;
      while (!(head.closed && body.closed) && Date.now() - started < 40_000) {
        if (!head.closed) head.send(headBytes.charAt(i % headBytes.length));
        if (!body.closed) body.send("b");
        i++;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(head.closed, "the head is cut by the head deadline (10 s)");
      assert.ok(body.closed, "the body is cut by the request deadline (30 s)");
      assert.ok(Date.now() - started < 35_000);
      const after = await gateway.memory();
      assert.ok(held(after) - held(base) < HELD / 4, `held ${(held(after) - held(base)) / MB} MB`);
    } finally {
      head.destroy();
      body.destroy();
      await gateway.stop();
    }
  });

  test("many connections that never read: memory bounded per connection, and back after they close", async () => {
    const gateway = await spawnProbed(MAIN, env());
    try {
      const base = await gateway.memory();
      const clients = await Promise.all(Array.from({ length: 20 }, () => pipelineWithoutReading(gateway.port, REQUEST, MB, 800)));
      // Measure once the log lines of the attack have drained to stdout (service-kit's logger
      // buffers them meanwhile), as the memory settles.
      let during = await gateway.memory();
      for (let i = 0; i < 20; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        const next = await gateway.memory();
        const settled = Math.abs(held(next) - held(during)) < MB;
        during = next;
        if (settled) break;
      }
      const perConnection = (held(during) - held(base)) / clients.length;
      console.log(`gateway, 20 connections never reading: held after GC ${(perConnection / 1024).toFixed(0)} KiB per connection`);
      assert.ok(perConnection < 256 * 1024, `${perConnection} bytes per connection`);
      for (const c of clients) c.socket.destroy();
      await new Promise((r) => setTimeout(r, 300));
      const after = await gateway.memory();
      assert.ok(held(after) - held(base) < HELD / 4, `held after close: ${(held(after) - held(base)) / MB} MB`);
    } finally {
      await gateway.stop();
    }
  });
});
