import { test } from "node:test";
import assert from "node:assert/strict";
import { randomFillSync } from "node:crypto";
import { freePort } from "@oblivious/test-kit";
import { assertNoCanary, delay, post, problemOf, send, startStubGateway, startTestRelay, type Received } from "./support.js";

/** What may reach the gateway: the relay's own fields, nothing from the client (forward.ts writes exactly these). */
const GATEWAY_MAY_RECEIVE = new Set(["host", "content-type", "content-length"]);
/** What the client may get back: the relay's choice, plus node:http's own framing and date. */
const CLIENT_MAY_RECEIVE = new Set(["content-type", "content-length", "cache-control", "date", "connection", "keep-alive"]);

function ohttpLikeBody(size: number): Buffer {
  const body = Buffer.alloc(size);
  randomFillSync(body);
  // Every byte value, where there is room, so no value is special-cased on the way.
  for (let i = 0; i < 256 && i < size; i++) body[i] = i;
  return body;
}

function headerNames(received: Received): string[] {
  return received.headers.map(([name]) => name);
}

test("forward: the body alone reaches the gateway, byte-exact, as message/ohttp-req; the answer returns with only client headers", async (t) => {
  const gateway = await startStubGateway();
  const { relay, metrics } = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway` });
  t.after(async () => {
    await relay.stop();
    await gateway.close();
  });
  const body = ohttpLikeBody(1500);
  const answer = await post(relay.url, body);

  assert.equal(gateway.received.length, 1);
  const at = gateway.received[0];
  assert.ok(at);
  assert.equal(at.method, "POST");
  assert.equal(at.url, "/gateway");
  assert.ok(at.body.equals(body), "the gateway got the body byte for byte");
  // The exact field lines, in order: nothing else, not even `connection` (HTTP/1.1 keeps alive by default).
  assert.deepEqual(at.headers, [
    ["host", new URL(gateway.origin).host],
    ["content-type", "message/ohttp-req"],
    ["content-length", "1500"],
  ]);

  assert.equal(answer.status, 200);
  assert.ok(answer.body.equals(Buffer.from(body).reverse()), "the client got the gateway's body byte for byte");
  assert.equal(answer.headers["content-type"], "message/ohttp-res");
  assert.equal(answer.headers["content-length"], "1500");
  assert.equal(answer.headers["cache-control"], "no-store");
  for (const name of Object.keys(answer.headers)) assert.ok(CLIENT_MAY_RECEIVE.has(name), `client received ${name}`);
  assert.doesNotMatch(JSON.stringify(answer.headers), /canary-gateway/);

  const text = await metrics();
  assert.match(text, /relay_requests_total\{outcome="forwarded"\} 1/);
  assert.match(text, /relay_forward_duration_seconds_count\{outcome="forwarded"\} 1/);
  assert.match(text, /http_request_duration_seconds_count\{route="relay",method="POST",status_class="2xx"\} 1/);
});

test("privacy: client headers and the client address reach neither the gateway, nor a log line, nor /metrics", async (t) => {
  const gateway = await startStubGateway();
  const { relay, logs, metrics } = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway` });
  t.after(async () => {
    await relay.stop();
    await gateway.close();
  });
  const clientAddress = "127.77.13.9";
  const canaries = {
    "user-agent": "canary-agent-5d1e",
    cookie: "sid=canary-cookie-83a2",
    authorization: "Bearer canary-auth-77c1",
    "x-forwarded-for": "203.0.113.77",
    forwarded: "for=198.51.100.23;proto=https",
    via: "1.1 canary-via-proxy",
    "accept-language": "canary-lang-x9",
    "x-real-ip": "192.0.2.201",
    "x-request-id": "canary-request-id-44",
  } as const;
  const secrets = [...Object.values(canaries), clientAddress, "canary"];

  const ok = await post(relay.url, ohttpLikeBody(300), { headers: canaries, localAddress: clientAddress });
  assert.equal(ok.status, 200);
  // Error paths and the key path get the same canaries: none of them may log a client detail.
  await send(`${relay.url}/relay`, { method: "POST", headers: { ...canaries, "content-type": "text/plain" }, body: "x", localAddress: clientAddress });
  await send(`${relay.url}/relay?canary-query=1`, { method: "GET", headers: canaries, localAddress: clientAddress });
  await send(`${relay.url}/canary-path`, { headers: canaries, localAddress: clientAddress });
  await send(`${relay.url}/ohttp-keys`, { headers: canaries, localAddress: clientAddress });

  const atGateway = gateway.received.filter((r) => r.method === "POST");
  assert.equal(atGateway.length, 1);
  const forwarded = atGateway[0];
  assert.ok(forwarded);
  for (const name of headerNames(forwarded)) assert.ok(GATEWAY_MAY_RECEIVE.has(name), `gateway received ${name}`);
  for (const name of ["via", "forwarded", "x-forwarded-for", "x-real-ip"]) {
    assert.ok(!headerNames(forwarded).includes(name), `the relay added or passed ${name}`);
  }
  assert.notEqual(forwarded.remoteAddress, clientAddress, "the gateway's peer is the relay, not the client");
  const everythingTheGatewaySaw = JSON.stringify(gateway.received.map((r) => ({ url: r.url, headers: r.headers })));
  assert.ok(logs.lines.length > 0);
  assertNoCanary(secrets, { gateway: everythingTheGatewaySaw, logs: logs.text, metrics: await metrics() });
});

