import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { post, problemOf, send, startStubGateway, startTestRelay, type ClientAnswer, type StubGateway, type RelayUnderTest } from "./support.js";

function assertProblem(answer: ClientAnswer, status: number, title: string): void {
  assert.equal(answer.status, status);
  assert.equal(answer.headers["content-type"], "application/problem+json");
  assert.equal(answer.headers["cache-control"], "no-store");
  assert.equal(Number(answer.headers["content-length"]), answer.body.length);
  const problem = problemOf(answer);
  assert.equal(problem.status, status);
  assert.equal(problem.title, title);
  assert.equal(typeof problem.type, "string");
}

async function withRelay(env: Readonly<Record<string, string>>, run: (r: RelayUnderTest, gateway: StubGateway) => Promise<void>): Promise<void> {
  const gateway = await startStubGateway();
  const relay = await startTestRelay({ RELAY_GATEWAY_URL: `${gateway.origin}/gateway`, ...env });
  try {
    await run(relay, gateway);
  } finally {
    await relay.relay.stop();
    await gateway.close();
  }
}

test("405: other methods on /relay and /ohttp-keys, with Allow", () =>
  withRelay({}, async ({ relay, metrics }, gateway) => {
    for (const method of ["GET", "PUT", "DELETE", "HEAD"]) {
      const answer = await send(`${relay.url}/relay`, { method });
      assert.equal(answer.status, 405, method);
      assert.equal(answer.headers["allow"], "POST");
      assert.equal(answer.headers["content-type"], "application/problem+json");
      if (method !== "HEAD") assertProblem(answer, 405, "Method Not Allowed");
    }
    const keys = await send(`${relay.url}/ohttp-keys`, { method: "POST", headers: { "content-type": "message/ohttp-req" }, body: "x" });
    assertProblem(keys, 405, "Method Not Allowed");
    assert.equal(keys.headers["allow"], "GET, HEAD");
    assert.equal(gateway.received.length, 0);
    assert.match(await metrics(), /relay_requests_total\{outcome="bad_method"\} 4/);
  }));

test("415: a body that is not message/ohttp-req", () =>
  withRelay({}, async ({ relay, metrics }, gateway) => {
    for (const type of [undefined, "application/octet-stream", "message/ohttp-res", "message/ohttp-chunked-req"]) {
      const answer = await send(`${relay.url}/relay`, { method: "POST", headers: type === undefined ? {} : { "content-type": type }, body: "abc" });
      assertProblem(answer, 415, "Unsupported Media Type");
    }
    // Case and parameters do not matter.
    assert.equal((await send(`${relay.url}/relay`, { method: "POST", headers: { "content-type": "Message/OHTTP-Req; x=y" }, body: "abc" })).status, 200);
    assert.equal(gateway.received.length, 1);
    assert.match(await metrics(), /relay_requests_total\{outcome="bad_media_type"\} 4/);
  }));

test("413: a body over RELAY_MAX_BODY, declared or streamed, is refused and never forwarded", () =>
  withRelay({ RELAY_MAX_BODY: "1024" }, async ({ relay, metrics }, gateway) => {
    assert.equal((await post(relay.url, Buffer.alloc(1024, 1))).status, 200, "exactly the limit passes");
    assertProblem(await post(relay.url, Buffer.alloc(1025)), 413, "Content Too Large");
    // Chunked, no Content-Length: the limit applies while reading.
    const streamed = await new Promise<ClientAnswer>((resolve, reject) => {
      const req = request(
        `${relay.url}/relay`,
        { method: "POST", agent: false, headers: { "content-type": "message/ohttp-req", "transfer-encoding": "chunked" } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const body = Buffer.concat(chunks);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString() });
          });
        },
      );
      req.on("error", reject);
      req.write(Buffer.alloc(700));
      req.end(Buffer.alloc(700));
    });
    assertProblem(streamed, 413, "Content Too Large");
    assert.equal(gateway.received.length, 1);
    assert.match(await metrics(), /relay_requests_total\{outcome="too_large"\} 2/);
  }));

test("429: over RELAY_RATE_LIMIT per client address, with Retry-After; other addresses unaffected", () =>
  withRelay({ RELAY_RATE_LIMIT: "2", RELAY_RATE_WINDOW: "1m" }, async ({ relay, metrics }, gateway) => {
    const from = { localAddress: "127.0.0.21" };
    assert.equal((await post(relay.url, Buffer.from("1"), from)).status, 200);
    assert.equal((await post(relay.url, Buffer.from("2"), from)).status, 200);
    const limited = await post(relay.url, Buffer.from("3"), from);
    assertProblem(limited, 429, "Too Many Requests");
    const retryAfter = Number(limited.headers["retry-after"]);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
    // The key configuration shares the budget.
    assert.equal((await send(`${relay.url}/ohttp-keys`, from)).status, 429);
    assert.equal((await post(relay.url, Buffer.from("4"), { localAddress: "127.0.0.22" })).status, 200);
    assert.equal(gateway.received.filter((r) => r.method === "POST").length, 3);
    const text = await metrics();
    assert.match(text, /relay_requests_total\{outcome="rate_limited"\} 1/);
    assert.match(text, /relay_key_config_requests_total\{result="rate_limited"\} 1/);
    assert.match(text, /relay_rate_limit_entries 2/);
  }));

test("404: unknown paths are a problem, and the admin paths are not on the public port", () =>
  withRelay({}, async ({ relay }) => {
    for (const path of ["/", "/metrics", "/healthz", "/relay/x", "/gateway"]) assertProblem(await send(`${relay.url}${path}`), 404, "Not Found");
  }));

test("408: a client that does not finish its body within RELAY_TIMEOUT gets a problem and the connection closes", () =>
  withRelay({ RELAY_TIMEOUT: "300ms" }, async ({ relay, metrics }, gateway) => {
    const answer = await new Promise<ClientAnswer & { closed: Promise<void> }>((resolve, reject) => {
      const req = request(
        `${relay.url}/relay`,
        { method: "POST", agent: false, headers: { "content-type": "message/ohttp-req", "content-length": 100 } },
        (res) => {
          const chunks: Buffer[] = [];
          const closed = new Promise<void>((r) => req.socket?.once("close", () => r()));
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const body = Buffer.concat(chunks);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString(), closed });
          });
        },
      );
      req.on("error", reject);
      req.write(Buffer.alloc(10));
    });
    assertProblem(answer, 408, "Request Timeout");
    assert.equal(answer.headers["connection"], "close");
    await answer.closed;
    assert.equal(gateway.received.length, 0);
    assert.match(await metrics(), /relay_requests_total\{outcome="client_timeout"\} 1/);
  }));
