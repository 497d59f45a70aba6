/**
 * The relay's public listener over raw sockets: `POST /relay` answered on the node:net front
 * (service-kit's Http1Front), everything else on app.ts's node:http listener, with one set of
 * decisions either way. The front writes its field names in lower case (`date`, `connection`,
 * `keep-alive`), node:http in its own case (`Date`, `Connection`, `Keep-Alive`): that is how a
 * test here tells which one answered.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { RawHttpClient, freePort, type RawAnswer } from "@oblivious/test-kit";
import { assertNoCanary, delay, send, startStubGateway, startTestRelay, type Received, type StubGateway } from "./support.js";

const HOT_PATH_FIELDS = ["content-type", "cache-control", "content-length", "date", "connection", "keep-alive"];

function relayPost(body: string, extra = "", path = "/relay"): string {
  return `POST ${path} HTTP/1.1\r\nHost: relay.example\r\nContent-Type: message/ohttp-req\r\nContent-Length: ${Buffer.byteLength(body, "latin1")}\r\n${extra}\r\n${body}`;
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** The relay (with `env`) in front of a stub gateway (a default one unless given), and a raw client on the relay; all closed after the test. */
async function frontCase(t: TestContext, env: Record<string, string>, given?: StubGateway) {
  const gateway = given ?? (await startStubGateway());
  const running = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway`, ...env });
  const c = new RawHttpClient(portOf(running.relay.url));
  t.after(async () => {
    c.destroy();
    await running.relay.stop();
    await gateway.close();
  });
  return { ...running, gateway, c };
}

/** The exact field lines the relay's client writes, nothing of the client's. */
function assertOnlyRelayFields(gateway: StubGateway, received: Received): void {
  assert.deepEqual(received.headers, [
    ["host", new URL(gateway.origin).host],
    ["content-type", "message/ohttp-req"],
    ["content-length", String(received.body.length)],
  ]);
}

function assertFromFront(a: RawAnswer): void {
  assert.deepEqual(
    a.fields.map(([n]) => n),
    HOT_PATH_FIELDS,
    "answered on the front, with exactly the relay's fields",
  );
}

function assertProblem(a: RawAnswer, status: number, title: string): void {
  assert.equal(a.status, status);
  assert.equal(a.headers.get("content-type"), "application/problem+json");
  assert.equal(a.headers.get("cache-control"), "no-store");
  const problem = JSON.parse(a.body) as { status: number; title: string };
  assert.equal(problem.status, status);
  assert.equal(problem.title, title);
}

test("front: POST /relay on the hot path: the relay's fields only, pipelined requests answered in order on one keep-alive connection", async (t) => {
  const { gateway, logs, metrics, c } = await frontCase(t, {});
  c.send(relayPost("one") + relayPost("two") + relayPost("three"));
  const answers = [await c.answer(), await c.answer(), await c.answer()];
  assert.deepEqual(
    answers.map((a) => [a.status, a.body]),
    [
      [200, "eno"],
      [200, "owt"],
      [200, "eerht"],
    ],
  );
  for (const a of answers) {
    assertFromFront(a);
    assert.equal(a.headers.get("content-type"), "message/ohttp-res");
    assert.equal(a.headers.get("cache-control"), "no-store");
    assert.equal(a.headers.get("connection"), "keep-alive");
    assert.equal(a.headers.get("keep-alive"), "timeout=5");
    assert.match(a.headers.get("date") ?? "", /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  }
  await delay(100);
  c.send(relayPost("four"));
  assert.equal((await c.answer()).body, "ruof", "the connection is kept alive");
  assert.deepEqual(
    gateway.received.map((r) => r.body.toString()),
    ["one", "two", "three", "four"],
  );
  for (const r of gateway.received) assertOnlyRelayFields(gateway, r);
  assert.equal(gateway.connections, 1, "one kept-alive connection to the gateway");
  const text = await metrics();
  assert.match(text, /relay_requests_total\{outcome="forwarded"\} 4/);
  assert.match(text, /relay_forward_duration_seconds_count\{outcome="forwarded"\} 4/);
  assert.match(text, /http_request_duration_seconds_count\{route="relay",method="POST",status_class="2xx"\} 4/);
  assert.deepEqual(
    logs.events("http.request").map((e) => [e["method"], e["route"], e["status"]]),
    Array(4).fill(["POST", "relay", 200]),
  );
});

test("front: a POST /relay it hands to node:http (a query, chunked) gets the same answer and sends the gateway the same bytes", async (t) => {
  const { gateway, metrics, c } = await frontCase(t, {});
  c.send(relayPost("same"));
  const fast = await c.answer();
  c.send(relayPost("same", "", "/relay?q=1"));
  const slow = await c.answer();
  c.send("POST /relay HTTP/1.1\r\nHost: relay.example\r\nContent-Type: message/ohttp-req\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nsa\r\n2\r\nme\r\n0\r\n\r\n");
  const chunked = await c.answer();
  assertFromFront(fast);
  assert.ok(slow.fields.some(([n]) => n === "Date"), "the second answer is node:http's");
  const comparable = (a: RawAnswer): [number, string, [string, string][]] => [
    a.status,
    a.body,
    a.fields.map(([n, v]): [string, string] => [n.toLowerCase(), v]).filter(([n]) => n !== "date").sort(),
  ];
  assert.deepEqual(comparable(slow), comparable(fast));
  assert.deepEqual(comparable(chunked), comparable(fast));
  assert.equal(gateway.received.length, 3);
  for (const r of gateway.received) {
    assertOnlyRelayFields(gateway, r);
    assert.equal(r.url, "/gateway");
    assert.equal(r.body.toString(), "same");
  }
  assert.match(await metrics(), /relay_requests_total\{outcome="forwarded"\} 3/);
});

test("privacy on the front: the client's address and every client field reach neither the gateway, nor a log line, nor /metrics", async (t) => {
  const gateway = await startStubGateway();
  const { relay, logs, metrics } = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway` });
  const clientAddress = "127.77.13.9";
  const c = new RawHttpClient(portOf(relay.url), { localAddress: clientAddress });
  t.after(async () => {
    c.destroy();
    await relay.stop();
    await gateway.close();
  });
  const canaries = [
    "User-Agent: canary-agent-5d1e",
    "Cookie: sid=canary-cookie-83a2",
    "cookie: second=canary-cookie-2nd",
    "Authorization: Bearer canary-auth-77c1",
    "X-Forwarded-For: 203.0.113.77",
    "x-forwarded-for: 203.0.113.78",
    "Forwarded: for=198.51.100.23;proto=https",
    "Via: 1.1 canary-via-proxy",
    "Accept-Language: canary-lang-x9",
    "X-Real-IP: 192.0.2.201",
    "X-Request-Id: canary-request-id-44",
    "Connection: keep-alive",
  ];
  const extra = canaries.map((l) => `${l}\r\n`).join("");
  const secrets = ["canary", "203.0.113.77", "203.0.113.78", "198.51.100.23", "192.0.2.201", clientAddress];
  c.send(relayPost("ciphertext-1", extra) + relayPost("ciphertext-2", extra));
  const answers = [await c.answer(), await c.answer()];
  c.send(relayPost("x", extra).replace("message/ohttp-req", "text/plain"));
  const refused = await c.answer();
  for (const a of answers) {
    assert.equal(a.status, 200);
    assertFromFront(a);
    assert.doesNotMatch(JSON.stringify(a.fields), /canary-gateway/, "no gateway field reaches the client");
  }
  assertProblem(refused, 415, "Unsupported Media Type");
  assertFromFront(refused);

  assert.equal(gateway.received.length, 2);
  for (const r of gateway.received) {
    assertOnlyRelayFields(gateway, r);
    assert.notEqual(r.remoteAddress, clientAddress, "the gateway's peer is the relay, not the client");
  }
  const sawAtGateway = JSON.stringify(gateway.received.map((r) => ({ url: r.url, headers: r.headers, body: r.body.toString() })));
  assert.ok(logs.events("http.request").length === 3);
  assertNoCanary(secrets, { gateway: sawAtGateway, logs: logs.text, metrics: await metrics() });
});

