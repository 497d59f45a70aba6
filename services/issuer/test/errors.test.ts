/**
 * One test per row of the error table: status, problem+json body, and the headers the row
 * promises (Allow, WWW-Authenticate, Retry-After). The Redis and JWKS-URL rows (503) are in
 * redis.test.ts and attestation.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { MediaType, TokenType, encodeGenericBatchTokenRequest, encodeTokenRequest } from "@oblivious/privacypass";
import { PROBLEMS, WWW_AUTHENTICATE_INVALID, WWW_AUTHENTICATE_MISSING, type IssuerError } from "../src/errors.js";
import { bearer, fixture, metricsText, post, problemOf, startTestIssuer, testKey, type Answer, type TestIssuer } from "./helpers.js";

/** A blinded message below any 2048-bit modulus (its top byte is zero). */
function blindedMsg(): Uint8Array {
  const m = randomBytes(256);
  m[0] = 0;
  return new Uint8Array(m);
}

function single(truncatedTokenKeyId = testKey("a").truncatedTokenKeyId, msg = blindedMsg()): Uint8Array {
  return encodeTokenRequest({ tokenType: TokenType.BlindRsa2048, truncatedTokenKeyId, blindedMsg: msg });
}

function batch(n: number, truncatedTokenKeyId = testKey("a").truncatedTokenKeyId): Uint8Array {
  return encodeGenericBatchTokenRequest({
    tokenRequests: Array.from({ length: n }, () => ({ tokenType: TokenType.BlindRsa2048, truncatedTokenKeyId, blindedMsg: blindedMsg() })),
  });
}

function assertProblem(answer: Answer, code: IssuerError): void {
  const expected = PROBLEMS[code];
  assert.equal(answer.status, expected.status, code);
  assert.equal(answer.headers.get("content-type"), "application/problem+json");
  assert.deepEqual(problemOf(answer), expected);
}

async function withIssuer(env: Record<string, string>, run: (t: TestIssuer, auth: Record<string, string>) => Promise<void>): Promise<void> {
  const t = await startTestIssuer(await fixture(), env);
  try {
    await run(t, bearer(await t.credential("device-errors")));
  } finally {
    await t.stop();
  }
}

test("errors: the valid request these tests vary is accepted", () =>
  withIssuer({}, async (t, auth) => {
    assert.equal((await post(t.url, MediaType.TokenRequest, single(), auth)).status, 200);
    assert.equal((await post(t.url, MediaType.BatchedTokenRequest, batch(3), auth)).status, 200);
  }));

test("errors: 400 malformed — too short for a token request, not a batch, an empty batch", () =>
  withIssuer({}, async (t, auth) => {
    assertProblem(await post(t.url, MediaType.TokenRequest, new Uint8Array([0, 2]), auth), "malformed");
    assertProblem(await post(t.url, MediaType.TokenRequest, new Uint8Array(0), auth), "malformed");
    assertProblem(await post(t.url, MediaType.BatchedTokenRequest, new Uint8Array([0x40]), auth), "malformed");
    const trailing = new Uint8Array([...batch(1), 0]);
    assertProblem(await post(t.url, MediaType.BatchedTokenRequest, trailing, auth), "malformed");
    assertProblem(await post(t.url, MediaType.BatchedTokenRequest, new Uint8Array([0]), auth), "malformed");
    assert.match(await metricsText(t.issuer), /issuer_token_requests_total\{outcome="malformed"\} 5/);
  }));

test("errors: 401 without a credential, with WWW-Authenticate: Bearer", () =>
  withIssuer({}, async (t) => {
    const answer = await post(t.url, MediaType.TokenRequest, single());
    assertProblem(answer, "credential_missing");
    assert.equal(answer.headers.get("www-authenticate"), WWW_AUTHENTICATE_MISSING);
    const basic = await post(t.url, MediaType.TokenRequest, single(), { authorization: "Basic dXNlcjpwYXNz" });
    assertProblem(basic, "credential_missing");
  }));

test("errors: 401 with a bad credential, with WWW-Authenticate: Bearer error=invalid_token", () =>
  withIssuer({}, async (t) => {
    for (const authorization of ["Bearer not-a-jwt", "Bearer ", "Bearer a.b.c", `Bearer ${"x".repeat(9000)}`]) {
      const answer = await post(t.url, MediaType.TokenRequest, single(), { authorization });
      assertProblem(answer, "credential_invalid");
      assert.equal(answer.headers.get("www-authenticate"), WWW_AUTHENTICATE_INVALID);
    }
  }));

