/**
 * The allow-list holds: for every attempt to reach anything but a listed origin's base path, the
 * gateway answers an encapsulated 403 and the target (the only server it could reach) sees
 * nothing at all.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeRequest, type Field, type Request } from "@oblivious/bhttp";
import { formatHttpDate } from "@oblivious/http1";
import { exchange, exchangeBytes, fetchKeyConfigs, header, innerRequest, oneKeyFile, problemOf, rawRequest, startTarget, startTestGateway, tempDir, T0 } from "./helpers.js";

const date: Field = ["date", formatHttpDate(T0)];

test("SSRF: every attempt to leave the allow-list gets an encapsulated 403 and reaches nothing", async () => {
  const target = await startTarget();
  const keys = oneKeyFile(tempDir());
  const t = await startTestGateway({
    GATEWAY_KEYS_FILE: keys.path,
    // A base path, so that escaping it can be tried.
    GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}/api`,
  });
  try {
    const [config] = await fetchKeyConfigs(t.gw.url);
    assert.ok(config);
    const r = (overrides: Partial<Request>): Uint8Array => encodeRequest(innerRequest(T0, overrides));
    const table: [string, Uint8Array][] = [
      ["another host", r({ authority: "evil.example" })],
      ["an allowed name as a prefix of another host", r({ authority: "sticker-search.internal.evil.example" })],
      ["another port", r({ authority: "sticker-search.internal:8443" })],
      ["the internal address itself", r({ authority: `127.0.0.1:${target.port}` })],
      ["localhost", r({ authority: "localhost" })],
      ["an IPv6 literal", r({ authority: `[::1]:${target.port}` })],
      ["http instead of https", r({ scheme: "http" })],
      ["another scheme", r({ scheme: "ftp" })],
      ["a trailing dot", r({ authority: "sticker-search.internal." })],
      ["a percent-encoded host", r({ authority: "sticker%2dsearch.internal" })],
      ["a zero-padded port", r({ authority: "sticker-search.internal:0443" })],
      ["an empty port", r({ authority: "sticker-search.internal:" })],
      ["userinfo in Host (no authority)", r({ authority: "", headers: [date, ["host", "user@sticker-search.internal"]] })],
      ["another host in Host (no authority)", r({ authority: "", headers: [date, ["host", "evil.example"]] })],
      ["Host disagreeing with the authority", r({ headers: [date, ["host", "evil.example"]] })],
      ["no authority and no Host", r({ authority: "", headers: [date] })],
      ["two Host fields", r({ authority: "", headers: [date, ["host", "sticker-search.internal"], ["host", "sticker-search.internal"]] })],
      ["a //-prefixed path", r({ path: "//evil.example/x" })],
      ["a backslash path", r({ path: "/\\evil.example/x" })],
      ["a backslash inside the path", r({ path: "/v1\\..\\..\\admin" })],
      ["a dot-dot segment", r({ path: "/../admin" })],
      ["dot-dot segments after a prefix", r({ path: "/v1/../../admin" })],
      ["a lone dot segment", r({ path: "/./admin" })],
      ["percent-encoded dot-dot", r({ path: "/%2e%2e/admin" })],
      ["mixed-case encoded dot-dot", r({ path: "/%2E./admin" })],
      ["an encoded slash", r({ path: "/v1%2f..%2fadmin" })],
      ["an encoded backslash", r({ path: "/v1%5c..%5cadmin" })],
      ["an encoded NUL", r({ path: "/v1%00/admin" })],
      ["a dot-dot path parameter", r({ path: "/..;/admin" })],
      ["a fragment", r({ path: "/v1/search#x" })],
      ["a bad percent-encoding", r({ path: "/v1/%zz" })],
      ["asterisk-form (OPTIONS *)", r({ method: "OPTIONS", path: "*" })],
      ["CONNECT", r({ method: "CONNECT", scheme: "", authority: "sticker-search.internal:443", path: "" })],
      ["TRACE", r({ method: "TRACE" })],
      ["lower-case connect", r({ method: "connect" })],
      // Control data the library's encoder refuses to build, so built by hand (RFC 9292 §3.4).
      ["userinfo in the authority", rawRequest("GET", "https", "user:pass@sticker-search.internal", "/v1", [date])],
      ["absolute-form path", rawRequest("GET", "https", "sticker-search.internal", `http://127.0.0.1:${target.port}/admin`, [date])],
      ["authority-form path", rawRequest("GET", "https", "sticker-search.internal", "sticker-search.internal:443", [date])],
      ["an empty path", rawRequest("GET", "https", "sticker-search.internal", "", [date])],
      ["a space in the path", rawRequest("GET", "https", "sticker-search.internal", "/v1 HTTP/1.1\r\nHost: evil", [date])],
    ];
    for (const [name, bytes] of table) {
      const ex = await exchangeBytes(t.gw.url, config, bytes);
      assert.equal(ex.status, 200, name);
      assert.equal(ex.inner?.status, 403, name);
      assert.deepEqual(problemOf(ex.inner), { type: "tag:oblivious-services,2026:problem/target-not-allowed", title: "target not allowed", status: 403 }, name);
    }
    assert.equal(target.received.length, 0, "the target saw nothing");

    // Controls: the same origin in other spellings is allowed, and lands under the base path.
    for (const authority of ["sticker-search.internal", "STICKER-SEARCH.internal", "sticker-search.internal:443"]) {
      const ex = await exchange(t.gw.url, config, innerRequest(T0, { authority }));
      assert.equal(ex.inner?.status, 200, authority);
    }
    const viaHost = await exchange(t.gw.url, config, innerRequest(T0, { authority: "", headers: [date, ["host", "sticker-search.internal"]] }));
    assert.equal(viaHost.inner?.status, 200);
    assert.equal(header(viaHost.inner?.headers ?? [], "x-target"), "stub");
    assert.deepEqual(
      target.received.map((x) => x.url),
      Array.from({ length: 4 }, () => "/api/v1/search?q=cat"),
    );
    assert.ok(target.received.every((x) => x.headers.host === `127.0.0.1:${target.port}`));
  } finally {
    await t.stop();
    await target.close();
  }
});
