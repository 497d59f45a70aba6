/**
 * The browser entry (`@oblivious/client/browser`): its import graph bundles for the browser
 * platform with no node builtin, the bundle runs in a context that has web APIs only (no Buffer,
 * process or require) against the real relay, gateway, issuer and a token-gated origin, and the
 * browser backend in Node interoperates with the same services as the Node backend.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { createClient as createNodeClient } from "@oblivious/client";
import { createClient as createBrowserClient } from "@oblivious/client/browser";
import type { Client, ClientOptions } from "@oblivious/client/browser";
import { STICKERS, startStack } from "./stack.js";
import type { Stack } from "./stack.js";

const ENTRY = fileURLToPath(import.meta.resolve("@oblivious/client/browser"));
let stack: Stack;
let credential: string;

before(async () => {
  stack = await startStack();
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

test("the browser entry bundles for the browser platform: no node builtin, none of the node-only libraries", async () => {
  const { code, inputs } = await bundle("esm");
  assert.ok(code.length > 10_000);
  assert.doesNotMatch(code, /from\s*["']node:|require\(["']node:/);
  for (const input of inputs) {
    assert.doesNotMatch(input, /libs\/(ohttp|bhttp|privacypass)\/|^node:/, input);
    assert.doesNotMatch(input, /node-backend/, input);
  }
  assert.ok(inputs.some((i) => i.includes("@hpke/core")) && inputs.some((i) => i.includes("blindrsa-ts")));
});

test("the bundle runs with Buffer, process, require and module shadowed, and searches through the real stack", async () => {
  const { code } = await bundle("iife");
  // Same realm as WebCrypto (a vm context would hand @hpke/core foreign ArrayBuffers), but every
  // node-only name the bundle could reach for is bound to undefined around it.
  const shadowed = ["Buffer", "process", "require", "module", "exports", "global", "__dirname", "__filename", "setImmediate"];
  const factory = new Function(...shadowed, `"use strict";\n${code}\nreturn [typeof Buffer, typeof process, typeof require, ObliviousClient];`);
  const loaded: unknown = factory();
  assert.ok(Array.isArray(loaded));
  assert.deepEqual(loaded.slice(0, 3), ["undefined", "undefined", "undefined"]);
  const exported: unknown = loaded[3];
  assert.ok(typeof exported === "object" && exported !== null && "createClient" in exported && typeof exported.createClient === "function");
  const make = exported.createClient as (o: ClientOptions) => Client;
  const client = make(options());
  const result = await client.searchStickers({ q: "cat" });
  assert.deepEqual(result.hits, [STICKERS[0]]);
  assert.equal(client.stats().issuanceRequests, 1);
});

test("both backends against the same gateway, issuer and origin: each one's requests open, its tokens verify", async () => {
  const node = createNodeClient(options());
  const browser = createBrowserClient(options());
  const before = stack.origin.tokens.length;
  for (const client of [node, browser, browser, node]) {
    assert.equal((await client.searchStickers({ q: "dog" })).total, 1);
  }
  assert.deepEqual((await browser.sendTelemetry([{ name: "app.start" }])).status, 202);
  const presented = stack.origin.tokens.slice(before);
  assert.equal(presented.length, 5);
  assert.equal(new Set(presented).size, 5, "no token presented twice");
  assert.equal(browser.stats().tokensSent, 3);
});

test("the browser backend: one date retry with a clock 10 minutes fast, one key refresh after a rotation", async () => {
  const client = createBrowserClient(options({ now: () => Date.now() + 600_000 }));
  assert.equal((await client.searchStickers({ q: "cat" })).total, 1);
  assert.equal(client.stats().dateRetries, 1);
  await stack.rotateGatewayKey();
  await new Promise((r) => setTimeout(r, 1_200)); // the relay's key cache (RELAY_KEYS_TTL=1s)
  assert.equal((await client.searchStickers({ q: "dog" })).total, 1);
  const stats = client.stats();
  assert.deepEqual({ dateRetries: stats.dateRetries, keyRetries: stats.keyRetries, keyFetches: stats.keyFetches }, { dateRetries: 1, keyRetries: 1, keyFetches: 2 });
});
