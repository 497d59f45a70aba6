/**
 * The Privacy Pass gate in front of `POST /v1/events`: a client without a token gets 401 with a
 * challenge for this origin; a token is accepted once; tokens for another origin, malformed
 * credentials and a missing issuer directory are refused, and the body is never read for them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeTokenChallenge, parseWwwAuthenticate } from "@oblivious/privacypass";
import { PROBLEM_MEDIA_TYPE } from "@oblivious/service-kit";
import { TokenGateProblems } from "@oblivious/token-gate";
import { freePort, LineCapture, mintToken, status, TEST_ISSUER_NAME, tokenChallenge } from "@oblivious/test-kit";
import { loadTelemetryConfig, TELEMETRY_ORIGIN } from "../src/config.js";
import { startTelemetry } from "../src/server.js";
import { metricValue, startTestTelemetry } from "./helpers.js";

const BATCH = JSON.stringify({ events: [{ type: "app.start", platform: "web", version_major: 3 }] });

test("no token: 401 token-required with a PrivateToken challenge for telemetry.internal; nothing counted", async () => {
  const t = await startTestTelemetry();
  try {
    const answer = await t.post(BATCH, { authorization: null });
    assert.equal(answer.status, 401);
    assert.equal(answer.headers.get("content-type"), PROBLEM_MEDIA_TYPE);
    assert.deepEqual(answer.json(), TokenGateProblems.tokenRequired);
    const header = answer.headers.get("www-authenticate");
    assert.ok(header);
    const [challenge] = parseWwwAuthenticate(header);
    assert.ok(challenge);
    const decoded = decodeTokenChallenge(challenge.challenge);
    assert.equal(decoded.issuerName, TEST_ISSUER_NAME);
    assert.deepEqual(decoded.originInfo, [new URL(TELEMETRY_ORIGIN).host]);
    assert.deepEqual(challenge.tokenKey, t.issuer.spki);

    const bearer = await t.post(BATCH, { authorization: "Bearer abc" });
    assert.equal(bearer.status, 401, "another scheme is no token");
    const metrics = await t.metrics();
    assert.equal(metricValue(metrics, 'telemetry_events_total{type="app.start"}'), 0);
    assert.equal(metricValue(metrics, 'telemetry_batches_total{outcome="accepted"}'), 0);
    assert.equal(metricValue(metrics, 'token_gate_requests_total{outcome="missing"}'), 2);
  } finally {
    await t.stop();
  }
});

test("a token is accepted once; the same token again is 401 spent-token", async () => {
  const t = await startTestTelemetry();
  try {
    const token = await t.token();
    assert.equal((await t.post(BATCH, { authorization: token.header })).status, 200);
    const again = await t.post(BATCH, { authorization: token.header });
    assert.equal(again.status, 401);
    assert.deepEqual(again.json(), TokenGateProblems.spentToken);
    assert.ok(again.headers.get("www-authenticate")?.startsWith("PrivateToken "));
    // A refused batch (415 here) has spent its token too: every answer past 401 costs one.
    const used = await t.token();
    assert.equal((await t.post(BATCH, { authorization: used.header, contentType: "text/plain" })).status, 415);
    assert.equal((await t.post(BATCH, { authorization: used.header })).status, 401);
    assert.equal(metricValue(await t.metrics(), 'telemetry_events_total{type="app.start"}'), 1);
  } finally {
    await t.stop();
  }
});

test("a token for another origin is invalid-token; a malformed credential is 400; neither reads the body", async () => {
  const t = await startTestTelemetry();
  try {
    const elsewhere = await mintToken(t.issuer, tokenChallenge({ originInfo: ["sticker-search.internal"] }));
    const wrong = await t.post(BATCH, { authorization: elsewhere.header });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.json(), TokenGateProblems.invalidToken);
    const malformed = await t.post(BATCH, { authorization: 'PrivateToken token="!!!"' });
    assert.equal(malformed.status, 400);
    assert.deepEqual(malformed.json(), TokenGateProblems.malformedAuthorization);
    // A body that would be refused (not JSON) is never looked at without a valid token.
    const notJson = await t.post("not json", { authorization: elsewhere.header });
    assert.equal(notJson.status, 401);
    assert.equal(t.out.events("events.batch").length, 0, "no batch was processed");
  } finally {
    await t.stop();
  }
});

test("issuer directory unreachable: 503 token-check-unavailable with Retry-After, not ready; /healthz still 200", async () => {
  const port = await freePort();
  const out = new LineCapture();
  const config = loadTelemetryConfig({
    TELEMETRY_PORT: "0",
    TELEMETRY_ADMIN_PORT: "0",
    ISSUER_DIRECTORY_URL: `http://127.0.0.1:${port}/.well-known/private-token-issuer-directory`,
  });
  const service = await startTelemetry(config, { logDestination: out });
  try {
    const res = await fetch(`${service.url}/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body: BATCH });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "1");
    assert.deepEqual(await res.json(), TokenGateProblems.tokenCheckUnavailable);
    assert.equal(await status(`${service.adminUrl}/readyz`), 503);
    assert.equal(await status(`${service.adminUrl}/healthz`), 200);
  } finally {
    await service.stop();
  }
});

test("ready with a directory; not ready once draining", async () => {
  const t = await startTestTelemetry();
  try {
    assert.equal(await status(`${t.service.adminUrl}/readyz`), 200);
    assert.equal(await status(`${t.service.adminUrl}/healthz`), 200);
  } finally {
    await t.stop();
  }
  assert.equal(t.service.accepting(), false);
});
