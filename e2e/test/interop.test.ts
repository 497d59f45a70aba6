/**
 * Interoperability with code nobody here wrote (bhttp-js and @hpke/core, see foreign-ohttp.ts):
 * their client through our relay and gateway, and our client through our relay to their gateway.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { loadRelayConfig, startRelay } from "@oblivious/relay";
import { LineCapture } from "@oblivious/test-kit";
import { foreignEncapsulate, startForeignGateway } from "./foreign-ohttp.js";
import { fetchBytes, innerRequest, post, seal, startPath, TARGET_ORIGIN } from "./harness.js";

test("interop: a bhttp-js + @hpke/core client through our relay and gateway", async () => {
  const path = await startPath();
  try {
    const keys = await fetchBytes(`${path.relayUrl}/ohttp-keys`);
    for (const [method, body] of [
      ["GET", undefined],
      ["POST", "hello from elsewhere"],
    ] as const) {
      const exchange = await foreignEncapsulate(
        keys,
        new Request(`${TARGET_ORIGIN}/v1/ping`, { method, headers: { date: new Date().toUTCString(), "content-type": "text/plain" }, ...(body ? { body } : {}) }),
      );
      const answer = await post(`${path.relayUrl}/relay`, exchange.body, { "content-type": "message/ohttp-req" });
      assert.equal(answer.status, 200, `outer status for ${method}`);
      const response = await exchange.open(new Uint8Array(answer.body));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("x-target"), "stub");
      assert.deepEqual(await response.json(), { method, url: "/v1/ping", length: body?.length ?? 0 });
    }
    assert.equal(path.target.received.length, 2);
  } finally {
    await path.stop();
  }
});

test("interop: our client through our relay to a bhttp-js + @hpke/core gateway", async () => {
  const foreign = await startForeignGateway(() => new Response(JSON.stringify({ answered: "by the foreign gateway" }), { status: 201, headers: { "content-type": "application/json" } }));
  const relay = await startRelay(loadRelayConfig({ RELAY_PORT: "0", RELAY_ADMIN_PORT: "0", RELAY_GATEWAY_URL: `${foreign.url}/gateway` }), {
    logDestination: new LineCapture(),
    registry: new Registry(),
  });
  try {
    const keys = await fetchBytes(`${relay.url}/ohttp-keys`);
    assert.deepEqual(keys, foreign.keys, "the relay serves the foreign gateway's key configuration unchanged");
    const exchange = seal(keys, innerRequest("/v1/echo", [["content-type", "text/plain"]], "PUT", new TextEncoder().encode("our bytes")));
    const answer = await post(`${relay.url}/relay`, exchange.encapsulatedRequest, { "content-type": "message/ohttp-req" });
    assert.equal(answer.status, 200);
    const response = exchange.open(new Uint8Array(answer.body));
    assert.equal(response.status, 201);
    assert.deepEqual(JSON.parse(Buffer.from(response.content).toString()), { answered: "by the foreign gateway" });
    assert.equal(foreign.received.length, 1);
    const got = foreign.received[0];
    assert.equal(got?.method, "PUT");
    assert.equal(got?.url, `${TARGET_ORIGIN}/v1/echo`);
    assert.equal(got?.body, "our bytes");
  } finally {
    await relay.stop();
    await foreign.close();
  }
});
