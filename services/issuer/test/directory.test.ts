/** The issuer directory (RFC 9578 §4): one document for everyone, cacheable, revalidated by ETag. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MediaType, decodeIssuerDirectory, encodeTokenKey } from "@oblivious/privacypass";
import { noneMatch } from "../src/directory.js";
import { DAY, HOUR, T0, fixture, problemOf, startTestIssuer, testKey } from "./helpers.js";

const PATH = "/.well-known/private-token-issuer-directory";

test("directory: 200 with the exact media type, a strong ETag, Cache-Control, and the same bytes for every client", async () => {
  const t = await startTestIssuer(await fixture());
  try {
    const a = await fetch(`${t.url}${PATH}`);
    const b = await fetch(`${t.url}${PATH}`, { headers: { "user-agent": "another-client", cookie: "x=1", authorization: "Bearer whatever" } });
    assert.equal(a.status, 200);
    assert.equal(a.headers.get("content-type"), MediaType.IssuerDirectory, "exact, no charset");
    const etag = a.headers.get("etag") ?? "";
    assert.match(etag, /^"[A-Za-z0-9_-]{43}"$/, "strong: no W/ prefix");
    assert.equal(a.headers.get("cache-control"), "public, max-age=3600");
    const bodyA = Buffer.from(await a.arrayBuffer());
    const bodyB = Buffer.from(await b.arrayBuffer());
    assert.deepEqual(bodyA, bodyB);
    assert.equal(b.headers.get("etag"), etag);
    const directory = decodeIssuerDirectory(bodyA.toString("utf8"));
    assert.equal(directory.tokenKeys.length, 1);
    assert.equal(directory.tokenKeys[0]?.tokenType, 2);
    assert.deepEqual(directory.tokenKeys[0]?.tokenKey, encodeTokenKey(testKey("a").publicKey));
    assert.equal(directory.tokenKeys[0]?.notBefore, (T0 - DAY) / 1000);
  } finally {
    await t.stop();
  }
});

test("directory: If-None-Match with the ETag → 304 without a body; a different tag → 200", async () => {
  const t = await startTestIssuer(await fixture());
  try {
    const first = await fetch(`${t.url}${PATH}`);
    await first.arrayBuffer();
    const etag = first.headers.get("etag") ?? "";
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const again = await fetch(`${t.url}${PATH}`, { headers: { "if-none-match": header } });
      assert.equal(again.status, 304, header);
      assert.equal(again.headers.get("etag"), etag);
      assert.equal(again.headers.get("cache-control"), "public, max-age=3600");
      assert.equal((await again.arrayBuffer()).byteLength, 0);
    }
    const other = await fetch(`${t.url}${PATH}`, { headers: { "if-none-match": '"stale"' } });
    assert.equal(other.status, 200);
    await other.arrayBuffer();
  } finally {
    await t.stop();
  }
});

test("directory: HEAD has the headers and no body; other methods → 405 with Allow", async () => {
  const t = await startTestIssuer(await fixture());
  try {
    const head = await fetch(`${t.url}${PATH}`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-type"), MediaType.IssuerDirectory);
    assert.ok(head.headers.get("etag"));
    for (const method of ["POST", "PUT", "DELETE"]) {
      const res = await fetch(`${t.url}${PATH}`, { method });
      assert.equal(res.status, 405);
      assert.equal(res.headers.get("allow"), "GET, HEAD");
      assert.equal(res.headers.get("content-type"), "application/problem+json");
      await res.arrayBuffer();
    }
  } finally {
    await t.stop();
  }
});

test("directory: max-age never outlives the next key state change", async () => {
  const clock = { now: T0 };
  // A current key and one that starts signing in 10 minutes.
  const fx = await fixture([testKey("a"), testKey("b", T0 + 600_000)], clock);
  const t = await startTestIssuer(fx);
  try {
    const res = await fetch(`${t.url}${PATH}`);
    await res.arrayBuffer();
    assert.equal(res.headers.get("cache-control"), "public, max-age=600");
    clock.now = T0 + 600_000 + HOUR;
    const later = await fetch(`${t.url}${PATH}`);
    await later.arrayBuffer();
    assert.equal(later.headers.get("cache-control"), "public, max-age=3600");
  } finally {
    await t.stop();
  }
});

test("directory: answered alike on node:http and on the express route (query, case, trailing slash), GET and HEAD, and recorded alike", async () => {
  const t = await startTestIssuer(await fixture());
  try {
    const reference = await fetch(`${t.url}${PATH}`);
    const bytes = Buffer.from(await reference.arrayBuffer());
    const etag = reference.headers.get("etag") ?? "";
    const targets = [`${PATH}?x=1`, PATH.toUpperCase(), `${PATH}/`];
    for (const target of targets) {
      const res = await fetch(`${t.url}${target}`);
      assert.equal(res.status, 200, target);
      assert.equal(res.headers.get("content-type"), MediaType.IssuerDirectory, target);
      assert.equal(res.headers.get("etag"), etag, target);
      assert.equal(res.headers.get("cache-control"), "public, max-age=3600", target);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes, target);
      const head = await fetch(`${t.url}${target}`, { method: "HEAD" });
      assert.equal(head.status, 200, target);
      assert.equal(head.headers.get("content-length"), String(bytes.length), target);
      assert.equal((await head.arrayBuffer()).byteLength, 0, target);
      const revalidated = await fetch(`${t.url}${target}`, { headers: { "if-none-match": etag } });
      assert.equal(revalidated.status, 304, target);
      await revalidated.arrayBuffer();
    }
    const requests = t.logs.events("http.request").filter((r) => r["route"] === PATH);
    assert.deepEqual(
      requests.map((r) => [r["method"], r["status"]]),
      [["GET", 200], ...targets.flatMap(() => [["GET", 200], ["HEAD", 200], ["GET", 304]])],
    );
  } finally {
    await t.stop();
  }
});

test("directory: unknown paths → 404 problem", async () => {
  const t = await startTestIssuer(await fixture());
  try {
    const res = await fetch(`${t.url}/.well-known/other`);
    assert.equal(res.status, 404);
    assert.deepEqual(problemOf({ status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) }), {
      type: "about:blank",
      title: "Not Found",
      status: 404,
    });
  } finally {
    await t.stop();
  }
});

test("directory: If-None-Match comparison (RFC 9110 §13.1.2, weak comparison)", () => {
  assert.equal(noneMatch(undefined, '"a"'), false);
  assert.equal(noneMatch('"a"', '"a"'), true);
  assert.equal(noneMatch('W/"a"', '"a"'), true);
  assert.equal(noneMatch(' "b" ,  "a" ', '"a"'), true);
  assert.equal(noneMatch('"b"', '"a"'), false);
  assert.equal(noneMatch("*", '"a"'), true);
});