test("privacy: behind a trusted proxy, X-Forwarded-For counts for rate limiting only and is never forwarded or logged", async (t) => {
  const gateway = await startStubGateway();
  const { relay, logs, metrics } = await startTestRelay({
    RELAY_GATEWAY_URL: `${gateway.origin}/gateway`,
    RELAY_TRUST_PROXY: "1",
    RELAY_TRUSTED_PROXIES: "127.0.0.0/8",
    RELAY_RATE_LIMIT: "1",
  });
  t.after(async () => {
    await relay.stop();
    await gateway.close();
  });
  // The same proxy connection carries two clients; each has its own budget of one.
  const a = await post(relay.url, ohttpLikeBody(10), { headers: { "x-forwarded-for": "198.51.100.1" } });
  const b = await post(relay.url, ohttpLikeBody(10), { headers: { "x-forwarded-for": "10.9.9.9, 198.51.100.2" } });
  // The client wrote the left entry itself; only the proxy's (rightmost) entry counts.
  const a2 = await post(relay.url, ohttpLikeBody(10), { headers: { "x-forwarded-for": "10.1.1.1, 198.51.100.1" } });
  assert.deepEqual([a.status, b.status, a2.status], [200, 200, 429]);
  assert.equal(gateway.received.length, 2);
  for (const r of gateway.received) for (const name of headerNames(r)) assert.ok(GATEWAY_MAY_RECEIVE.has(name), `gateway received ${name}`);
  const seen = JSON.stringify(gateway.received.map((r) => r.headers)) + logs.text + (await metrics());
  for (const address of ["198.51.100.1", "198.51.100.2", "10.9.9.9", "10.1.1.1"]) assert.ok(!seen.includes(address), `${address} leaked`);
});

test("forward: the client's path and query are not forwarded", async (t) => {
  const gateway = await startStubGateway();
  const { relay } = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway` });
  t.after(async () => {
    await relay.stop();
    await gateway.close();
  });
  const answer = await send(`${relay.url}/relay?target=canary`, { method: "POST", headers: { "content-type": "message/ohttp-req" }, body: "abc" });
  assert.equal(answer.status, 200);
  assert.equal(gateway.received[0]?.url, "/gateway");
});

test("forward: connections to the gateway are kept alive and reused", async (t) => {
  const gateway = await startStubGateway();
  const { relay } = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway` });
  t.after(async () => {
    await relay.stop();
    await gateway.close();
  });
  for (let i = 0; i < 5; i++) assert.equal((await post(relay.url, ohttpLikeBody(64))).status, 200);
  assert.equal(gateway.received.length, 5);
  assert.equal(gateway.connections, 1);
});

test("502: gateway unreachable, answered once as problem+json", async (t) => {
  const port = await freePort();
  const { relay, metrics, logs } = await startTestRelay({ RELAY_GATEWAY_URL: `http://127.0.0.1:${port}/gateway` });
  t.after(() => relay.stop());
  const answer = await post(relay.url, ohttpLikeBody(32));
  assert.equal(answer.status, 502);
  assert.equal(answer.headers["content-type"], "application/problem+json");
  assert.equal(answer.headers["cache-control"], "no-store");
  assert.deepEqual(problemOf(answer), {
    type: "tag:oblivious-services,2026:problem/gateway-unreachable",
    title: "Bad Gateway",
    status: 502,
    detail: "The gateway could not be reached.",
  });
  assert.match(await metrics(), /relay_requests_total\{outcome="gateway_unreachable"\} 1/);
  assert.equal(logs.events("forward.failed")[0]?.["reason"], "unreachable");
});

