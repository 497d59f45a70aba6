/** Response padding: every encapsulated answer lands on a bucket size (RFC 9458 §6.3, RFC 9292 §3.8). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeResponse, decodeResponseDetailed } from "@oblivious/bhttp";
import { pad, paddedLength, parsePadding } from "../src/padding.js";
import { exchange, fetchKeyConfigs, innerRequest, oneKeyFile, startTarget, startTestGateway, tempDir, T0 } from "./helpers.js";

test("padding policies: parse, and the bucket of each length", () => {
  assert.deepEqual(parsePadding("none"), { kind: "none" });
  assert.deepEqual(parsePadding("pow2"), { kind: "pow2", min: 256 });
  assert.deepEqual(parsePadding("POW2:512"), { kind: "pow2", min: 512 });
  assert.deepEqual(parsePadding("1024, 4096,16384"), { kind: "list", sizes: [1024, 4096, 16384] });
  for (const bad of ["", "pow2:", "pow2:0", "pow3", "4096,1024", "1024,1024", "12kb", "-1"]) assert.equal(parsePadding(bad), undefined, bad);

  const pow2 = { kind: "pow2", min: 256 } as const;
  assert.deepEqual([0, 1, 256, 257, 1000, 1024, 1025].map((n) => paddedLength(pow2, n)), [256, 256, 256, 512, 1024, 1024, 2048]);
  const list = { kind: "list", sizes: [1024, 4096] } as const;
  assert.deepEqual([1, 1024, 1025, 4096, 4097, 9000].map((n) => paddedLength(list, n)), [1024, 1024, 4096, 4096, 8192, 12288]);
  assert.equal(paddedLength({ kind: "none" }, 77), 77);
});

test("pad() gives the same bytes as the Binary HTTP padding option, and they decode", () => {
  const response = { informational: [], status: 200, headers: [["a", "b"]] as const, content: Uint8Array.of(1, 2, 3), trailers: [] };
  const plain = encodeResponse(response);
  const padded = pad({ kind: "pow2", min: 256 }, plain);
  assert.equal(padded.length, 256);
  assert.deepEqual(padded, encodeResponse(response, { padding: 256 - plain.length }));
  const decoded = decodeResponseDetailed(padded);
  assert.equal(decoded.paddingLength, 256 - plain.length);
  assert.deepEqual(decoded.message.content, Uint8Array.of(1, 2, 3));
});

async function lengthsFor(padding: string, sizes: readonly number[]): Promise<{ plain: number[]; sealed: number[] }> {
  const target = await startTarget();
  const keys = oneKeyFile(tempDir());
  const t = await startTestGateway({ GATEWAY_KEYS_FILE: keys.path, GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}`, GATEWAY_PADDING: padding });
  try {
    const [config] = await fetchKeyConfigs(t.gw.url);
    assert.ok(config);
    const plain: number[] = [];
    const sealed: number[] = [];
    for (const size of sizes) {
      target.handler = (_req, res) => res.end(Buffer.alloc(size, 0x41));
      const ex = await exchange(t.gw.url, config, innerRequest(T0));
      assert.equal(ex.inner?.status, 200);
      assert.equal(ex.inner?.content.length, size, "the content itself is untouched");
      plain.push(ex.plain?.length ?? -1);
      sealed.push(ex.outerBody.length);
    }
    // An error answer is padded too.
    const forbidden = await exchange(t.gw.url, config, innerRequest(T0, { authority: "evil.example" }));
    assert.equal(forbidden.inner?.status, 403);
    plain.push(forbidden.plain?.length ?? -1);
    sealed.push(forbidden.outerBody.length);
    return { plain, sealed };
  } finally {
    await t.stop();
    await target.close();
  }
}

test("over HTTP: decapsulated answers land exactly on pow2 buckets from 256 B", async () => {
  const { plain, sealed } = await lengthsFor("pow2:256", [0, 10, 150, 300, 1000, 5000]);
  assert.deepEqual(plain, [256, 256, 256, 512, 2048, 8192, 256]);
  // AES-128-GCM: a 16-byte response nonce (max(Nn, Nk)) and a 16-byte tag around the padded message.
  assert.deepEqual(sealed, plain.map((n) => n + 32));
});

test("over HTTP: a configured list of buckets, and multiples of the last beyond it", async () => {
  const { plain } = await lengthsFor("1024,4096", [0, 2000, 4000, 5000]);
  assert.deepEqual(plain, [1024, 4096, 4096, 8192, 1024]);
});
