/** Issuance end to end, in process, with libs/privacypass's client: single and batched. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { MediaType, TokenType, decodeTokenKey, encodeTokenRequest, tokenKeyId, verifyToken } from "@oblivious/privacypass";
import { status } from "@oblivious/test-kit";
import { clientKey, fetchDirectory, fixture, issueBatch, issueOne, metricsText, startTestIssuer, testKey } from "./helpers.js";

test("issuance: one token request → 200 application/private-token-response, and the token verifies", async () => {
  const t = await startTestIssuer(await fixture());
  try {
    const directory = await fetchDirectory(t.url);
    assert.equal(directory.issuerRequestUri, "https://issuer.example/token-request");
    const tokenKey = clientKey(directory, t.fx.clock.now);
    const { answer, token } = await issueOne(t.url, await t.credential("device-single"), tokenKey);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("content-type"), MediaType.TokenResponse, "exact, no charset");
    assert.equal(answer.headers.get("cache-control"), "no-store");
    assert.equal(answer.body.length, 256);
    assert.ok(token);
    assert.deepEqual(token.tokenKeyId, tokenKeyId(tokenKey));
    assert.equal(verifyToken(token, decodeTokenKey(tokenKey)), true);
    const metrics = await metricsText(t.issuer);
    assert.match(metrics, /issuer_token_requests_total\{outcome="ok"\} 1/);
    assert.match(metrics, /issuer_tokens_issued_total 1/);
    assert.match(metrics, /issuer_signing_duration_seconds_count\{kind="single"\} 1/);
  } finally {
    await t.stop();
  }
});

test("issuance: a batch of 10 → 200 with the draft's generic batch response, every token verifies", async () => {
  const t = await startTestIssuer(await fixture());
  try {
    const tokenKey = clientKey(await fetchDirectory(t.url), t.fx.clock.now);
    const { answer, tokens } = await issueBatch(t.url, await t.credential("device-batch"), tokenKey, 10);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("content-type"), MediaType.BatchedTokenResponse);
    assert.ok(tokens);
    assert.equal(tokens.length, 10);
    const publicKey = decodeTokenKey(tokenKey);
    for (const token of tokens) {
      assert.ok(token, "every entry issued");
      assert.equal(verifyToken(token, publicKey), true);
    }
    assert.equal(new Set(tokens.map((tok) => Buffer.from(tok?.nonce ?? []).toString("hex"))).size, 10, "distinct tokens");
    const metrics = await metricsText(t.issuer);
    assert.match(metrics, /issuer_tokens_issued_total 10/);
    assert.match(metrics, /issuer_signing_duration_seconds_count\{kind="batch"\} 1/);
  } finally {
    await t.stop();
  }
});

test("issuance: many concurrent requests are all signed correctly across the worker pool", async () => {
  const t = await startTestIssuer(await fixture(), { ISSUER_QUOTA: "1000" });
  try {
    const tokenKey = clientKey(await fetchDirectory(t.url), t.fx.clock.now);
    const credential = await t.credential("device-concurrent");
    const results = await Promise.all(Array.from({ length: 24 }, () => issueOne(t.url, credential, tokenKey)));
    const publicKey = decodeTokenKey(tokenKey);
    for (const r of results) {
      assert.equal(r.answer.status, 200);
      assert.ok(r.token && verifyToken(r.token, publicKey));
    }
  } finally {
    await t.stop();
  }
});

test("issuance: admin endpoints are on the admin port only", async () => {
  const t = await startTestIssuer(await fixture());
  try {
    assert.equal(await status(`${t.issuer.adminUrl}/healthz`), 200);
    assert.equal(await status(`${t.issuer.adminUrl}/readyz`), 200);
    assert.equal(await status(`${t.url}/metrics`), 404);
    assert.equal(await status(`${t.url}/readyz`), 404);
  } finally {
    await t.stop();
  }
});

/** A POST with the request target written as given (an absolute-form target too), for the answer's status and headers. */
function rawPost(url: string, target: string, body: Uint8Array, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = request({ hostname, port, method: "POST", path: target, headers: { ...headers, "content-length": String(body.length) } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("issuance: POST /token-request is answered alike on node:http and on the express route (query, case, trailing slash, absolute form)", async () => {
  const t = await startTestIssuer(await fixture(), { ISSUER_QUOTA: "1000" });
  try {
    const credential = await t.credential("device-paths");
    const key = testKey("a");
    const targets = ["/token-request", "/token-request?x=1", "/TOKEN-REQUEST", "/token-request/", `${t.url}/token-request`];
    for (const target of targets) {
      const msg = randomBytes(256);
      msg[0] = 0;
      const body = encodeTokenRequest({ tokenType: TokenType.BlindRsa2048, truncatedTokenKeyId: key.truncatedTokenKeyId, blindedMsg: new Uint8Array(msg) });
      const answer = await rawPost(t.url, target, body, { "content-type": MediaType.TokenRequest, authorization: `Bearer ${credential}` });
      assert.equal(answer.status, 200, target);
      assert.equal(answer.headers["content-type"], MediaType.TokenResponse, target);
      assert.equal(answer.headers["cache-control"], "no-store", target);
      const refused = await rawPost(t.url, target, body, { "content-type": MediaType.TokenRequest });
      assert.equal(refused.status, 401, target);
      assert.equal(refused.headers["content-type"], "application/problem+json", target);
    }
    const requests = t.logs.events("http.request").filter((r) => r["method"] === "POST");
    assert.deepEqual(
      requests.map((r) => [r["route"], r["status"]]),
      targets.flatMap(() => [
        ["/token-request", 200],
        ["/token-request", 401],
      ]),
    );
    const metrics = await metricsText(t.issuer);
    assert.match(metrics, /http_request_duration_seconds_count\{route="\/token-request",method="POST",status_class="2xx"\} 5/);
    assert.match(metrics, /issuer_token_requests_total\{outcome="ok"\} 5/);
  } finally {
    await t.stop();
  }
});