test("no retry: a gateway that drops the connection gets the request once; the client gets one 502", async (t) => {
  const gateway = await startStubGateway((_received, _res, req) => req.socket.destroy());
  const { relay } = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway` });
  t.after(async () => {
    await relay.stop();
    await gateway.close();
  });
  const answer = await post(relay.url, ohttpLikeBody(32));
  assert.equal(answer.status, 502);
  assert.equal(answer.headers["content-type"], "application/problem+json");
  await delay(300);
  assert.equal(gateway.received.length, 1, "the request was sent exactly once");
});

test("504: gateway timeout, answered once as problem+json and never re-sent", async (t) => {
  const held: (() => void)[] = [];
  const gateway = await startStubGateway((_received, res) => held.push(() => res.end()));
  const { relay, metrics } = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway`, RELAY_TIMEOUT: "200ms" });
  t.after(async () => {
    for (const release of held) release();
    await relay.stop();
    await gateway.close();
  });
  const started = performance.now();
  const answer = await post(relay.url, ohttpLikeBody(32));
  const took = performance.now() - started;
  assert.equal(answer.status, 504);
  assert.equal(answer.headers["content-type"], "application/problem+json");
  assert.equal(problemOf(answer).type, "tag:oblivious-services,2026:problem/gateway-timeout");
  assert.ok(took >= 190 && took < 2000, `answered after ${took} ms`);
  await delay(400);
  assert.equal(gateway.received.length, 1, "the request was sent exactly once");
  assert.match(await metrics(), /relay_requests_total\{outcome="gateway_timeout"\} 1/);
});

test("gateway errors: status and problem body are passed on, no other gateway header is", async (t) => {
  const keyProblem = JSON.stringify({
    type: "https://iana.org/assignments/http-problem-types#ohttp-key",
    title: "key identifier unknown",
    status: 400,
  });
  const gateway = await startStubGateway((received, res) => {
    if (received.body.toString() === "html") {
      res.writeHead(503, { "content-type": "text/html", "set-cookie": "a=canary-gw", server: "canary-gw" });
      res.end("<html>canary-gateway-internals</html>");
      return;
    }
    res.writeHead(400, {
      "content-type": "application/problem+json",
      "set-cookie": "gw=canary-gateway-cookie",
      server: "canary-gateway-server",
      "x-gateway-debug": "canary-gateway-debug",
      "retry-after": "7",
      "cache-control": "max-age=99",
    });
    res.end(keyProblem);
  });
  const { relay, metrics } = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway` });
  t.after(async () => {
    await relay.stop();
    await gateway.close();
  });
  const answer = await post(relay.url, Buffer.from("stale key id"));
  assert.equal(answer.status, 400);
  assert.equal(answer.headers["content-type"], "application/problem+json");
  assert.equal(answer.headers["cache-control"], "no-store");
  assert.equal(answer.text, keyProblem, "the gateway's problem body, byte for byte");
  for (const name of Object.keys(answer.headers)) assert.ok(CLIENT_MAY_RECEIVE.has(name), `client received ${name}`);
  assert.doesNotMatch(JSON.stringify(answer.headers), /canary|99/);

  const html = await post(relay.url, Buffer.from("html"));
  assert.equal(html.status, 503);
  assert.equal(html.headers["content-type"], "application/problem+json");
  assert.deepEqual(problemOf(html), {
    type: "tag:oblivious-services,2026:problem/gateway-error",
    title: "Gateway Error",
    status: 503,
    detail: "The gateway answered with an error.",
  });
  assert.doesNotMatch(JSON.stringify(html.headers) + html.text, /canary/);
  assert.match(await metrics(), /relay_requests_total\{outcome="gateway_error"\} 2/);
});

test("gateway answers the relay cannot pass (wrong type, redirect, too large) are a 502", async (t) => {
  const gateway = await startStubGateway((received, res) => {
    switch (received.body.toString()) {
      case "text":
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("hello");
        return;
      case "redirect":
        res.writeHead(302, { location: "http://elsewhere.example/" });
        res.end();
        return;
      case "declared":
        res.writeHead(200, { "content-type": "message/ohttp-res", "content-length": 2000 });
        res.end(Buffer.alloc(2000));
        return;
      default:
        // Chunked, no declared length: the limit applies while reading.
        res.writeHead(200, { "content-type": "message/ohttp-res" });
        res.write(Buffer.alloc(600));
        res.end(Buffer.alloc(600));
    }
  });
  const { relay, metrics, logs } = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway`, RELAY_MAX_RESPONSE: "1024" });
  t.after(async () => {
    await relay.stop();
    await gateway.close();
  });
  for (const kind of ["text", "redirect", "declared", "streamed"]) {
    const answer = await post(relay.url, Buffer.from(kind));
    assert.equal(answer.status, 502, kind);
    assert.equal(answer.headers["content-type"], "application/problem+json");
    assert.equal(problemOf(answer).type, "tag:oblivious-services,2026:problem/gateway-invalid");
    assert.equal(answer.headers["location"], undefined);
  }
  assert.match(await metrics(), /relay_requests_total\{outcome="gateway_invalid"\} 4/);
  assert.deepEqual(
    logs.events("forward.failed").map((e) => e["reason"]),
    ["bad-media-type", "bad-status", "too-large", "too-large"],
  );
});