test("front: behind RELAY_TRUST_PROXY the rightmost X-Forwarded-For entry counts, lines joined as node:http joins them; without it, the peer", async (t) => {
  const gateway = await startStubGateway();
  const trusting = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway`, RELAY_TRUST_PROXY: "1", RELAY_TRUSTED_PROXIES: "127.0.0.0/8", RELAY_RATE_LIMIT: "1" });
  const plain = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway`, RELAY_RATE_LIMIT: "1" });
  const proxy = new RawHttpClient(portOf(trusting.relay.url));
  const direct = new RawHttpClient(portOf(plain.relay.url));
  t.after(async () => {
    proxy.destroy();
    direct.destroy();
    await trusting.relay.stop();
    await plain.relay.stop();
    await gateway.close();
  });
  const statusOf = async (c: RawHttpClient, request: string): Promise<number> => {
    c.send(request);
    return (await c.answer()).status;
  };
  // One proxy connection carries several clients, each with its own budget of one.
  const statuses = [
    await statusOf(proxy, relayPost("a", "X-Forwarded-For: 198.51.100.1\r\n")),
    await statusOf(proxy, relayPost("b", "X-Forwarded-For: 10.9.9.9\r\nX-Forwarded-For: 198.51.100.2\r\n")),
    // Two lines join into "198.51.100.2, 10.1.1.1": the proxy's own (rightmost) entry is new.
    await statusOf(proxy, relayPost("c", "X-Forwarded-For: 198.51.100.2\r\nx-forwarded-for: 10.1.1.1\r\n")),
    // The client wrote the left entry itself: only the proxy's counts, and 198.51.100.1 spent its budget.
    await statusOf(proxy, relayPost("d", "X-Forwarded-For: 10.1.1.2, 198.51.100.1\r\n")),
    // The same on the node:http listener (a query hands the request over): one budget for both.
    await statusOf(proxy, relayPost("e", "X-Forwarded-For: 10.7.7.7\r\nX-Forwarded-For: 198.51.100.2\r\n", "/relay?q")),
  ];
  assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  // No trusted proxy: the header is not even read, the socket's peer counts.
  const untrusted = [
    await statusOf(direct, relayPost("f", "X-Forwarded-For: 198.51.100.3\r\n")),
    await statusOf(direct, relayPost("g", "X-Forwarded-For: 198.51.100.4\r\n")),
  ];
  assert.deepEqual(untrusted, [200, 429]);
  assert.equal(gateway.received.length, 4);
  for (const r of gateway.received) assertOnlyRelayFields(gateway, r);
  const seen =
    JSON.stringify(gateway.received.map((r) => r.headers)) + trusting.logs.text + plain.logs.text + (await trusting.metrics()) + (await plain.metrics());
  for (const address of ["198.51.100.", "10.9.9.9", "10.1.1.", "10.7.7.7"]) assert.ok(!seen.includes(address), `${address} leaked`);
});

