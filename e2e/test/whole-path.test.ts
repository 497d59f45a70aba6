/**
 * The whole path over real sockets: our client, the relay, the gateway and a target, with unique
 * canary values in every place a client could leak something. Each hop is checked against the
 * privacy contract of docs/design.md: what it received, what it logged, what it exported as metrics.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { fetchBytes, innerRequest, post, seal, startPath, type Path } from "./harness.js";

let path: Path;
before(async () => {
  path = await startPath();
});
after(async () => {
  await path.stop();
});

const tag = randomBytes(6).toString("hex");
const CANARY = {
  // A client address from the loopback range: the client socket is bound to it.
  ip: "127.61.8.23",
  userAgent: `canary-ua-${tag}`,
  cookie: `session=canary-cookie-${tag}`,
  forwardedFor: `203.0.113.77, canary-xff-${tag}`,
  query: `canary-query-${tag}`,
  token: `canary-token-${tag}`,
  body: `canary-body-${tag}`,
};

async function metricsText(adminUrl: string): Promise<string> {
  return (await fetch(`${adminUrl}/metrics`)).text();
}

test("whole path: the target gets the inner request and nothing of the client", async () => {
  const keys = await fetchBytes(`${path.relayUrl}/ohttp-keys`);
  const exchange = seal(
    keys,
    innerRequest(`/v1/search?q=${CANARY.query}&locale=en`, [["authorization", `PrivateToken token=${CANARY.token}`], ["content-type", "text/plain"]], "POST", new TextEncoder().encode(CANARY.body)),
  );
  const answer = await post(
    `${path.relayUrl}/relay`,
    exchange.encapsulatedRequest,
    {
      "content-type": "message/ohttp-req",
      "user-agent": CANARY.userAgent,
      cookie: CANARY.cookie,
      "x-forwarded-for": CANARY.forwardedFor,
      forwarded: `for=${CANARY.ip}`,
      via: `1.1 canary-via-${tag}`,
      "accept-language": `canary-lang-${tag}`,
    },
    CANARY.ip,
  );
  assert.equal(answer.status, 200);
  assert.equal(answer.headers["content-type"], "message/ohttp-res");
  assert.equal(answer.headers["set-cookie"], undefined);

  const response = exchange.open(new Uint8Array(answer.body));
  assert.equal(response.status, 200);
  assert.deepEqual(JSON.parse(Buffer.from(response.content).toString()), {
    method: "POST",
    url: `/v1/search?q=${CANARY.query}&locale=en`,
    length: CANARY.body.length,
  });

  // The target: exactly the inner request, none of the outer one, no client address anywhere.
  assert.equal(path.target.received.length, 1);
  const got = path.target.received[0];
  assert.ok(got);
  assert.equal(got.url, `/v1/search?q=${CANARY.query}&locale=en`, "the query string is kept");
  assert.equal(got.body.toString(), CANARY.body);
  assert.equal(got.headers["authorization"], `PrivateToken token=${CANARY.token}`);
  for (const name of ["x-forwarded-for", "forwarded", "via", "cookie", "user-agent", "accept-language", "x-real-ip"]) {
    assert.equal(got.headers[name], undefined, `${name} must not reach the target`);
  }
  const targetSaw = got.rawHeaders.join("\n");
  for (const value of [CANARY.ip, CANARY.userAgent, CANARY.cookie, CANARY.forwardedFor, tag + "-via"]) {
    assert.ok(!targetSaw.includes(value), `the target saw ${value}`);
  }
  assert.notEqual(got.remoteAddress, CANARY.ip, "the target's peer is the gateway, never the client");

  // The relay holds ciphertext only: what it received carries none of the plaintext canaries.
  const relayed = Buffer.from(exchange.encapsulatedRequest).toString("latin1");
  for (const plain of [CANARY.query, CANARY.token, CANARY.body]) assert.ok(!relayed.includes(plain));
  assert.ok(!answer.body.toString("latin1").includes("/v1/search"));

  // Logs and metrics of each hop.
  const relayOut = path.logs.relay.text + (await metricsText(path.relayAdminUrl));
  const gatewayOut = path.logs.gateway.text + (await metricsText(path.gatewayAdminUrl));
  assert.ok(path.logs.relay.lines.length > 0 && path.logs.gateway.lines.length > 0, "both hops logged something");
  for (const value of [CANARY.ip, CANARY.userAgent, CANARY.cookie, CANARY.forwardedFor, CANARY.query, CANARY.token, CANARY.body, tag]) {
    assert.ok(!relayOut.includes(value), `relay logs/metrics carry ${value}`);
    assert.ok(!gatewayOut.includes(value), `gateway logs/metrics carry ${value}`);
  }
});

test("whole path: a replayed request is refused and never reaches the target", async () => {
  const keys = await fetchBytes(`${path.relayUrl}/ohttp-keys`);
  const before = path.target.received.length;
  // The same ephemeral key twice gives byte-identical requests (the same enc) with two client
  // contexts, so the test can open the gateway's answer to the replay too.
  const ephemeral = randomBytes(32);
  const request = innerRequest("/v1/once");
  const original = seal(keys, request, ephemeral);
  const copy = seal(keys, request, ephemeral);
  assert.deepEqual(copy.encapsulatedRequest, original.encapsulatedRequest);

  const first = await post(`${path.relayUrl}/relay`, original.encapsulatedRequest, { "content-type": "message/ohttp-req" });
  assert.equal(first.status, 200);
  assert.equal(original.open(new Uint8Array(first.body)).status, 200);
  const replay = await post(`${path.relayUrl}/relay`, copy.encapsulatedRequest, { "content-type": "message/ohttp-req" });
  assert.equal(replay.status, 200, "the refusal travels inside the encryption");
  const refused = copy.open(new Uint8Array(replay.body));
  assert.equal(refused.status, 400);
  assert.equal(JSON.parse(Buffer.from(refused.content).toString()).type, "tag:oblivious-services,2026:problem/replayed-request");
  assert.equal(path.target.received.length, before + 1, "the replay was not forwarded");
});

test("whole path: the gateway's key error reaches the client through the relay", async () => {
  const keys = await fetchBytes(`${path.relayUrl}/ohttp-keys`);
  const exchange = seal(keys, innerRequest("/v1/x"));
  const wrongKey = Uint8Array.from(exchange.encapsulatedRequest);
  wrongKey[0] = ((wrongKey[0] ?? 0) + 1) % 256;
  const answer = await post(`${path.relayUrl}/relay`, wrongKey, { "content-type": "message/ohttp-req" });
  assert.equal(answer.status, 400);
  assert.equal(answer.headers["content-type"], "application/problem+json");
  assert.equal(JSON.parse(answer.body.toString()).type, "https://iana.org/assignments/http-problem-types#ohttp-key");
});
