/**
 * Sticker search on the whole path, in one process over real sockets: issuer, sticker-search
 * (embedded engine, tokens checked against the issuer's directory), gateway and relay. A token is
 * made by hand here, so the test can present it twice: the first search is served, the replay of
 * the same token (in a fresh encapsulation) is refused inside the encrypted answer.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { decodeResponse, encodeRequest, type Response as BhttpResponse } from "@oblivious/bhttp";
import { decodeKeyConfigs, encapsulateRequest } from "@oblivious/ohttp";
import { generateKeyFile, loadGatewayConfig, startGateway } from "@oblivious/gateway";
import { loadIssuerConfig, startIssuer } from "@oblivious/issuer";
import { createDevAttester, prepareDevIssuer } from "@oblivious/issuer/dev";
import {
  ISSUER_DIRECTORY_PATH,
  MediaType,
  beginTokenRequest,
  decodeIssuerDirectory,
  decodeTokenResponse,
  encodeToken,
  encodeTokenRequest,
  formatAuthorization,
  parseWwwAuthenticate,
} from "@oblivious/privacypass";
import { loadRelayConfig, startRelay } from "@oblivious/relay";
import { loadStickerSearchConfig, startStickerSearch } from "@oblivious/sticker-search";
import { LineCapture } from "@oblivious/test-kit";
import { fetchBytes, post } from "./harness.js";

const CANARY_QUERY = `canaryq${Date.now().toString(36)}`;
let dir: string;
let stop: () => Promise<void>;
let relayUrl: string;
let issuerUrl: string;
let credential: string;
let searchLogs: LineCapture;
let searchMetrics: Registry;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "e2e-search-"));
  const dev = await prepareDevIssuer(dir);
  const issuer = await startIssuer(loadIssuerConfig({ ...dev.env, ISSUER_PORT: "0", ISSUER_ADMIN_PORT: "0", ISSUER_SIGNERS: "1" }), { logDestination: new LineCapture(), registry: new Registry() });
  credential = await (await createDevAttester(dir)).mint("e2e-search-device");
  searchLogs = new LineCapture();
  searchMetrics = new Registry();
  const search = await startStickerSearch(
    loadStickerSearchConfig({ STICKER_SEARCH_PORT: "0", STICKER_SEARCH_ADMIN_PORT: "0", ISSUER_DIRECTORY_URL: `${issuer.url}${ISSUER_DIRECTORY_PATH}`, STICKER_LOCALES: "en,de,ja" }),
    { logDestination: searchLogs, registry: searchMetrics },
  );
  const keysFile = join(dir, "gateway-keys.json");
  generateKeyFile(keysFile, new Date(Date.now() - 60_000));
  const gateway = await startGateway(
    loadGatewayConfig({ GATEWAY_PORT: "0", GATEWAY_ADMIN_PORT: "0", GATEWAY_KEYS_FILE: keysFile, GATEWAY_TARGETS: `https://sticker-search.internal=${search.url}` }),
    { logDestination: new LineCapture(), registry: new Registry() },
  );
  const relay = await startRelay(loadRelayConfig({ RELAY_PORT: "0", RELAY_ADMIN_PORT: "0", RELAY_GATEWAY_URL: `${gateway.url}/gateway` }), { logDestination: new LineCapture(), registry: new Registry() });
  relayUrl = relay.url;
  issuerUrl = issuer.url;
  stop = async () => {
    await relay.stop();
    await gateway.stop();
    await search.stop();
    await issuer.stop();
  };
});

after(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

/** One search through relay and gateway, in a fresh encapsulation. */
async function search(body: object, authorization?: string): Promise<BhttpResponse> {
  const config = decodeKeyConfigs(await fetchBytes(`${relayUrl}/ohttp-keys`))[0];
  assert.ok(config);
  const headers: [string, string][] = [["date", new Date().toUTCString()], ["content-type", "application/json"]];
  if (authorization !== undefined) headers.push(["authorization", authorization]);
  const request = { method: "POST", scheme: "https", authority: "sticker-search.internal", path: "/v1/search", headers, content: new TextEncoder().encode(JSON.stringify(body)), trailers: [] };
  const { encapsulatedRequest, context } = encapsulateRequest(config, encodeRequest(request));
  const answer = await post(`${relayUrl}/relay`, encapsulatedRequest, { "content-type": "message/ohttp-req" });
  assert.equal(answer.status, 200, "the outer answer is always 200 message/ohttp-res");
  return decodeResponse(context.decapsulateResponse(new Uint8Array(answer.body)));
}

const header = (r: BhttpResponse, name: string): string => r.headers.find(([n]) => n === name)?.[1] ?? "";

test("through the gateway: no token → 401 with a PrivateToken challenge; a token → stickers; the same token again → refused", async () => {
  const refused = await search({ q: "Katze", locale: "de", limit: 5 });
  assert.equal(refused.status, 401);
  const [challenge] = parseWwwAuthenticate(header(refused, "www-authenticate"));
  assert.ok(challenge, "a PrivateToken challenge inside the encapsulated answer");

  const directory = decodeIssuerDirectory(await (await fetch(`${issuerUrl}${ISSUER_DIRECTORY_PATH}`)).text());
  const tokenKey = directory.tokenKeys[0]?.tokenKey;
  assert.ok(tokenKey);
  const pending = await beginTokenRequest({ challenge: challenge.challenge, tokenKey });
  const issued = await fetch(`${issuerUrl}/token-request`, {
    method: "POST",
    headers: { "content-type": MediaType.TokenRequest, authorization: `Bearer ${credential}` },
    body: encodeTokenRequest(pending.request),
  });
  assert.equal(issued.status, 200);
  const token = encodeToken(await pending.finalize(decodeTokenResponse(new Uint8Array(await issued.arrayBuffer()))));

  const served = await search({ q: "Katze", locale: "de", limit: 5 }, formatAuthorization(token));
  assert.equal(served.status, 200);
  const result = JSON.parse(new TextDecoder().decode(served.content)) as { hits: { emoji: string }[] };
  assert.ok(result.hits.some((h) => h.emoji === "🐱"), "German 'Katze' finds the cat");

  const replayed = await search({ q: "Katze", locale: "de", limit: 5 }, formatAuthorization(token));
  assert.equal(replayed.status, 401);
  assert.match(new TextDecoder().decode(replayed.content), /spent-token/);
  assert.match(header(replayed, "www-authenticate"), /^PrivateToken challenge=/, "a fresh challenge, so an honest client can retry with a new token");

  // The query text itself: in no log line and no metric of the search service.
  const refusedCanary = await search({ q: CANARY_QUERY, locale: "en", limit: 5 });
  assert.equal(refusedCanary.status, 401);
  assert.ok(searchLogs.lines.length > 0);
  assert.ok(!searchLogs.text.includes(CANARY_QUERY) && !searchLogs.text.includes("Katze"));
  const metrics = await searchMetrics.metrics();
  assert.ok(!metrics.includes(CANARY_QUERY) && !metrics.includes("Katze"));
});
