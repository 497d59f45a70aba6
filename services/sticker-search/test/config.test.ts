/** Configuration: defaults, the engine switch, secrets, and a bad value naming its variable. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@oblivious/service-kit";
import { loadStickerSearchConfig } from "../src/config.js";

test("defaults: embedded engine on 8083/9083, memory spent store, origin sticker-search.internal", () => {
  const c = loadStickerSearchConfig({});
  assert.equal(c.engine, "embedded");
  assert.equal(c.port, 8083);
  assert.equal(c.adminPort, 9083);
  assert.equal(c.meili, undefined);
  assert.equal(c.redis, undefined);
  assert.deepEqual(c.tokenGate.originInfo, ["sticker-search.internal"]);
  assert.ok(Object.isFrozen(c));
});

test("MEILI_URL selects Meilisearch; the admin key may come from a file and never prints", () => {
  const dir = mkdtempSync(join(tmpdir(), "sticker-config-"));
  try {
    writeFileSync(join(dir, "key"), "s3cret-admin-key\n");
    const c = loadStickerSearchConfig({ MEILI_URL: "http://127.0.0.1:7700", MEILI_API_KEY_FILE: join(dir, "key"), STICKER_LOCALES: "en,ja" });
    assert.equal(c.engine, "meilisearch");
    assert.equal(c.meili?.adminKey?.reveal(), "s3cret-admin-key");
    assert.equal(c.meili?.index, "stickers");
    assert.deepEqual(c.locales, ["en", "ja"]);
    assert.ok(!JSON.stringify(c).includes("s3cret"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad values stop start-up naming each variable, never its value", () => {
  const bad = { STICKER_SEARCH_PORT: "99999", STICKER_SEARCH_ENGINE: "meilisearch", STICKER_LOCALES: "en,,EN!", MEILI_INDEX: "a b", REDIS_URL: "http://secret-host" };
  assert.throws(
    () => loadStickerSearchConfig(bad),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      for (const v of ["STICKER_SEARCH_PORT", "MEILI_URL", "MEILI_API_KEY", "STICKER_LOCALES", "MEILI_INDEX", "REDIS_URL"]) assert.ok(e.variables.includes(v), v);
      assert.ok(!e.message.includes("secret-host"));
      return true;
    },
  );
});

test("main: starts in well under the budget, logs only JSON events, drains on SIGTERM", async () => {
  const main = new URL("../src/main.js", import.meta.url).pathname;
  const started = Date.now();
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env["PATH"] ?? "", STICKER_SEARCH_PORT: "0", STICKER_SEARCH_ADMIN_PORT: "0", ISSUER_DIRECTORY_URL: "http://127.0.0.1:1/dir" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  try {
    while ((out.match(/"service.listening"/g) ?? []).length < 2) {
      if (child.exitCode !== null || Date.now() - started > 15_000) throw new Error(`did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    // Alone it listens within a few seconds (its index build included); the bound leaves room for a
    // Meilisearch test indexing on the same 2 cores.
    assert.ok(Date.now() - started < 10_000, `start-up took ${Date.now() - started} ms`);
  } finally {
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  }
  assert.equal(err, "");
  for (const line of out.trim().split("\n")) assert.equal(typeof (JSON.parse(line) as { event: unknown }).event, "string");
  assert.match(out, /"event":"engine.loaded"/);
  assert.match(out, /"event":"service.stopped"/);
});

test("main: an invalid configuration exits 1 naming the variable", async () => {
  const main = new URL("../src/main.js", import.meta.url).pathname;
  const child = spawn(process.execPath, [main], { env: { PATH: process.env["PATH"] ?? "", STICKER_SEARCH_PORT: "nope" }, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  assert.equal(code, 1);
  assert.match(err, /STICKER_SEARCH_PORT/);
});

test("least privilege: a search key with MEILI_IMPORT=false needs no admin key; without either the admin key is required", () => {
  const c = loadStickerSearchConfig({ MEILI_URL: "http://127.0.0.1:7700", MEILI_SEARCH_KEY: "search-only-canary", MEILI_IMPORT: "false" });
  assert.equal(c.meili?.adminKey, undefined);
  assert.equal(c.meili?.searchKey?.reveal(), "search-only-canary");
  assert.ok(!JSON.stringify(c).includes("search-only-canary"));
  for (const env of [{ MEILI_SEARCH_KEY: "k" }, { MEILI_IMPORT: "false" }]) {
    assert.throws(
      () => loadStickerSearchConfig({ MEILI_URL: "http://127.0.0.1:7700", ...env }),
      (e: unknown) => e instanceof ConfigError && e.variables.includes("MEILI_API_KEY"),
    );
  }
});
