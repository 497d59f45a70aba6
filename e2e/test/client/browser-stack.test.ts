/**
 * The browser entry (`@oblivious/client/browser`): bundled for the browser platform it is the SDK
 * on the project's protocol libraries with their @noble primitives and no node builtin; the
 * bundle runs with Buffer, process and require shadowed against the real relay, gateway (an
 * X-Wing and an X25519 key), issuer and a token-gated origin (sticker search offers ARC beside
 * type 2, telemetry type 2 only), beside a Node client on node:crypto, and handles a date retry
 * and a key refresh.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { createClient as createNodeClient } from "@oblivious/client";
import type { Client, ClientOptions } from "@oblivious/client/browser";
import { KemId } from "@oblivious/ohttp";
import { ARC_TOKEN_TYPE, parseAuthorization } from "@oblivious/privacypass";
import { STICKERS, startStack } from "./stack.js";
import type { Stack } from "./stack.js";

const ENTRY = fileURLToPath(import.meta.resolve("@oblivious/client/browser"));
const ARC_LIMIT = 10;
let stack: Stack;
let credential: string;

function tokenType(authorization: string | undefined): number {
  const bytes = parseAuthorization(authorization ?? "");
  assert.ok(bytes !== undefined);
  return ((bytes[0] as number) << 8) | (bytes[1] as number);
}

before(async () => {
  stack = await startStack({ kems: [KemId.MlKem768X25519, KemId.DhkemX25519HkdfSha256], arc: { limit: ARC_LIMIT } });
  credential = await stack.mint(`browser-device-${randomBytes(4).toString("hex")}`);
});

after(async () => {
  await stack.stop();
});

function options(extra: Partial<ClientOptions> = {}): ClientOptions {
  return { relayUrl: stack.relayUrl, issuerUrl: stack.issuerUrl, credential: () => credential, lowWater: 0, batchSize: 2, ...extra };
}

async function bundle(format: "esm" | "iife"): Promise<{ code: string; inputs: string[] }> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: "browser",
    format,
    globalName: "ObliviousClient",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  assert.deepEqual(result.errors, []);
  return { code: result.outputFiles[0]?.text ?? "", inputs: Object.keys(result.metafile.inputs) };
}

test("the browser entry bundles for the browser platform: the protocol libraries on @noble, no node builtin, no Buffer", async () => {
  const { code, inputs } = await bundle("esm");
  assert.ok(code.length > 10_000);
  assert.doesNotMatch(code, /from\s*["']node:|require\(["']node:/);
  assert.doesNotMatch(code, /\bBuffer\b/);
  for (const lib of ["ohttp", "bhttp", "privacypass", "wire"]) assert.ok(inputs.some((i) => i.includes(`libs/${lib}/dist/src/`)), lib);
  assert.ok(inputs.some((i) => i.endsWith("privacypass/dist/src/arc/presentation.js")), "ARC's client half");
  for (const input of inputs) assert.doesNotMatch(input, /^node:|primitives-node|ml-kem-768-node|native-signer|arc-native|verify-presentation/, input);
});

/** The bundle's createClient, loaded with every node-only name bound to undefined around it. */
async function bundledCreateClient(): Promise<(o: ClientOptions) => Client> {
  const { code } = await bundle("iife");
  const shadowed = ["Buffer", "process", "require", "module", "exports", "global", "__dirname", "__filename", "setImmediate"];
  const factory = new Function(...shadowed, `"use strict";\n${code}\nreturn [typeof Buffer, typeof process, typeof require, ObliviousClient];`);
  const loaded: unknown = factory();
  assert.ok(Array.isArray(loaded));
  assert.deepEqual(loaded.slice(0, 3), ["undefined", "undefined", "undefined"]);
  const exported: unknown = loaded[3];
  assert.ok(typeof exported === "object" && exported !== null && "createClient" in exported && typeof exported.createClient === "function");
  return exported.createClient as (o: ClientOptions) => Client;
}

test("the bundle runs with Buffer, process, require and module shadowed, and searches through the real stack on X-Wing, with ARC and with type 2", async () => {
  const client = (await bundledCreateClient())(options());
  const before = stack.origin.tokens.length;
  const result = await client.searchStickers({ q: "cat" });
  assert.deepEqual(result.hits, [STICKERS[0]]);
  assert.deepEqual({ issuance: client.stats().issuanceRequests, credentials: client.stats().credentialsIssued }, { issuance: 1, credentials: 1 });
  assert.equal(tokenType(stack.origin.tokens[before]), ARC_TOKEN_TYPE, "an ARC token where the origin offers it");
  assert.equal(client.kem, "x-wing");

  const type2 = (await bundledCreateClient())(options({ tokenType: "2" }));
  assert.equal((await type2.searchStickers({ q: "dog" })).total, 1);
  assert.equal(tokenType(stack.origin.tokens.at(-1)), 2, "tokenType '2': a type-2 token");
  assert.equal(type2.stats().credentialsIssued, 0);
});

test("the Node client and the browser bundle against the same gateway, issuer and origin: each one's requests open, its tokens verify", async () => {
  const node = createNodeClient(options());
  const browser = (await bundledCreateClient())(options());
  const before = stack.origin.tokens.length;
  for (const client of [node, browser, browser, node]) {
    assert.equal((await client.searchStickers({ q: "dog" })).total, 1);
  }
  assert.deepEqual((await browser.sendTelemetry([{ name: "app.start" }])).status, 202);
  const presented = stack.origin.tokens.slice(before);
  assert.equal(presented.length, 5);
  assert.equal(new Set(presented).size, 5, "no token presented twice");
  assert.equal(browser.stats().tokensSent, 3);
  assert.deepEqual(presented.map(tokenType), [ARC_TOKEN_TYPE, ARC_TOKEN_TYPE, ARC_TOKEN_TYPE, ARC_TOKEN_TYPE, 2], "ARC at sticker search from both, type 2 at telemetry");
});

test("the browser bundle: one date retry with a clock 10 minutes fast, one key refresh after a rotation", async () => {
  const client = (await bundledCreateClient())(options({ now: () => Date.now() + 600_000 }));
  assert.equal((await client.searchStickers({ q: "cat" })).total, 1);
  assert.equal(client.stats().dateRetries, 1);
  await stack.rotateGatewayKey();
  await new Promise((r) => setTimeout(r, 1_200)); // the relay's key cache (RELAY_KEYS_TTL=1s)
  assert.equal((await client.searchStickers({ q: "dog" })).total, 1);
  const stats = client.stats();
  assert.deepEqual({ dateRetries: stats.dateRetries, keyRetries: stats.keyRetries, keyFetches: stats.keyFetches }, { dateRetries: 1, keyRetries: 1, keyFetches: 2 });
});
