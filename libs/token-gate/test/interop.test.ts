/**
 * A client nobody here wrote: @cloudflare/privacypass-ts 0.9.0 reads the gate's challenge, makes a
 * token request for the challenged key, our in-process NativeBlindSigner signs it as the issuer
 * would, and the token the Cloudflare client finalises is accepted by our gate, once.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import request from "supertest";
import { AuthorizationHeader, WWWAuthenticateHeader, publicVerif } from "@cloudflare/privacypass-ts";
import { makeIssuer } from "@oblivious/test-kit";
import { MemorySpentTokenStore, StaticKeySource } from "../src/index.js";
import { gatedApp } from "./helpers.js";

test("interop: a token made by @cloudflare/privacypass-ts's client is accepted by the gate", async () => {
  const issuer = makeIssuer();
  const t = gatedApp({ keys: new StaticKeySource([issuer.spki]), store: new MemorySpentTokenStore() });
  const challenged = await request(t.app).post("/v1/search");
  assert.equal(challenged.status, 401);
  const [entry] = WWWAuthenticateHeader.parse(challenged.headers["www-authenticate"] ?? "");
  assert.ok(entry);

  const client = new publicVerif.Client(publicVerif.BlindRSAMode.PSS);
  // Fresh copies: privacypass-ts mis-reads views with a non-zero offset
  // (docs/decisions/0018-foreign-client-quirks.md).
  const tokenRequest = await client.createTokenRequest(entry.challenge, Uint8Array.from(entry.tokenKey));
  const blindSig = issuer.signer.sign(Uint8Array.from(tokenRequest.blindedMsg));
  const token = await client.finalize(new publicVerif.TokenResponse(blindSig));
  const header = new AuthorizationHeader(token).toString();

  const res = await request(t.app).post("/v1/search").set("authorization", header);
  assert.equal(res.status, 200, res.text);
  assert.equal((await request(t.app).post("/v1/search").set("authorization", header)).status, 401, "spent");
  // Its quoted form too.
  const other = new publicVerif.Client(publicVerif.BlindRSAMode.PSS);
  const req2 = await other.createTokenRequest(entry.challenge, Uint8Array.from(entry.tokenKey));
  const token2 = await other.finalize(new publicVerif.TokenResponse(issuer.signer.sign(Uint8Array.from(req2.blindedMsg))));
  assert.equal((await request(t.app).post("/v1/search").set("authorization", new AuthorizationHeader(token2).toString(true))).status, 200);
});
