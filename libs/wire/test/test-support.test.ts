/**
 * The browser-condition re-run the platform tests rely on: it must report a failing child as
 * failing, a child that ran nothing as no passes, and run the child under `--conditions=browser`
 * with the platform it announces.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expectedPlatform, runUnderBrowserCondition } from "../test-support/browser-condition.js";

const CHILD = `
import { test } from "node:test";
import assert from "node:assert/strict";
test("sees the browser condition and the web platform", () => {
  assert.ok(process.execArgv.includes("--conditions=browser"));
  assert.equal(process.env.OBLIVIOUS_EXPECT_PLATFORM, "web");
});
test("fails when asked", () => { assert.equal(process.env.CHILD_SHOULD_FAIL, undefined); });
`;

test("a plain run expects node", () => {
  assert.equal(expectedPlatform(), "node");
});

test("the re-run counts passes and failures of the child, under the browser condition", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "wire-test-support-"));
  try {
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    writeFileSync(join(dir, "child.test.js"), CHILD);
    const url = pathToFileURL(`${dir}/`);
    const none = await runUnderBrowserCondition(url, ["missing"]);
    assert.ok(none.pass <= 0, none.tail);
    const ok = await runUnderBrowserCondition(url, ["child"]);
    assert.deepEqual([ok.pass, ok.fail], [2, 0], ok.tail);
    process.env["CHILD_SHOULD_FAIL"] = "1";
    try {
      const failed = await runUnderBrowserCondition(url, ["child"]);
      assert.deepEqual([failed.pass, failed.fail], [1, 1], failed.tail);
    } finally {
      delete process.env["CHILD_SHOULD_FAIL"];
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