test("front: 415 on the hot path, then 413, 405 and 404 from node:http on the same connection, all problem+json", async (t) => {
  const { gateway, metrics, c } = await frontCase(t, { RELAY_MAX_BODY: "1024" });
  c.send(relayPost("x").replace("message/ohttp-req", "application/octet-stream"));
  const unsupported = await c.answer();
  assertProblem(unsupported, 415, "Unsupported Media Type");
  assertFromFront(unsupported);
  // A declared length over the limit: node:http's to read, app.ts's 413.
  c.send(relayPost("z".repeat(1025)));
  assertProblem(await c.answer(), 413, "Content Too Large");
  c.send("GET /relay HTTP/1.1\r\nHost: relay.example\r\n\r\n");
  const method = await c.answer();
  assertProblem(method, 405, "Method Not Allowed");
  assert.equal(method.headers.get("allow"), "POST");
  c.send("GET /nope HTTP/1.1\r\nHost: relay.example\r\n\r\n");
  assertProblem(await c.answer(), 404, "Not Found");
  c.send(relayPost("still"));
  assert.equal((await c.answer()).body, "llits", "the connection still relays");
  assert.equal(gateway.received.length, 1);
  const text = await metrics();
  for (const outcome of ["bad_media_type", "too_large", "bad_method", "forwarded"]) assert.match(text, new RegExp(`relay_requests_total\\{outcome="${outcome}"\\} 1`));
});

test("front: the gateway down is a 502 once per request, never retried; back up, the same connection relays again", async (t) => {
  const port = await freePort();
  const { relay, metrics, logs } = await startTestRelay({ RELAY_GATEWAY_URL: `http://127.0.0.1:${port}/gateway` });
  const c = new RawHttpClient(portOf(relay.url));
  let gateway: StubGateway | undefined;
  t.after(async () => {
    c.destroy();
    await relay.stop();
    await gateway?.close();
  });
  const exchange = async (body: string): Promise<RawAnswer> => {
    c.send(relayPost(body));
    return c.answer();
  };
  const down = await exchange("first");
  assertProblem(down, 502, "Bad Gateway");
  assert.equal(JSON.parse(down.body).type, "tag:oblivious-services,2026:problem/gateway-unreachable");
  gateway = await startStubGateway(undefined, port);
  assert.equal((await exchange("second")).body, "dnoces");
  await gateway.close();
  await delay(50);
  assertProblem(await exchange("third"), 502, "Bad Gateway");
  gateway = await startStubGateway(undefined, port);
  assert.equal((await exchange("fourth")).body, "htruof");
  assert.deepEqual(
    gateway.received.map((r) => r.body.toString()),
    ["fourth"],
  );
  const text = await metrics();
  assert.match(text, /relay_requests_total\{outcome="gateway_unreachable"\} 2/);
  assert.match(text, /relay_requests_total\{outcome="forwarded"\} 2/);
  assert.deepEqual(
    logs.events("forward.failed").map((e) => e["reason"]),
    ["unreachable", "unreachable"],
  );
});

