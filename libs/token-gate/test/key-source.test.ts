/**
 * DirectoryKeySource against a real HTTP server playing the issuer: RFC 9578 §4 directory JSON,
 * `not-before`, Cache-Control, failures that keep the last good copy, and one stable set for all.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { Registry } from "prom-client";
import request from "supertest";
import { ISSUER_DIRECTORY_PATH, MediaType, encodeIssuerDirectory, type IssuerDirectory } from "@oblivious/privacypass";
import { EnvReader } from "@oblivious/service-kit";
import { closeServer, listen, makeIssuer, mintToken } from "@oblivious/test-kit";
import { DirectoryKeySource, MemorySpentTokenStore, readTokenGateConfig } from "../src/index.js";
import { cacheLifetimeMs } from "../src/key-source.js";
import type { TokenKey } from "../src/token-key.js";
import { captureLogger, gatedApp, originChallenge } from "./helpers.js";

const a = makeIssuer();
const b = makeIssuer();

interface FakeIssuer {
  readonly url: string;
  status: number;
  contentType: string;
  body: string;
  cacheControl: string | undefined;
  hits: number;
  server: Server;
}

function directory(keys: readonly { spki: Uint8Array; notBefore?: number; tokenType?: number }[]): string {
  const d: IssuerDirectory = {
    issuerRequestUri: "http://127.0.0.1:8082/token-request",
    tokenKeys: keys.map((k) => ({ tokenType: k.tokenType ?? 2, tokenKey: k.spki, ...(k.notBefore === undefined ? {} : { notBefore: k.notBefore }) })),
  };
  return encodeIssuerDirectory(d);
}

async function fakeIssuer(body: string): Promise<FakeIssuer> {
  const fake = { status: 200, contentType: MediaType.IssuerDirectory, body, cacheControl: undefined, hits: 0 } as Omit<FakeIssuer, "url" | "server">;
  const server = createServer((req, res) => {
    fake.hits += 1;
    if (req.url !== ISSUER_DIRECTORY_PATH) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.statusCode = fake.status;
    res.setHeader("content-type", fake.contentType);
    if (fake.cacheControl !== undefined) res.setHeader("cache-control", fake.cacheControl);
    res.end(fake.body);
  });
  const origin = await listen(server);
  return Object.assign(fake, { url: `${origin}${ISSUER_DIRECTORY_PATH}`, server });
}

const ids = (keys: readonly TokenKey[]): string[] => keys.map((k) => Buffer.from(k.tokenKey).toString("base64"));
const b64 = (spki: Uint8Array): string => Buffer.from(spki).toString("base64");

test("directory: type-2 keys are loaded, other types skipped; one array shared by every caller", async () => {
  const fake = await fakeIssuer(directory([{ spki: a.spki }, { spki: new Uint8Array([1, 2, 3]), tokenType: 1 }, { spki: b.spki }]));
  const source = new DirectoryKeySource({ url: fake.url });
  try {
    assert.equal(await source.start(), true);
    const first = source.keys();
    assert.deepEqual(ids(first), [b64(a.spki), b64(b.spki)]);
    assert.equal(source.keys(), first, "the same object for the next caller");
    assert.ok(Object.isFrozen(first));
    // An unchanged directory keeps the same objects.
    assert.equal(await source.refresh(), true);
    assert.equal(source.keys(), first);
  } finally {
    source.stop();
    await closeServer(fake.server);
  }
});

test("directory: a key is neither challenged nor accepted before its not-before", async () => {
  let now = 1_700_000_000_000;
  const fake = await fakeIssuer(directory([{ spki: a.spki, notBefore: 1_600_000_000 }, { spki: b.spki, notBefore: 1_700_000_100 }]));
  const source = new DirectoryKeySource({ url: fake.url, now: () => now });
  try {
    await source.start();
    assert.deepEqual(ids(source.keys()), [b64(a.spki)]);
    const t = gatedApp({ keys: source, store: new MemorySpentTokenStore(), now: () => now });
    const early = await mintToken(b, originChallenge());
    assert.equal((await request(t.app).post("/v1/search").set("authorization", early.header)).status, 401);
    now = 1_700_000_100_000;
    assert.deepEqual(ids(source.keys()), [b64(a.spki), b64(b.spki)], "live once not-before has passed, without a refetch");
    assert.equal((await request(t.app).post("/v1/search").set("authorization", early.header)).status, 200);
  } finally {
    source.stop();
    await closeServer(fake.server);
  }
});

test("directory: failed refreshes keep the last good copy, each with its reason logged and counted", async () => {
  const fake = await fakeIssuer(directory([{ spki: a.spki }]));
  const { log, out } = captureLogger();
  const registry = new Registry();
  const source = new DirectoryKeySource({ url: fake.url, log, registry, maxBytes: 4096 });
  try {
    await source.start();
    const good = source.keys();
    const breakages: [string, () => void][] = [
      ["bad_status", () => (fake.status = 500)],
      ["bad_media_type", () => (fake.contentType = "application/json")],
      ["malformed", () => (fake.body = "{not json")],
      ["malformed", () => (fake.body = JSON.stringify({ "issuer-request-uri": "x" }))],
      ["no_keys", () => (fake.body = directory([{ spki: new Uint8Array([1]), tokenType: 1 }]))],
      ["too_large", () => (fake.body = " ".repeat(5000))],
    ];
    for (const [reason, breakIt] of breakages) {
      fake.status = 200;
      fake.contentType = MediaType.IssuerDirectory;
      breakIt();
      assert.equal(await source.refresh(), false, reason);
      assert.equal(source.keys(), good, `${reason}: the last good set is kept`);
      const last = out.events("token_gate.directory_fetch_failed").at(-1);
      assert.deepEqual(last && { reason: last["reason"], stale: last["stale"] }, { reason, stale: true });
    }
    const text = await registry.metrics();
    assert.match(text, /token_gate_directory_fetches_total\{outcome="ok"\} 1/);
    assert.match(text, /token_gate_directory_fetches_total\{outcome="malformed"\} 2/);
  } finally {
    source.stop();
    await closeServer(fake.server);
  }
});

test("directory: unreachable at start → no keys (the gate answers 503), then loaded by the next refresh", async () => {
  const fake = await fakeIssuer(directory([{ spki: a.spki }]));
  const url = fake.url;
  await closeServer(fake.server);
  const source = new DirectoryKeySource({ url, timeoutMs: 500 });
  const t = gatedApp({ keys: source, store: new MemorySpentTokenStore() });
  assert.equal(await source.start(), false);
  source.stop();
  assert.deepEqual(source.keys(), []);
  assert.equal((await request(t.app).post("/v1/search")).status, 503);
  assert.equal(t.gate.ready(), false);
  const port = Number(new URL(url).port);
  const again = await fakeIssuer(directory([{ spki: a.spki }]));
  await closeServer(again.server);
  await new Promise<void>((resolve) => again.server.listen(port, "127.0.0.1", resolve));
  try {
    assert.equal(await source.refresh(), true);
    assert.equal(t.gate.ready(), true);
    assert.equal((await request(t.app).post("/v1/search")).status, 401);
  } finally {
    await closeServer(again.server);
  }
});

test("directory: refreshes in the background at Cache-Control max-age (bounded below), and picks up rotation", async () => {
  const fake = await fakeIssuer(directory([{ spki: a.spki }]));
  fake.cacheControl = "public, max-age=0";
  const { log, out } = captureLogger();
  const source = new DirectoryKeySource({ url: fake.url, minRefreshMs: 150, refreshMs: 60_000, log });
  const t = gatedApp({ keys: source, store: new MemorySpentTokenStore() });
  try {
    await source.start();
    assert.equal(out.events("token_gate.directory_refreshed")[0]?.["nextRefreshS"], 0);
    const old = await mintToken(a, originChallenge());
    fake.body = directory([{ spki: b.spki }]);
    const deadline = Date.now() + 3000;
    while (ids(source.keys())[0] !== b64(b.spki) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(ids(source.keys()), [b64(b.spki)], "rotated without a restart");
    assert.equal((await request(t.app).post("/v1/search").set("authorization", old.header)).status, 401, "a retired key's tokens are refused");
    assert.equal((await request(t.app).post("/v1/search").set("authorization", (await mintToken(b, originChallenge())).header)).status, 200);
    assert.ok(fake.hits >= 2 && fake.hits < 30, `hits ${fake.hits}`);
  } finally {
    source.stop();
    await closeServer(fake.server);
  }
  assert.equal(cacheLifetimeMs("max-age=60"), 60_000);
  assert.equal(cacheLifetimeMs("s-maxage=5, max-age=60"), 5_000);
  assert.equal(cacheLifetimeMs('max-age="7"'), 7_000);
  assert.equal(cacheLifetimeMs("no-store"), 0);
  assert.equal(cacheLifetimeMs("public"), undefined);
  assert.equal(cacheLifetimeMs(null), undefined);
});

test("directory: past maxStaleMs without a good refresh, the old keys are dropped (fail closed)", async () => {
  let now = 1_000_000;
  const fake = await fakeIssuer(directory([{ spki: a.spki }]));
  const { log, out } = captureLogger();
  const source = new DirectoryKeySource({ url: fake.url, now: () => now, maxStaleMs: 60_000, log });
  try {
    await source.start();
    source.stop();
    fake.status = 503;
    now += 59_999;
    assert.equal(await source.refresh(), false);
    assert.equal(source.keys().length, 1);
    now += 1;
    assert.deepEqual(source.keys(), []);
    assert.equal(out.events("token_gate.directory_expired").length, 1);
    fake.status = 200;
    assert.equal(await source.refresh(), true);
    assert.equal(source.keys().length, 1);
  } finally {
    source.stop();
    await closeServer(fake.server);
  }
});

test("config: defaults, and every bad variable named", () => {
  const ok = new EnvReader({});
  const config = readTokenGateConfig(ok, { originName: "sticker-search.internal" });
  ok.done();
  assert.equal(config.directoryUrl.href, `http://127.0.0.1:8082${ISSUER_DIRECTORY_PATH}`);
  assert.equal(config.issuerName, "issuer.internal");
  assert.deepEqual(config.originInfo, ["sticker-search.internal"]);
  assert.equal(config.spendTtlMs, 8 * 86_400_000);
  assert.ok(Object.isFrozen(config));

  const bad = new EnvReader({ ISSUER_DIRECTORY_URL: "ftp://x", TOKEN_ORIGIN_INFO: "a b", TOKEN_SPEND_TTL: "1s", TOKEN_CHALLENGE_MAX_AGE: "-1" });
  readTokenGateConfig(bad, { originName: "x" });
  assert.throws(
    () => bad.done(),
    (e: unknown) =>
      e instanceof Error &&
      ["ISSUER_DIRECTORY_URL", "TOKEN_ORIGIN_INFO", "TOKEN_SPEND_TTL", "TOKEN_CHALLENGE_MAX_AGE"].every((v) => (e as { variables?: string[] }).variables?.includes(v)),
  );
});
