/**
 * The replay cache at the window's edges, for any implementation, and the same edges through a
 * running gateway over real sockets: a request dated a whole window ahead is accepted at the
 * earliest instant its `Date` passes, so a copy of it passes the `Date` check up to exactly
 * `2 × window` later. Every copy that passes must be refused as a replay; the first instant after
 * is refused by the `Date` check instead. Shared by replay.test.ts (memory) and redis.test.ts.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { decodeResponse, encodeRequest, type Response } from "@oblivious/bhttp";
import { MediaType, encapsulateRequest } from "@oblivious/ohttp";
import { replayTtlMs } from "../src/date.js";
import { DATE_PROBLEM_TYPE } from "../src/errors.js";
import { type ReplayCache } from "../src/replay.js";
import { fetchKeyConfigs, innerRequest, oneKeyFile, problemOf, startTarget, startTestGateway, tempDir, T0, type TestGateway } from "./helpers.js";

export const REPLAYED = "tag:oblivious-services,2026:problem/replayed-request";

/** Claims at and around the expiry instant of an entry claimed at `t0` for `ttl`. */
export async function assertCacheEdges(cache: ReplayCache, t0: number, ttl: number): Promise<void> {
  const enc = randomBytes(32);
  assert.equal(await cache.claim(enc, t0, ttl), true, "first claim");
  assert.equal(await cache.claim(enc, t0, ttl), false, "same instant");
  assert.equal(await cache.claim(enc, t0 + ttl - 1, ttl), false, "just before the expiry instant");
  assert.equal(await cache.claim(enc, t0 + ttl, ttl), false, "at the expiry instant: still live");
  assert.equal(await cache.claim(enc, t0 + ttl + 1, ttl), true, "just after: expired, claimed anew");
  assert.equal(await cache.claim(enc, t0 + 2 * ttl + 1, ttl), false, "the new claim's own window");
  // The same edges with a copy of the bytes at a non-zero offset: the key is the bytes, not the view.
  const other = randomBytes(32);
  const padded = Buffer.concat([Buffer.alloc(5), other]);
  const view = new Uint8Array(padded.buffer, padded.byteOffset + 5, 32);
  const t1 = t0 + 2 * ttl + 1;
  assert.equal(await cache.claim(other, t1, ttl), true);
  assert.equal(await cache.claim(view, t1 + ttl, ttl), false);
}

export interface EdgeResult {
  /** Inner status and problem type of each attempt, by clock offset from the first answer. */
  readonly answers: ReadonlyMap<string, string>;
  readonly forwarded: number;
}

function verdict(inner: Response): string {
  return inner.status === 200 ? "200" : `${inner.status} ${String(problemOf(inner)["type"])}`;
}

/**
 * Through a gateway (memory or Redis, from `env`) whose clock the test moves: one encapsulated
 * request dated T0 + window, first sent at T0 (the earliest instant its Date passes), then the
 * same bytes at T0 + 2 × window - 1, at T0 + 2 × window, and at T0 + 2 × window + 1.
 */
export async function gatewayEdges(env: Record<string, string>): Promise<EdgeResult> {
  const target = await startTarget();
  const keys = oneKeyFile(tempDir());
  let gw: TestGateway | undefined;
  try {
    gw = await startTestGateway({ GATEWAY_KEYS_FILE: keys.path, GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}`, GATEWAY_DATE_WINDOW: "60s", ...env });
    const window = 60_000;
    assert.equal(replayTtlMs({ windowMs: window, required: true }), 2 * window);
    const [config] = await fetchKeyConfigs(gw.gw.url);
    assert.ok(config);
    // One ephemeral key: every attempt is the same bytes, each with a response context of its own.
    const bhttp = encodeRequest(innerRequest(T0 + window));
    const ephemeralPrivateKey = randomBytes(32);
    const bytes = encapsulateRequest(config, bhttp, { ephemeralPrivateKey }).encapsulatedRequest;
    const answers = new Map<string, string>();
    for (const [label, at] of [
      ["first", T0],
      ["2w-1", T0 + 2 * window - 1],
      ["2w", T0 + 2 * window],
      ["2w+1", T0 + 2 * window + 1],
    ] as const) {
      gw.clock.now = at;
      const { encapsulatedRequest, context } = encapsulateRequest(config, bhttp, { ephemeralPrivateKey });
      assert.deepEqual(encapsulatedRequest, bytes);
      const res = await fetch(`${gw.gw.url}/gateway`, { method: "POST", headers: { "content-type": MediaType.OhttpRequest }, body: encapsulatedRequest });
      assert.equal(res.status, 200);
      answers.set(label, verdict(decodeResponse(context.decapsulateResponse(new Uint8Array(await res.arrayBuffer())))));
    }
    return { answers, forwarded: target.received.length };
  } finally {
    await gw?.stop();
    await target.close();
  }
}

export function assertGatewayEdges(result: EdgeResult): void {
  assert.deepEqual(Object.fromEntries(result.answers), {
    first: "200",
    "2w-1": `400 ${REPLAYED}`,
    "2w": `400 ${REPLAYED}`,
    "2w+1": `400 ${DATE_PROBLEM_TYPE}`,
  });
  assert.equal(result.forwarded, 1, "forwarded once");
}
