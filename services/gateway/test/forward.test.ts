import { test } from "node:test";
import assert from "node:assert/strict";
import { MediaType } from "@oblivious/ohttp";
import { exchange, fetchKeyConfigs, header, innerRequest, oneKeyFile, startTarget, startTestGateway, tempDir, T0 } from "./helpers.js";

async function setup() {
  const target = await startTarget();
  const keys = oneKeyFile(tempDir());
  const t = await startTestGateway({ GATEWAY_KEYS_FILE: keys.path, GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}` });
  const [config] = await fetchKeyConfigs(t.gw.url);
  assert.ok(config);
  return { target, t, config, close: async () => (await t.stop(), await target.close()) };
}

test("forward: GET with its query string reaches the target; the answer comes back encapsulated", async () => {
  const { target, t, config, close } = await setup();
  try {
    const ex = await exchange(t.gw.url, config, innerRequest(T0, { path: "/v1/search?q=cat%20hat&locale=de&empty=&q=2" }));
    assert.equal(ex.status, 200);
    assert.equal(ex.contentType, MediaType.OhttpResponse);
    assert.equal(ex.inner?.status, 200);
    assert.equal(Buffer.from(ex.inner?.content ?? []).toString(), "hello from the target");
    assert.equal(header(ex.inner?.headers ?? [], "x-target"), "stub");
    assert.equal(header(ex.inner?.headers ?? [], "content-type"), "text/plain");
    // Connection-specific fields of the gateway-target hop stay on that hop.
    assert.equal(header(ex.inner?.headers ?? [], "connection"), undefined);
    assert.equal(header(ex.inner?.headers ?? [], "keep-alive"), undefined);
    assert.equal(target.received.length, 1);
    assert.equal(target.received[0]?.method, "GET");
    assert.equal(target.received[0]?.url, "/v1/search?q=cat%20hat&locale=de&empty=&q=2");
  } finally {
    await close();
  }
});

test("forward: POST content arrives byte for byte, through /.well-known/ohttp-gateway too", async () => {
  const { target, t, config, close } = await setup();
  target.handler = (_req, res, body) => {
    res.writeHead(201, { "content-type": "application/octet-stream" });
    res.end(Buffer.concat([Buffer.from("got:"), body]));
  };
  try {
    const content = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) % 256);
    const ex = await exchange(
      t.gw.url,
      config,
      innerRequest(T0, { method: "POST", path: "/v1/events", headers: [["date", new Date(T0).toUTCString()], ["content-type", "application/octet-stream"]], content }),
      "/.well-known/ohttp-gateway",
    );
    assert.equal(ex.inner?.status, 201);
    assert.deepEqual(Buffer.from(target.received[0]?.body ?? []), Buffer.from(content));
    assert.equal(target.received[0]?.headers["content-length"], "3000");
    assert.deepEqual(Buffer.from(ex.inner?.content ?? []), Buffer.concat([Buffer.from("got:"), Buffer.from(content)]));
  } finally {
    await close();
  }
});

test("forward: the target learns nothing about the client or the relay, and no hop-by-hop field", async () => {
  const { target, t, config, close } = await setup();
  try {
    const request = innerRequest(T0, {
      headers: [
        ["Date", new Date(T0).toUTCString()],
        ["Accept", "application/json"],
        ["Authorization", 'PrivateToken token="abc"'],
        ["X-Custom", "one"],
        ["x-custom", "two"],
        // Connection-specific, or claiming to describe the client: all dropped.
        ["Connection", "x-hop"],
        ["X-Hop", "1"],
        ["Keep-Alive", "timeout=5"],
        ["TE", "trailers"],
        ["Upgrade", "websocket"],
        ["Proxy-Authorization", "Basic Zm9vOmJhcg=="],
        ["Host", "sticker-search.internal"],
        ["X-Forwarded-For", "203.0.113.7"],
        ["Forwarded", "for=203.0.113.7"],
        ["Via", "1.1 relay"],
        ["X-Real-IP", "203.0.113.7"],
      ],
    });
    const { encodeRequest } = await import("@oblivious/bhttp");
    const { encapsulateRequest } = await import("@oblivious/ohttp");
    const { encapsulatedRequest, context } = encapsulateRequest(config, encodeRequest(request));
    // The relay's own request carries fields a careless relay might add: none may pass.
    const res = await fetch(`${t.gw.url}/gateway`, {
      method: "POST",
      headers: {
        "content-type": MediaType.OhttpRequest,
        "x-forwarded-for": "198.51.100.1",
        forwarded: "for=198.51.100.1",
        via: "1.1 relay.example",
        "user-agent": "relay/1.0",
        cookie: "relay=1",
      },
      body: encapsulatedRequest,
    });
    assert.equal(res.status, 200);
    context.decapsulateResponse(new Uint8Array(await res.arrayBuffer()));

    const got = target.received[0];
    assert.ok(got);
    const names = got.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    // No Connection field: an HTTP/1.1 connection persists by default (RFC 9112 §9.3).
    assert.deepEqual(names, ["host", "date", "accept", "authorization", "x-custom", "x-custom"]);
    assert.equal(got.headers.host, `127.0.0.1:${target.port}`);
    assert.deepEqual(got.rawHeaders.slice(-4), ["X-Custom", "one", "x-custom", "two"]);
    assert.doesNotMatch(got.rawHeaders.join("\n"), /198\.51\.100\.1|203\.0\.113\.7|relay/i);
  } finally {
    await close();
  }
});

test("forward: connections to a target are reused", async () => {
  const { target, t, config, close } = await setup();
  const ports = new Set<number>();
  target.handler = (req, res) => {
    ports.add(req.socket.remotePort ?? 0);
    res.end("ok");
  };
  try {
    for (let i = 0; i < 5; i++) assert.equal((await exchange(t.gw.url, config, innerRequest(T0))).inner?.status, 200);
    assert.equal(ports.size, 1, "one keep-alive connection served every request");
  } finally {
    await close();
  }
});