test("front: past RELAY_TIMEOUT the client gets a 504, the gateway's connection is closed, nothing is re-sent, the client's connection stays usable", async (t) => {
  let heldClosed = false;
  const gateway = await startStubGateway((received, res, req) => {
    if (received.body.toString() === "hold") {
      req.socket.once("close", () => (heldClosed = true));
      return;
    }
    res.writeHead(200, { "content-type": "message/ohttp-res" }).end(received.body);
  });
  const { metrics, c } = await frontCase(t, { RELAY_TIMEOUT: "300ms" }, gateway);
  const started = performance.now();
  c.send(relayPost("hold"));
  const late = await c.answer();
  const took = performance.now() - started;
  assertProblem(late, 504, "Gateway Timeout");
  assertFromFront(late);
  assert.ok(took >= 290 && took < 2000, `answered after ${took} ms`);
  await delay(100);
  assert.ok(heldClosed, "the relay gave up the gateway connection that may still carry the answer");
  c.send(relayPost("ok"));
  assert.equal((await c.answer()).body, "ok");
  assert.deepEqual(
    gateway.received.map((r) => r.body.toString()),
    ["hold", "ok"],
  );
  assert.match(await metrics(), /relay_requests_total\{outcome="gateway_timeout"\} 1/);
});

test("front: a body late by RELAY_TIMEOUT gets the 408 problem and the connection closes; a client gone mid-body is counted", async (t) => {
  const gateway = await startStubGateway();
  const { relay, metrics, logs } = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway`, RELAY_TIMEOUT: "300ms" });
  const slow = new RawHttpClient(portOf(relay.url));
  const gone = new RawHttpClient(portOf(relay.url));
  t.after(async () => {
    slow.destroy();
    gone.destroy();
    await relay.stop();
    await gateway.close();
  });
  const partial = "POST /relay HTTP/1.1\r\nHost: relay.example\r\nContent-Type: message/ohttp-req\r\nContent-Length: 100\r\n\r\n0123456789";
  slow.send(partial);
  gone.send(partial);
  await delay(50);
  gone.destroy();
  const late = await slow.answer(3000);
  assertProblem(late, 408, "Request Timeout");
  assert.equal(late.headers.get("connection"), "close");
  assert.ok(await slow.closedWithin(1000));
  assert.equal(gateway.received.length, 0);
  const text = await metrics();
  assert.match(text, /relay_requests_total\{outcome="client_timeout"\} 1/);
  assert.match(text, /relay_requests_total\{outcome="client_aborted"\} 1/);
  assert.deepEqual(
    logs.events("http.request").map((e) => [e["route"], e["status"]]),
    [["relay", 408]],
  );
});

test("front: stop() closes idle keep-alive connections, finishes the forward in flight with Connection: close, then stops", async () => {
  let release: () => void = () => undefined;
  const gateway = await startStubGateway((received, res) => {
    if (received.body.toString() !== "in flight") {
      res.writeHead(200, { "content-type": "message/ohttp-res" }).end(received.body);
      return;
    }
    release = () => res.writeHead(200, { "content-type": "message/ohttp-res" }).end(received.body);
  });
  const { relay, logs } = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway`, RELAY_DRAIN_TIMEOUT: "5s" });
  const idle = new RawHttpClient(portOf(relay.url));
  const busy = new RawHttpClient(portOf(relay.url));
  try {
    idle.send(relayPost("warm"));
    assert.equal((await idle.answer()).status, 200);
    busy.send(relayPost("in flight"));
    while (gateway.received.length < 2) await delay(10);
    const stopped = relay.stop();
    assert.ok(await idle.closedWithin(1000), "the idle connection is closed at once");
    assert.equal(busy.closed, false);
    release();
    const answer = await busy.answer();
    assert.equal(answer.body, "in flight");
    assert.equal(answer.headers.get("connection"), "close");
    assert.ok(await busy.closedWithin(1000));
    await stopped;
    await assert.rejects(send(`${relay.url}/ohttp-keys`), "the public port is closed");
    assert.equal(logs.events("service.stopped")[0]?.["forced"], false);
  } finally {
    idle.destroy();
    busy.destroy();
    await relay.stop();
    await gateway.close();
  }
});

test("front: over RELAY_RATE_LIMIT, a 429 problem with Retry-After from the hot path, and nothing forwarded", async (t) => {
  const { gateway, c } = await frontCase(t, { RELAY_RATE_LIMIT: "1" });
  c.send(relayPost("one") + relayPost("two"));
  assert.equal((await c.answer()).status, 200);
  const limited = await c.answer();
  assertProblem(limited, 429, "Too Many Requests");
  assert.deepEqual(
    limited.fields.map(([n]) => n),
    ["retry-after", ...HOT_PATH_FIELDS],
  );
  assert.match(limited.headers.get("retry-after") ?? "", /^\d+$/);
  assert.deepEqual(JSON.parse(limited.body), { type: "about:blank", title: "Too Many Requests", status: 429 });
  assert.equal(gateway.received.length, 1);
});
