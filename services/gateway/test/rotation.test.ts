/** Key rotation over time (injected clock) and key file reloads, over HTTP. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GatewayKey, AeadId, KdfId, type KeyConfig } from "@oblivious/ohttp";
import { OHTTP_KEY_PROBLEM_TYPE } from "../src/errors.js";
import { createKeyEntry, rotateKeyEntries, serializeKeyFile, writeKeyFile } from "../src/key-file.js";
import { DAY, T0, exchange, fetchKeyConfigs, innerRequest, metricsText, send, startTarget, startTestGateway, tempDir } from "./helpers.js";

test("rotation: published key listed second and accepted; old key unlisted but accepted in grace; retired key refused uniformly", async () => {
  const target = await startTarget();
  const dir = tempDir();
  const file = join(dir, "keys.json");
  const a = createKeyEntry(10, { publishFrom: T0 - 2 * DAY, activeFrom: T0 - DAY });
  const { entries } = rotateKeyEntries([a], { now: T0, publishLeadMs: DAY, graceMs: 7 * DAY });
  writeKeyFile(file, entries);
  const t = await startTestGateway({ GATEWAY_KEYS_FILE: file, GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}` });
  const clock = t.clock;
  const url = t.gw.url;
  try {
    const ask = async (config: KeyConfig) => exchange(url, config, innerRequest(clock.now));
    // T0: A current (listed first), B published (listed second, already accepted).
    const listed = await fetchKeyConfigs(url);
    assert.deepEqual(listed.map((c) => c.keyId), [10, 11]);
    const [configA, configB] = listed;
    assert.ok(configA && configB);
    assert.equal((await ask(configA)).inner?.status, 200);
    assert.equal((await ask(configB)).inner?.status, 200);
    assert.match((await send(`${url}/ohttp-keys`)).headers.get("cache-control") ?? "", /max-age=3600$/);

    // Just before B becomes current, the listing's max-age stops at the change.
    clock.now = T0 + DAY - 10_000;
    assert.match((await send(`${url}/ohttp-keys`)).headers.get("cache-control") ?? "", /max-age=10$/);

    // B current: A is no longer listed but is still accepted (grace).
    clock.now = T0 + DAY + 1000;
    assert.deepEqual((await fetchKeyConfigs(url)).map((c) => c.keyId), [11]);
    assert.equal((await ask(configA)).inner?.status, 200);
    assert.equal((await ask(configB)).inner?.status, 200);
    assert.match(await metricsText(t.gw), /gateway_keys\{state="grace"\} 1/);

    // After the grace period A is retired: refused exactly like a key id never seen.
    clock.now = T0 + 8 * DAY;
    const retired = await ask(configA);
    const unknown = await ask(GatewayKey.generate(12, [{ kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes128Gcm }]).config);
    assert.equal(retired.status, 400);
    assert.equal(JSON.parse(retired.outerBody.toString())["type"], OHTTP_KEY_PROBLEM_TYPE);
    assert.deepEqual(retired.outerBody, unknown.outerBody);
    assert.equal((await ask(configB)).inner?.status, 200);
    const metrics = await metricsText(t.gw);
    assert.match(metrics, /gateway_keys\{state="retired"\} 1/);
    assert.match(metrics, /gateway_keys\{state="current"\} 1/);
    const changes = t.logs.records.filter((r) => r["event"] === "keys.changed").map((r) => [r["current"], r["listed"], r["accepted"]]);
    assert.deepEqual(changes, [
      [11, 1, 2],
      [11, 1, 1],
    ]);
  } finally {
    await t.stop();
    await target.close();
  }
});

test("reload: a changed key file is picked up (also through a Kubernetes-style symlink swap); a broken one is refused", async () => {
  const target = await startTarget();
  const dir = tempDir();
  // Kubernetes mounts secrets as keys.json -> ..data/keys.json, ..data -> a timestamped directory,
  // and updates them by swapping the ..data link.
  const a = createKeyEntry(1, { publishFrom: T0 - DAY, activeFrom: T0 - DAY });
  const b = createKeyEntry(2, { publishFrom: T0 - 1000, activeFrom: T0 + DAY });
  mkdirSync(join(dir, "v1"));
  mkdirSync(join(dir, "v2"));
  writeFileSync(join(dir, "v1", "keys.json"), serializeKeyFile([a]));
  writeFileSync(join(dir, "v2", "keys.json"), serializeKeyFile([a, b]));
  symlinkSync("v1", join(dir, "..data"));
  symlinkSync(join("..data", "keys.json"), join(dir, "keys.json"));
  const t = await startTestGateway({
    GATEWAY_KEYS_FILE: join(dir, "keys.json"),
    GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}`,
    GATEWAY_KEY_RELOAD: "50ms",
  });
  try {
    assert.deepEqual((await fetchKeyConfigs(t.gw.url)).map((c) => c.keyId), [1]);
    symlinkSync("v2", join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
    const deadline = Date.now() + 3000;
    let ids: number[] = [];
    while (Date.now() < deadline) {
      ids = (await fetchKeyConfigs(t.gw.url)).map((c) => c.keyId);
      if (ids.length === 2) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.deepEqual(ids, [1, 2], "picked up by the periodic check");
    const configB = (await fetchKeyConfigs(t.gw.url))[1];
    assert.ok(configB);
    assert.equal((await exchange(t.gw.url, configB, innerRequest(T0))).inner?.status, 200);

    // A broken file, and one whose keys are all retired, are refused: the keys in use stay.
    const real = join(dir, "v2", "keys.json");
    renameSync(real, `${real}.bak`);
    writeFileSync(real, "{ not json");
    assert.equal(await t.gw.reloadKeys(), "invalid");
    writeFileSync(real, serializeKeyFile([createKeyEntry(5, { publishFrom: T0 - 3 * DAY, activeFrom: T0 - 2 * DAY, retireAt: T0 - DAY })]));
    assert.equal(await t.gw.reloadKeys(), "no_usable_key");
    assert.deepEqual((await fetchKeyConfigs(t.gw.url)).map((c) => c.keyId), [1, 2]);
    renameSync(`${real}.bak`, real);
    assert.equal(await t.gw.reloadKeys(), "unchanged");
    const metrics = await metricsText(t.gw);
    assert.match(metrics, /gateway_key_reloads_total\{result="reloaded"\} 1/);
    assert.match(metrics, /gateway_key_reloads_total\{result="invalid"\} 1/, "a refused file is reported once");
    assert.ok(t.logs.records.some((r) => r["event"] === "keys.reload" && r["result"] === "reloaded"));
  } finally {
    await t.stop();
    await target.close();
  }
});