test("errors: 405 with Allow: POST for other methods on /token-request", () =>
  withIssuer({}, async (t) => {
    for (const method of ["GET", "PUT", "DELETE"]) {
      const res = await fetch(`${t.url}/token-request`, { method });
      const answer = { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
      assertProblem(answer, "method_not_allowed");
      assert.equal(res.headers.get("allow"), "POST");
    }
  }));

test("errors: 413 for a body over the limit, single and batched", () =>
  withIssuer({ ISSUER_MAX_BATCH: "2" }, async (t, auth) => {
    assertProblem(await post(t.url, MediaType.TokenRequest, new Uint8Array(4096), auth), "too_large");
    assertProblem(await post(t.url, MediaType.BatchedTokenRequest, batch(12), auth), "too_large");
  }));

test("errors: 415 for a missing or other content type", () =>
  withIssuer({}, async (t, auth) => {
    for (const type of [undefined, "application/octet-stream", "text/plain", "application/private-token-response"]) {
      assertProblem(await post(t.url, type, single(), auth), "unsupported_media_type");
    }
  }));

test("errors: 422 for a token type other than 0x0002, single or in a batch", () =>
  withIssuer({}, async (t, auth) => {
    const voprf = new Uint8Array([0x00, 0x01, 7, ...new Uint8Array(49)]);
    assertProblem(await post(t.url, MediaType.TokenRequest, voprf, auth), "unsupported_token_type");
    const unregistered = new Uint8Array([0x12, 0x34, 7, ...blindedMsg()]);
    assertProblem(await post(t.url, MediaType.TokenRequest, unregistered, auth), "unsupported_token_type");
    const mixed = encodeGenericBatchTokenRequest({
      tokenRequests: [
        { tokenType: TokenType.BlindRsa2048, truncatedTokenKeyId: testKey("a").truncatedTokenKeyId, blindedMsg: blindedMsg() },
        { tokenType: 0x0001, truncatedTokenKeyId: 1, blindedMsg: new Uint8Array(49) },
      ],
    });
    assertProblem(await post(t.url, MediaType.BatchedTokenRequest, mixed, auth), "unsupported_token_type");
  }));

test("errors: 422 for a truncated key id that names no signing key, single or in a batch", () =>
  withIssuer({}, async (t, auth) => {
    const other = (testKey("a").truncatedTokenKeyId + 1) % 256;
    assertProblem(await post(t.url, MediaType.TokenRequest, single(other), auth), "unknown_key");
    assertProblem(await post(t.url, MediaType.BatchedTokenRequest, batch(2, other), auth), "unknown_key");
    const mixed = encodeGenericBatchTokenRequest({
      tokenRequests: [testKey("a").truncatedTokenKeyId, other].map((id) => ({ tokenType: TokenType.BlindRsa2048, truncatedTokenKeyId: id, blindedMsg: blindedMsg() })),
    });
    assertProblem(await post(t.url, MediaType.BatchedTokenRequest, mixed, auth), "unknown_key");
  }));

test("errors: 422 for a blinded message of the wrong size or not below the modulus", () =>
  withIssuer({}, async (t, auth) => {
    const good = single();
    assertProblem(await post(t.url, MediaType.TokenRequest, good.subarray(0, good.length - 1), auth), "invalid_blinded_message");
    assertProblem(await post(t.url, MediaType.TokenRequest, new Uint8Array([...good, 0]), auth), "invalid_blinded_message");
    const n = testKey("a").modulus;
    assertProblem(await post(t.url, MediaType.TokenRequest, single(undefined, new Uint8Array(256).fill(0xff)), auth), "invalid_blinded_message");
    assertProblem(await post(t.url, MediaType.TokenRequest, single(undefined, n), auth), "invalid_blinded_message");
    assert.match(await metricsText(t.issuer), /issuer_tokens_issued_total 0/);
  }));

test("errors: 422 for a batch larger than ISSUER_MAX_BATCH", () =>
  withIssuer({ ISSUER_MAX_BATCH: "2" }, async (t, auth) => {
    assert.equal((await post(t.url, MediaType.BatchedTokenRequest, batch(2), auth)).status, 200);
    assertProblem(await post(t.url, MediaType.BatchedTokenRequest, batch(3), auth), "batch_too_large");
  }));

test("errors: 429 over quota, with Retry-After", () =>
  withIssuer({ ISSUER_QUOTA: "1", ISSUER_QUOTA_PERIOD: "1h" }, async (t, auth) => {
    assert.equal((await post(t.url, MediaType.TokenRequest, single(), auth)).status, 200);
    const answer = await post(t.url, MediaType.TokenRequest, single(), auth);
    assertProblem(answer, "quota_exceeded");
    assert.equal(answer.headers.get("retry-after"), "3600");
  }));

test("errors: 503 when the signer queue is full, with Retry-After, and no quota counted", () =>
  withIssuer({ ISSUER_SIGNERS: "1", ISSUER_MAX_BATCH: "10", ISSUER_MAX_QUEUE: "3000", ISSUER_QUOTA: "1" }, async (t, auth) => {
    // Fill the pool directly with work for about a second.
    const key = testKey("a");
    const work = t.issuer.signers.sign(key.id, Array.from({ length: 3000 }, () => blindedMsg()));
    const answer = await post(t.url, MediaType.TokenRequest, single(), auth);
    assertProblem(answer, "overloaded");
    assert.equal(answer.headers.get("retry-after"), "1");
    await work;
    assert.equal((await post(t.url, MediaType.TokenRequest, single(), auth)).status, 200, "the quota of 1 was not spent by the refusal");
  }));

test("errors: outcomes are counted by code, and every refusal is logged as a declared event", () =>
  withIssuer({}, async (t, auth) => {
    await post(t.url, "text/plain", single(), auth);
    await post(t.url, MediaType.TokenRequest, single());
    const metrics = await metricsText(t.issuer);
    assert.match(metrics, /issuer_token_requests_total\{outcome="unsupported_media_type"\} 1/);
    assert.match(metrics, /issuer_token_requests_total\{outcome="credential_missing"\} 1/);
    assert.match(metrics, /issuer_credential_rejections_total\{reason="missing"\} 1/);
    const rejected = t.logs.events("issuance.rejected").map((r) => r["outcome"]);
    assert.deepEqual(rejected, ["unsupported_media_type", "credential_missing"]);
  }));
