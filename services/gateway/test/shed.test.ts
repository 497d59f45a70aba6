/**
 * Load shedding at the gateway (docs/decisions/0028-load-shedding.md): beyond
 * GATEWAY_MAX_IN_FLIGHT encapsulated requests at once, the next is refused before decryption with
 * an outer 503 problem and Retry-After, never reaches a target, and is counted by route.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { OVERLOADED_PROBLEM, PROBLEM_MEDIA_TYPE } from "@oblivious/service-kit";
import { T0, exchange, fetchKeyConfigs, innerRequest, metricsText, oneKeyFile, startTarget, startTestGateway, tempDir } from "./helpers.js";

test("shed: past GATEWAY_MAX_IN_FLIGHT an outer 503 before decryption, counted; admitted again once one finishes", async () => {
  const target = await startTarget();
  const held: (() => void)[] = [];
  target.handler = (_req, res) => {
    held.push(() => res.end("done"));
  };
  const keys = oneKeyFile(tempDir());
  const t = await startTestGateway({ GATEWAY_KEYS_FILE: keys.path, GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}`, GATEWAY_MAX_IN_FLIGHT: "2" });
  try {
    const [config] = await fetchKeyConfigs(t.gw.url);
    assert.ok(config);
    const admitted = [exchange(t.gw.url, config, innerRequest(T0)), exchange(t.gw.url, config, innerRequest(T0))];
    while (target.received.length < 2) await new Promise((r) => setTimeout(r, 10));
    const shed = await exchange(t.gw.url, config, innerRequest(T0));
    assert.equal(shed.status, 503, "an outer answer: the request was not decrypted");
    assert.equal(shed.contentType, PROBLEM_MEDIA_TYPE);
    assert.equal((JSON.parse(shed.outerBody.toString()) as { type: string }).type, OVERLOADED_PROBLEM.type);
    assert.equal(target.received.length, 2, "the shed request never reached the target");
    assert.match(await metricsText(t.gw), /gateway_shed_total\{route="gateway"\} 1/);
    for (const release of held) release();
    for (const ex of await Promise.all(admitted)) assert.equal(Buffer.from(ex.inner?.content ?? []).toString(), "done");
    target.handler = (_req, res) => res.end("again");
    const after = await exchange(t.gw.url, config, innerRequest(T0));
    assert.equal(Buffer.from(after.inner?.content ?? []).toString(), "again", "a slot freed is used again");
  } finally {
    await t.stop();
    await target.close();
  }
});
