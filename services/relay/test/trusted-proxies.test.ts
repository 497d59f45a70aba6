/**
 * RELAY_TRUST_PROXY with RELAY_TRUSTED_PROXIES, over real sockets: a client that reaches the relay
 * directly cannot pick its rate-limit bucket with a forged X-Forwarded-For; a trusted proxy's
 * forwarded address is used; and neither the forwarded address, nor the client's, nor any of its
 * fields reaches the gateway, a log line or /metrics. Clients bind distinct loopback addresses.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { RawHttpClient } from "@oblivious/test-kit";
import { assertNoCanary, send, startStubGateway, startTestRelay } from "./support.js";

const PROXY = "127.0.0.2";
const DIRECT = "127.0.0.3";

function relayPost(body: string, extra = "", path = "/relay"): string {
  return `POST ${path} HTTP/1.1\r\nHost: relay.example\r\nContent-Type: message/ohttp-req\r\nContent-Length: ${Buffer.byteLength(body, "latin1")}\r\n${extra}\r\n${body}`;
}

function keysGet(extra = ""): string {
  return `GET /ohttp-keys HTTP/1.1\r\nHost: relay.example\r\n${extra}\r\n`;
}

test("trusted proxies: a direct client's forged X-Forwarded-For changes nothing; a trusted proxy's forwarded address is the bucket", async (t) => {
  const gateway = await startStubGateway((received, res) => {
    if (received.url === "/ohttp-keys") {
      res.writeHead(200, { "content-type": "application/ohttp-keys", "cache-control": "max-age=60" });
      res.end(Buffer.from("0001", "hex"));
      return;
    }
    res.writeHead(200, { "content-type": "message/ohttp-res" });
    res.end(received.body);
  });
  const { relay, logs, metrics } = await startTestRelay({
    RELAY_GATEWAY_URL: `${gateway.origin}/gateway`,
    RELAY_TRUST_PROXY: "1",
    RELAY_TRUSTED_PROXIES: `${PROXY}/32, 2001:db8::/32`,
    RELAY_RATE_LIMIT: "1",
  });
  const port = Number(new URL(relay.url).port);
  const proxy = new RawHttpClient(port, { localAddress: PROXY });
  const direct = new RawHttpClient(port, { localAddress: DIRECT });
  t.after(async () => {
    proxy.destroy();
    direct.destroy();
    await relay.stop();
    await gateway.close();
  });
  const statusOf = async (c: RawHttpClient, request: string): Promise<number> => {
    c.send(request);
    return (await c.answer()).status;
  };
  // The direct client spends its own budget; each forged address it names is ignored, on the
  // front (plain POST /relay), on node:http (a query hands it over) and on /ohttp-keys alike.
  const directStatuses = [
    await statusOf(direct, relayPost("d1", "X-Forwarded-For: 198.51.100.10\r\n")),
    await statusOf(direct, relayPost("d2", "X-Forwarded-For: 198.51.100.11\r\n")),
    await statusOf(direct, relayPost("d3", "X-Forwarded-For: 198.51.100.12\r\nX-Forwarded-For: 198.51.100.13\r\n", "/relay?q")),
    await statusOf(direct, keysGet("X-Forwarded-For: 198.51.100.14\r\n")),
  ];
  assert.deepEqual(directStatuses, [200, 429, 429, 429]);
  // Through the trusted proxy, the forwarded address is the bucket: 198.51.100.10 was named by
  // the direct client but never charged, so its budget is whole; spent once, it is refused.
  const proxied = [
    await statusOf(proxy, relayPost("p1", "X-Forwarded-For: 198.51.100.10\r\n")),
    await statusOf(proxy, relayPost("p2", "X-Forwarded-For: 198.51.100.10\r\n")),
    await statusOf(proxy, relayPost("p3", "X-Forwarded-For: 198.51.100.11\r\n", "/relay?q")),
    await statusOf(proxy, keysGet("X-Forwarded-For: 198.51.100.12\r\n")),
    // The client's own left-hand entry proves nothing: the proxy's (rightmost) entry counts.
    await statusOf(proxy, relayPost("p4", "X-Forwarded-For: 198.51.100.99, 198.51.100.10\r\n")),
    // The proxy itself still has its budget: it was never charged for its clients.
    await statusOf(proxy, relayPost("p5")),
  ];
  assert.deepEqual(proxied, [200, 429, 200, 200, 429, 200]);
  // And the direct client forging the proxy's own address gains nothing either.
  assert.equal(await statusOf(direct, relayPost("d5", `X-Forwarded-For: ${PROXY}\r\n`)), 429);

  // Privacy: only the body reaches the gateway; no address or field of a client anywhere.
  const forwards = gateway.received.filter((r) => r.url === "/gateway");
  assert.deepEqual(forwards.map((r) => r.body.toString()).sort(), ["d1", "p1", "p3", "p5"]);
  for (const r of forwards) {
    assert.deepEqual(
      r.headers.map(([name]) => name),
      ["host", "content-type", "content-length"],
    );
    assert.notEqual(r.remoteAddress, PROXY);
    assert.notEqual(r.remoteAddress, DIRECT);
  }
  const sawAtGateway = JSON.stringify(gateway.received.map((r) => ({ url: r.url, headers: r.headers, body: r.body.toString() })));
  assertNoCanary(["198.51.100.", DIRECT, PROXY], { gateway: sawAtGateway, logs: logs.text, metrics: await metrics() });
});

test("trusted proxies: an IPv6 proxy on an IPv6 listener is trusted by its CIDR; another IPv6 peer is its own bucket", async (t) => {
  const gateway = await startStubGateway();
  const { relay } = await startTestRelay({ RELAY_HOST: "::1", RELAY_GATEWAY_URL: `${gateway.origin}/gateway`, RELAY_TRUST_PROXY: "1", RELAY_TRUSTED_PROXIES: "::1/128", RELAY_RATE_LIMIT: "1" });
  t.after(async () => {
    await relay.stop();
    await gateway.close();
  });
  const port = Number(new URL(relay.url).port);
  const proxy = new RawHttpClient(port, { host: "::1" });
  t.after(() => proxy.destroy());
  const statuses: number[] = [];
  for (const forwarded of ["2001:db8::1", "2001:db8::2", "2001:db8:0:1::1", "2001:db8::1"]) {
    proxy.send(relayPost("x", `X-Forwarded-For: ${forwarded}\r\n`));
    statuses.push((await proxy.answer()).status);
  }
  // 2001:db8::1 and ::2 share a /64 (rateLimitSubject); 2001:db8:0:1::/64 is another.
  assert.deepEqual(statuses, [200, 429, 200, 429]);
  assert.equal((await send(`${relay.url}/ohttp-keys`)).status !== 429, true, "the proxy's own budget is untouched");
});
