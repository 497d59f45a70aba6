/**
 * Signing on the event loop (ISSUER_SIGNERS=0): correct signatures in order, a job that cannot be
 * signed failing alone, a bounded queue, keys replaced for later jobs, the event loop served
 * between slices, and whole issuance over HTTP with tokens that verify.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MediaType, PrivacyPassError, PrivacyPassErrorCode, TokenType, decodeBatchedTokenResponse, decodeTokenKey, encodeGenericBatchTokenRequest, verifyToken } from "@oblivious/privacypass";
import { InlineSigner } from "../src/inline-signer.js";
import { SignerError, signErrorCode } from "../src/signer.js";
import { bearer, blindedMessages, clientKey, fetchDirectory, fixture, issueBatch, issueOne, metricsText, post, signs, startTestIssuer, testKey } from "./helpers.js";

const failedWith = (code: string) => (e: unknown) => e instanceof SignerError && e.code === code;

test("inline signer: signatures in request order, across slices and concurrent jobs", async () => {
  const key = testKey("a");
  const signer = new InlineSigner({ maxQueue: 1000, keys: [{ id: key.id, privateKey: key.privateKey }], slice: 3 });
  try {
    const input = blindedMessages(11);
    const [all, few, one] = await Promise.all([signer.sign(key.id, input), signer.sign(key.id, input.slice(0, 2)), signer.sign(key.id, input.slice(7, 8))]);
    assert.equal(all.length, 11);
    input.forEach((m, i) => assert.ok(signs(key, m, all[i] ?? new Uint8Array()), `message ${i}`));
    assert.deepEqual(few, all.slice(0, 2), "RSA signing is deterministic: the same messages, the same signatures");
    assert.deepEqual(one, all.slice(7, 8));
    assert.deepEqual(await signer.sign(key.id, []), []);
    assert.equal(signer.pending, 0);
    assert.equal(signer.size, 1);
  } finally {
    await signer.close();
  }
});

test("inline signer: an unknown key or a message not below n fails its own job only", async () => {
  const key = testKey("a");
  const signer = new InlineSigner({ maxQueue: 1000, keys: [{ id: key.id, privateKey: key.privateKey }], slice: 2 });
  try {
    const good = blindedMessages(5);
    const bad = [...blindedMessages(2), new Uint8Array(256).fill(0xff), ...blindedMessages(2)];
    const [before, failing, after] = await Promise.allSettled([signer.sign(key.id, good), signer.sign(key.id, bad), signer.sign(key.id, good)]);
    assert.equal(before.status, "fulfilled");
    assert.equal(after.status, "fulfilled");
    assert.equal(failing.status, "rejected");
    assert.ok(failedWith("invalid_input")(failing.status === "rejected" ? failing.reason : undefined));
    if (before.status === "fulfilled") good.forEach((m, i) => assert.ok(signs(key, m, before.value[i] ?? new Uint8Array())));
    await assert.rejects(signer.sign(key.id, [new Uint8Array(255)]), failedWith("invalid_input"), "a message of the wrong length");
    await assert.rejects(signer.sign("00".repeat(32), blindedMessages(1)), failedWith("unknown_key"));
    assert.equal(signer.pending, 0, "the failed job's unsigned messages left the count");
  } finally {
    await signer.close();
  }
});

test("signer outcomes: bad input is the client's, a signing fault or anything else is the issuer's (both signers map alike)", () => {
  assert.equal(signErrorCode(new PrivacyPassError(PrivacyPassErrorCode.InvalidInput, "unexpected input size")), "invalid_input");
  assert.equal(signErrorCode(new PrivacyPassError(PrivacyPassErrorCode.SigningFailure)), "failed", "a fault caught by s^e = m is no 422");
  assert.equal(signErrorCode(new Error("anything else")), "failed");
});

test("inline signer: bounded — a request over the bound is refused at once; closing fails what is left", async () => {
  const key = testKey("a");
  const signer = new InlineSigner({ maxQueue: 40, keys: [{ id: key.id, privateKey: key.privateKey }] });
  const running = signer.sign(key.id, blindedMessages(40)).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.equal(signer.pending, 40);
  assert.equal(signer.hasCapacity(1), false);
  await assert.rejects(signer.sign(key.id, blindedMessages(1)), { name: "SignerError", code: "overloaded" });
  // Let one slice run, then close with most of the job unsigned.
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(signer.pending < 40 && signer.pending > 0, `pending ${signer.pending}`);
  await signer.close();
  assert.ok(failedWith("failed")(await running));
  assert.equal(signer.pending, 0);
  assert.equal(signer.size, 0);
  assert.equal(signer.hasCapacity(1), false);
  await assert.rejects(signer.sign(key.id, blindedMessages(1)), { name: "SignerError", code: "overloaded" });
});

test("inline signer: new keys apply to later jobs; a job already queued keeps its key", async () => {
  const [a, b] = [testKey("a"), testKey("b")];
  const signer = new InlineSigner({ maxQueue: 1000, keys: [{ id: a.id, privateKey: a.privateKey }], slice: 1 });
  try {
    const input = blindedMessages(4);
    const queued = signer.sign(a.id, input);
    signer.setKeys([{ id: b.id, privateKey: b.privateKey }]);
    const sigs = await queued;
    input.forEach((m, i) => assert.ok(signs(a, m, sigs[i] ?? new Uint8Array())));
    await assert.rejects(signer.sign(a.id, blindedMessages(1)), failedWith("unknown_key"));
    const [m] = blindedMessages(1);
    assert.ok(m && signs(b, m, (await signer.sign(b.id, [m]))[0] ?? new Uint8Array()));
  } finally {
    await signer.close();
  }
});

test("inline signer: the event loop turns between slices, so timers and I/O run while a long job is signed", async () => {
  const key = testKey("a");
  const signer = new InlineSigner({ maxQueue: 1000, keys: [{ id: key.id, privateKey: key.privateKey }], slice: 4 });
  try {
    let ticks = 0;
    let done = false;
    const job = signer.sign(key.id, blindedMessages(200)).finally(() => {
      done = true;
    });
    const tick = (): void => {
      ticks += 1;
      if (!done) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    assert.equal((await job).length, 200);
    // 200 signatures in slices of 4 take 50 turns; a timer runs at most once per turn. Signing the
    // job in one go would let the timer run once, after it.
    assert.ok(ticks >= 10, `${ticks} timer callbacks during 50 slices`);
  } finally {
    await signer.close();
  }
});

test("inline signer: issuance over HTTP with ISSUER_SIGNERS=0, single, batched and concurrent, while the directory keeps answering", async () => {
  const t = await startTestIssuer(await fixture(), { ISSUER_SIGNERS: "0", ISSUER_MAX_BATCH: "1000", ISSUER_QUOTA: "100000" });
  try {
    assert.equal(t.issuer.signers.size, 1);
    const tokenKey = clientKey(await fetchDirectory(t.url), t.fx.clock.now);
    const publicKey = decodeTokenKey(tokenKey);
    const credential = await t.credential("device-inline");
    const { answer, token } = await issueOne(t.url, credential, tokenKey);
    assert.equal(answer.status, 200);
    assert.ok(token && verifyToken(token, publicKey));
    const batches = await Promise.all(Array.from({ length: 4 }, () => issueBatch(t.url, credential, tokenKey, 10)));
    for (const { answer: a, tokens } of batches) {
      assert.equal(a.status, 200);
      assert.equal(tokens?.length, 10);
      for (const tok of tokens ?? []) assert.ok(tok && verifyToken(tok, publicKey));
    }

    // A batch of 1,000 (many event-loop turns of signing) does not hold the directory for its length.
    const key = testKey("a");
    const body = encodeGenericBatchTokenRequest({
      tokenRequests: blindedMessages(1000).map((blindedMsg) => ({ tokenType: TokenType.BlindRsa2048, truncatedTokenKeyId: key.truncatedTokenKeyId, blindedMsg })),
    });
    let done = false;
    const big = post(t.url, MediaType.BatchedTokenRequest, body, bearer(credential)).finally(() => {
      done = true;
    });
    let answered = 0;
    while (!done) {
      const res = await fetch(`${t.url}/.well-known/private-token-issuer-directory`);
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      answered += 1;
    }
    const bigAnswer = await big;
    assert.equal(bigAnswer.status, 200);
    assert.equal(decodeBatchedTokenResponse(bigAnswer.body).blindSigs.length, 1000);
    assert.ok(answered > 5, `directory answered ${answered} times during the batch`);
    assert.match(await metricsText(t.issuer), /issuer_tokens_issued_total 1041/);
  } finally {
    await t.stop();
  }
});
