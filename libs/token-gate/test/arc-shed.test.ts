/**
 * The bound on ARC verifications (src/arc-queue.ts, docs/decisions/0045-arc-verification-shedding.md),
 * over real HTTP: a flood of ARC tokens that each force a full VerifyPresentation (the replay of
 * one genuine presentation at limit 100: it names the key and the current challenge, decodes, and
 * is refused only after verification, at the store) cannot starve type-2 requests on the same
 * process. Type-2 latency stays bounded, the queue sheds the excess with 503 + Retry-After, and
 * every genuine ARC token still gets an answer.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Agent, createServer, request } from "node:http";
import {
  ARC_TOKEN_TYPE, ArcPresentationState, arcChallengeDigest, arcIssuerKeyId, arcPresentationContext, arcRequestContext, arcSystemRandom,
  createArcCredentialRequest, createArcCredentialResponse, decodeArcServerPublicKey, decodeArcTokenChallenge, encodeArcServerPrivateKey,
  encodeArcToken, finalizeArcCredential, formatAuthorization, generateArcServerKey, parseWwwAuthenticate,
} from "@oblivious/privacypass";
import { closeServer, listen, makeIssuer, mintToken } from "@oblivious/test-kit";
import { arcKeyPairFromPrivateKey, createArcGate, MemorySpentTokenStore, StaticKeySource } from "../src/index.js";
import { gatedApp, ISSUER_NAME, ORIGIN, originChallenge } from "./helpers.js";

const LIMIT = 100;
const MAX_QUEUED = 8;

function post(url: string, agent: Agent, authorization: string): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/search`, { method: "POST", agent, headers: { authorization, "content-type": "application/json", "content-length": 2 } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] as string | undefined }));
    });
    req.on("error", reject);
    req.end("{}");
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

test("ARC shedding: a flood of ARC tokens forcing full verifications leaves type-2 latency bounded and is shed with 503", async (t) => {
  const issuer = makeIssuer();
  const arcKey = arcKeyPairFromPrivateKey(encodeArcServerPrivateKey(generateArcServerKey(arcSystemRandom).privateKey));
  const store = new MemorySpentTokenStore();
  const arc = createArcGate({ issuerName: ISSUER_NAME, originInfo: [ORIGIN], key: arcKey, store, presentationLimit: LIMIT, maxQueuedVerifications: MAX_QUEUED });
  const { app } = gatedApp({ keys: new StaticKeySource([issuer.spki]), store, arc });
  const server = createServer(app);
  const url = await listen(server);
  const flood = new Agent({ keepAlive: true, maxSockets: 32 });
  const calm = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // One genuine presentation from the challenge the gate offers.
    const header = arc.challenge(Date.now());
    const offered = parseWwwAuthenticate(header).find((c) => (((c.challenge[0] ?? 0) << 8) | (c.challenge[1] ?? 0)) === ARC_TOKEN_TYPE);
    assert.ok(offered);
    const challenge = decodeArcTokenChallenge(offered.challenge);
    const publicKey = decodeArcServerPublicKey(offered.tokenKey);
    const keyId = arcIssuerKeyId(publicKey);
    const pending = createArcCredentialRequest(arcRequestContext(challenge, keyId), arcSystemRandom);
    const credential = finalizeArcCredential(pending.secrets, publicKey, pending.request, createArcCredentialResponse(arcKey.privateKey, arcKey.publicKey, pending.request, arcSystemRandom));
    const state = new ArcPresentationState(credential, arcPresentationContext(challenge, keyId), LIMIT);
    const present = (): string => {
      const { nonce, presentation } = state.present(arcSystemRandom);
      return formatAuthorization(encodeArcToken({ presentationNonce: nonce, challengeDigest: arcChallengeDigest(offered.challenge), issuerKeyId: keyId, presentation }, LIMIT));
    };
    const replayed = present();
    assert.equal((await post(url, calm, replayed)).status, 200, "the genuine presentation is accepted once");

    const type2 = await Promise.all(Array.from({ length: 40 }, () => mintToken(issuer, originChallenge())));
    let flooding = true;
    const junkStatuses: number[] = [];
    let retryAfterOk = true;
    const floodLoop = async (): Promise<void> => {
      while (flooding) {
        const r = await post(url, flood, replayed);
        junkStatuses.push(r.status);
        if (r.status === 503 && r.retryAfter !== "1") retryAfterOk = false;
      }
    };
    const loops = Array.from({ length: 32 }, floodLoop);
    await new Promise((r) => setTimeout(r, 300)); // the queue fills

    const latencies: number[] = [];
    for (const token of type2) {
      const started = performance.now();
      assert.equal((await post(url, calm, token.header)).status, 200, "every type-2 request is served");
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
    // A genuine ARC token during the flood is answered (verified, or shed with 503 to retry).
    const genuine = await post(url, calm, present());
    flooding = false;
    await Promise.all(loops);

    latencies.sort((a, b) => a - b);
    const shed = junkStatuses.filter((s) => s === 503).length;
    const verified = junkStatuses.filter((s) => s === 401).length;
    t.diagnostic(`type-2 latency under the flood: p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p90 ${percentile(latencies, 0.9).toFixed(1)} ms, max ${(latencies.at(-1) ?? NaN).toFixed(1)} ms`);
    t.diagnostic(`junk ARC tokens: ${junkStatuses.length}, verified and refused ${verified}, shed ${shed}; genuine during the flood ${genuine.status}`);
    assert.ok(shed > 0, "the excess is shed");
    assert.ok(verified > 0, "verifications kept running");
    assert.ok(junkStatuses.every((s) => s === 401 || s === 503), "refused or shed, nothing else");
    assert.ok(retryAfterOk, "every 503 carries Retry-After: 1");
    assert.ok(genuine.status === 200 || genuine.status === 503, `genuine ARC token: ${genuine.status}`);
    // Without the bound, a type-2 request waits for every queued verification (32 × ~20 ms at
    // least); with it, for about one verification plus the HTTP work of the flood's requests.
    assert.ok(percentile(latencies, 0.9) < 250, `type-2 p90 ${percentile(latencies, 0.9).toFixed(1)} ms`);
  } finally {
    flood.destroy();
    calm.destroy();
    await closeServer(server);
  }
});
