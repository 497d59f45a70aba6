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
import { MB, heldAfterClose, nonReaders, slowReader, slowloris, withProbed } from "@oblivious/test-kit";
import { oneKeyFile, tempDir } from "./helpers.js";

const MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));
// The gateway's front keeps its default deadlines: a head within 10 s, a request within 30 s,
// answers not taken cut after 30 s.
const env = (): Record<string, string> => ({ GATEWAY_PORT: "0", GATEWAY_ADMIN_PORT: "0", GATEWAY_KEYS_FILE: oneKeyFile(tempDir()).path });
/** The gateway's own refusal (415): no valid message needed, and the answer is bigger than the request. */
const REQUEST = Buffer.from("POST /gateway HTTP/1.1\r\nHost: gateway\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n0123456789");
/** Peak RSS growth allowed while attacked (garbage of the requests answered included); before the fix: ~300 MB. */
const PEAK_GROWTH = 80 * MB;
/** Memory still held after a full collection (heap and buffers), while attacked and after close. */
const HELD = 8 * MB;

// The three run at once (each against its own gateway process): the deadlines they wait for are
// the gateway's defaults, 10 and 30 s.
describe("gateway under hostile clients", { concurrency: 3 }, () => {
  test("slow reader: 15 MB of pipelined POST /gateway never read; the gateway's memory stays bounded, and comes back after close", () =>
    withProbed(MAIN, env(), async (gateway) => {
      const f = await slowReader(gateway, REQUEST, 15 * MB);
      console.log(`gateway slow reader: ${(f.accepted / MB).toFixed(1)} MB of requests taken, RSS +${(f.peakGrowth / MB).toFixed(1)} MB at peak, held after GC +${(f.heldGrowth / MB).toFixed(1)} MB`);
      assert.ok(f.accepted < 15 * MB && f.peakGrowth < PEAK_GROWTH && f.heldGrowth < HELD, `the gateway stopped reading, RSS grew by ${f.peakGrowth / MB} MB, held ${f.heldGrowth / MB} MB`);
      const after = await heldAfterClose(gateway, f.base, [f.client]);
      assert.ok(after < HELD / 4, `held after close: ${after / MB} MB`);
    }));

  test("slowloris: a head or a body dribbled byte by byte is closed by the deadlines, with bounded memory", () =>
    withProbed(MAIN, env(), async (gateway) => {
      const f = await slowloris(gateway, "/gateway", 40_000);
      assert.ok(f.headClosed, "the head is cut by the head deadline (10 s)");
      assert.ok(f.bodyClosed && f.elapsedMs < 35_000, "the body is cut by the request deadline (30 s)");
      assert.ok((await heldAfterClose(gateway, f.base)) < HELD / 4);
    }));

  test("many connections that never read: memory bounded per connection, and back after they close", () =>
    withProbed(MAIN, env(), async (gateway) => {
      const f = await nonReaders(gateway, REQUEST, 20);
      console.log(`gateway, 20 connections never reading: held after GC ${(f.perConnection / 1024).toFixed(0)} KiB per connection`);
      assert.ok(f.perConnection < 256 * 1024, `${f.perConnection} bytes per connection`);
      assert.ok((await heldAfterClose(gateway, f.base, f.clients)) < HELD / 4, "held after close");
    }));
});
