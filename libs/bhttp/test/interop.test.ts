// Cross-checks with bhttp-js 0.2.1, an independent implementation over fetch Request/Response.
// Its known limits shape the cases: it drops the query string of a request (so no path has '?'),
// keeps one value per field name (fetch Headers), decodes text as UTF-8 (so ASCII only here),
// encodes known-length only, and builds its request URL from the authority or the Host header.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BHttpDecoder, BHttpEncoder } from "bhttp-js";
import {
  type Field,
  Framing,
  type Request as BhttpRequest,
  type Response as BhttpResponse,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from "../src/index.js";

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const framings = [Framing.KnownLength, Framing.IndeterminateLength] as const;

/** fetch Headers lowercases and sorts names, and joins duplicates: compare in that form. */
function asHeaderMap(fields: readonly Field[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [n, v] of fields) {
    const name = n.toLowerCase();
    const prior = out.get(name);
    out.set(name, prior === undefined ? v : `${prior}, ${v}`);
  }
  return out;
}

function fetchHeaderMap(headers: Headers): Map<string, string> {
  return new Map(headers.entries());
}

const ourRequests: readonly BhttpRequest[] = [
  {
    method: "POST",
    scheme: "https",
    authority: "sticker-search.internal",
    path: "/v1/search",
    headers: [
      ["content-type", "application/json"],
      ["authorization", 'PrivateToken token="abc"'],
    ],
    content: text('{"q":"cat"}'),
    trailers: [],
  },
  {
    method: "GET",
    scheme: "https",
    authority: "example.com:8443",
    path: "/a/b/c.txt",
    headers: [["accept", "*/*"], ["X-Mixed-Case", "kept"]],
    content: new Uint8Array(0),
    trailers: [],
  },
  {
    method: "PUT",
    scheme: "http",
    authority: "localhost",
    path: "/upload",
    headers: [["x-long", "v".repeat(200)]],
    content: new Uint8Array(70_000).fill(0x61),
    trailers: [],
  },
];

test("interop: requests encoded here decode with bhttp-js", async () => {
  for (const req of ourRequests) {
    for (const framing of framings) {
      const decoded = new BHttpDecoder().decodeRequest(encodeRequest(req, { framing, padding: 5 }));
      const note = `${req.method} ${req.path} ${framing}`;
      assert.equal(decoded.method, req.method, note);
      assert.equal(decoded.url, `${req.scheme}://${req.authority}${req.path}`, note);
      assert.deepEqual(fetchHeaderMap(decoded.headers), asHeaderMap(req.headers), note);
      assert.deepEqual(new Uint8Array(await decoded.arrayBuffer()), req.content, note);
    }
  }
});

test("interop: requests encoded by bhttp-js decode here", async () => {
  const encoder = new BHttpEncoder();
  const cases = [
    new Request("https://sticker-search.internal/v1/search", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: 'PrivateToken token="abc"' },
      body: '{"q":"dog"}',
    }),
    new Request("https://example.com:8443/index.html", { method: "GET", headers: { accept: "text/html" } }),
    new Request("http://localhost/big", { method: "PUT", body: new Uint8Array(20_000).fill(7) }),
  ];
  for (const fetchReq of cases) {
    const body = new Uint8Array(await fetchReq.clone().arrayBuffer());
    const url = new URL(fetchReq.url);
    const ours = decodeRequest(await encoder.encodeRequest(fetchReq));
    assert.equal(ours.method, fetchReq.method);
    assert.equal(ours.scheme, url.protocol.slice(0, -1));
    assert.equal(ours.authority, url.host);
    assert.equal(ours.path, url.pathname);
    assert.deepEqual(asHeaderMap(ours.headers), fetchHeaderMap(fetchReq.headers));
    assert.deepEqual(ours.content, body);
    assert.deepEqual(ours.trailers, []);
  }
});

const ourResponses: readonly BhttpResponse[] = [
  {
    informational: [],
    status: 200,
    headers: [["content-type", "application/json"]],
    content: text('{"results":[]}'),
    trailers: [],
  },
  {
    // bhttp-js reads the informational responses and then drops them.
    informational: [
      { status: 103, headers: [["link", "</a.css>; rel=preload"]] },
      { status: 102, headers: [] },
    ],
    status: 404,
    headers: [["server", "gateway"], ["cache-control", "no-store"]],
    content: text("not found"),
    trailers: [],
  },
  { informational: [], status: 599, headers: [], content: new Uint8Array(300).fill(1), trailers: [] },
];

test("interop: responses encoded here decode with bhttp-js", async () => {
  for (const res of ourResponses) {
    for (const framing of framings) {
      const decoded = new BHttpDecoder().decodeResponse(encodeResponse(res, { framing, padding: 3 }));
      const note = `${res.status} ${framing}`;
      assert.equal(decoded.status, res.status, note);
      assert.deepEqual(fetchHeaderMap(decoded.headers), asHeaderMap(res.headers), note);
      assert.deepEqual(new Uint8Array(await decoded.arrayBuffer()), res.content, note);
    }
  }
});

test("interop: responses encoded by bhttp-js decode here", async () => {
  const encoder = new BHttpEncoder();
  const cases = [
    new Response('{"ok":true}', { status: 200, headers: { "content-type": "application/json" } }),
    new Response("gone", { status: 410, headers: { "x-a": "1", "x-b": "2" } }),
    new Response(new Uint8Array(17_000).fill(9), { status: 201 }),
  ];
  for (const fetchRes of cases) {
    const body = new Uint8Array(await fetchRes.clone().arrayBuffer());
    const ours = decodeResponse(await encoder.encodeResponse(fetchRes));
    assert.deepEqual(ours.informational, []);
    assert.equal(ours.status, fetchRes.status);
    assert.deepEqual(asHeaderMap(ours.headers), fetchHeaderMap(fetchRes.headers));
    assert.deepEqual(ours.content, body);
    assert.deepEqual(ours.trailers, []);
  }
});
