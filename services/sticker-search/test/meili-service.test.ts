/**
 * The service on a real Meilisearch (started by the test): results through the search-only key,
 * fail closed (503) while Meilisearch is down, recovery by itself when it is back on the same port.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Meilisearch } from "meilisearch";
import type { MeiliProcess } from "@oblivious/test-kit";
import { searchKeyUid } from "../src/engine-meilisearch.js";
import { StickerSearchProblems } from "../src/errors.js";
import { eventually, startTestService, type TestService } from "./helpers.js";
import { startTestMeili } from "./meili-harness.js";

describe("sticker-search service (meilisearch engine)", () => {
  let meili: MeiliProcess;
  let t: TestService;
  before(async () => {
    meili = await startTestMeili();
    t = await startTestService({ MEILI_URL: meili.url, MEILI_API_KEY: meili.masterKey, MEILI_INDEX: "stickers-service" });
    await t.service.loaded;
  });
  after(async () => {
    await t.service.stop();
    await meili.destroy();
  });

  test("searches answer from Meilisearch", async () => {
    assert.equal(t.service.engine.name, "meilisearch");
    const res = await t.search({ q: "elefnat", locale: "de", limit: 3 });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { hits: { id: string }[] };
    assert.equal(body.hits[0]?.id, "1f418");
    assert.equal((await fetch(`${t.service.adminUrl}/readyz`)).status, 200);
  });

  test("the key the service searches with can search and nothing else", async () => {
    const admin = new Meilisearch({ host: meili.url, apiKey: meili.masterKey });
    const key = await admin.getKey(searchKeyUid("stickers-service"));
    assert.deepEqual(key.actions, ["search"]);
    assert.deepEqual(key.indexes, ["stickers-service"]);
    const limited = new Meilisearch({ host: meili.url, apiKey: key.key });
    await assert.rejects(limited.index("stickers-service").addDocuments([{ id: "x" }]), /key|authoriz|forbidden|invalid/i);
  });

  test("least privilege: a second replica with only the search key and MEILI_IMPORT=false serves the same index", async () => {
    const admin = new Meilisearch({ host: meili.url, apiKey: meili.masterKey });
    const key = await admin.getKey(searchKeyUid("stickers-service"));
    const reader = await startTestService({ MEILI_URL: meili.url, MEILI_SEARCH_KEY: key.key, MEILI_IMPORT: "false", MEILI_INDEX: "stickers-service" });
    try {
      await reader.service.loaded;
      const res = await reader.search({ q: "Katze", locale: "de", limit: 5 });
      assert.equal(res.status, 200);
      assert.ok(((await res.json()) as { hits: { id: string }[] }).hits.some((h) => h.id === "1f408"));
    } finally {
      await reader.service.stop();
    }
  });

  test("Meilisearch down → 503 problem and not ready; back on the same port → answers again by itself", async () => {
    const ups = t.out.events("engine.up").length;
    const downs = t.out.events("engine.down").length;
    await meili.stop();
    const down = await t.search({ q: "cat", locale: "en" });
    assert.equal(down.status, 503);
    assert.equal(down.headers.get("content-type"), "application/problem+json");
    assert.equal(down.headers.get("retry-after"), "1");
    assert.deepEqual(await down.json(), { ...StickerSearchProblems.searchUnavailable });
    assert.equal((await fetch(`${t.service.adminUrl}/readyz`)).status, 503);
    assert.equal(t.out.events("engine.down").length, downs + 1, "the transition is logged once");

    await meili.start();
    const back = await t.search({ q: "cat", locale: "en" });
    assert.equal(back.status, 200);
    assert.ok(((await back.json()) as { hits: { id: string }[] }).hits.some((h) => h.id === "1f408"));
    await eventually(async () => (await fetch(`${t.service.adminUrl}/readyz`)).status === 200);
    assert.equal(t.out.events("engine.up").length, ups + 1);
    assert.match(await t.metrics(), /sticker_search_engine_unavailable_total\{engine="meilisearch",reason="unreachable"\} [1-9]/);
  });

  test("privacy: a canary query reaches neither the logs nor /metrics on the Meilisearch path", async () => {
    const canary = `canary${randomBytes(6).toString("hex")}`;
    assert.equal((await t.search({ q: canary, locale: "en" })).status, 200);
    await meili.stop();
    assert.equal((await t.search({ q: canary, locale: "en" })).status, 503);
    await meili.start();
    assert.ok(!t.out.text.includes(canary));
    assert.ok(!(await t.metrics()).includes(canary));
  });
});
