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
import { MB, heldAfterClose, nonReaders, slowReader, slowloris, withProbed } from "@oblivious/test-kit";

const MAIN = fileURLToPath(new URL("../src/main.js", import.meta.url));
// RELAY_TIMEOUT=1s: head deadline 3 s, body deadline 1 s, answers not taken cut after 3 s.
const ENV = { RELAY_PORT: "0", RELAY_ADMIN_PORT: "0", RELAY_TIMEOUT: "1s" };
/** A relay's own refusal (415): no gateway needed, and the answer is bigger than the request. */
const REQUEST = Buffer.from("POST /relay HTTP/1.1\r\nHost: relay\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n0123456789");
/** Peak RSS growth allowed while attacked (garbage of the requests answered included); before the fix: ~260 MB. */
const PEAK_GROWTH = 80 * MB;
/** Memory still held after a full collection (heap and buffers), while attacked and after close. */
const HELD = 8 * MB;

test("slow reader: 15 MB of pipelined POST /relay never read; the relay's memory stays bounded, the connection is cut, memory comes back", () =>
  withProbed(MAIN, ENV, async (relay) => {
    const f = await slowReader(relay, REQUEST, 15 * MB);
    console.log(`relay slow reader: ${(f.accepted / MB).toFixed(1)} MB of requests taken, RSS +${(f.peakGrowth / MB).toFixed(1)} MB at peak, held after GC +${(f.heldGrowth / MB).toFixed(1)} MB`);
    assert.ok(f.accepted < 15 * MB, "the relay stopped reading");
    assert.ok(f.peakGrowth < PEAK_GROWTH, `RSS grew by ${f.peakGrowth / MB} MB`);
    assert.ok(f.heldGrowth < HELD, `held ${f.heldGrowth / MB} MB`);
    // Answers not taken for the send deadline (3 s here, from the last drain): the relay cuts the connection.
    assert.ok(await f.client.cutWithin(15_000), "cut by the send deadline");
    const after = await heldAfterClose(relay, f.base);
    assert.ok(after < HELD / 4, `held after close: ${after / MB} MB`);
  }));

test("slowloris: a head or a body dribbled byte by byte is closed by the deadlines, with bounded memory", () =>
  withProbed(MAIN, ENV, async (relay) => {
    const f = await slowloris(relay, "/relay", 8000);
    assert.ok(f.bodyClosed, "the body is cut by RELAY_TIMEOUT");
    assert.ok(f.headClosed && f.elapsedMs < 6000, "the head is cut by the head deadline");
    const after = await heldAfterClose(relay, f.base);
    assert.ok(after < HELD / 4, `held ${after / MB} MB`);
  }));

test("many connections that never read: memory bounded per connection, and back after they close", () =>
  withProbed(MAIN, ENV, async (relay) => {
    // The relay logs each request (about 12 000 lines a connection here): nonReaders measures once
    // those lines have drained.
    const f = await nonReaders(relay, REQUEST, 20);
    console.log(`relay, 20 connections never reading: held after GC ${(f.perConnection / 1024).toFixed(0)} KiB per connection`);
    assert.ok(f.perConnection < 256 * 1024, `${f.perConnection} bytes per connection`);
    const after = await heldAfterClose(relay, f.base, f.clients);
    assert.ok(after < HELD / 4, `held after close: ${after / MB} MB`);
  }));
