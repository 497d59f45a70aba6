/**
 * The browser entry is the same SDK on the same protocol libraries: bundled by esbuild for the
 * browser platform it takes @oblivious/ohttp, bhttp, privacypass and wire with their @noble
 * primitives, and contains no node builtin, no reference to Buffer and none of the Node-only
 * files. The KEM choice test passes again with the libraries resolved as in a browser.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";

const ENTRY = fileURLToPath(new URL("../src/browser.js", import.meta.url));
const run = promisify(execFile);

test("esbuild bundles the browser entry from the protocol libraries, with no node builtin and no Buffer", async () => {
  const result = await build({ entryPoints: [ENTRY], bundle: true, platform: "browser", format: "esm", write: false, metafile: true, logLevel: "silent" });
  assert.deepEqual(result.errors, []);
  const code = result.outputFiles[0]?.text ?? "";
  const inputs = Object.keys(result.metafile.inputs);
  for (const lib of ["ohttp", "bhttp", "privacypass", "wire"]) assert.ok(inputs.some((i) => i.includes(`libs/${lib}/dist/src/`)), lib);
  for (const file of ["ohttp/dist/src/primitives-web.js", "privacypass/dist/src/primitives-web.js", "privacypass/dist/src/web.js"]) assert.ok(inputs.some((i) => i.endsWith(file)), file);
  for (const input of inputs) {
    // ARC's cryptography (privacypass's src/arc, Node entry only); the SDK's platform-neutral ARC wallet may be bundled.
    assert.doesNotMatch(input, /^node:|primitives-node|ml-kem-768-node|native-signer|library-signer|verify\.js|rsa-key|privacypass\/dist\/src\/arc|node-arc|@hpke|blindrsa/, input);
  }
  assert.doesNotMatch(code, /from\s*["']node:|require\(\s*["']|import\(\s*["']node:/);
  assert.doesNotMatch(code, /\bBuffer\b/);
  assert.doesNotMatch(code, /\bprocess\./);
});

test("the KEM choice holds with the libraries resolved as in a browser", { timeout: 120_000 }, async () => {
  // Without NODE_TEST_CONTEXT: the child is a test run of its own, reporting in TAP.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const file = fileURLToPath(new URL("./kem-choice.test.js", import.meta.url));
  const { stdout } = await run(process.execPath, ["--conditions=browser", "--test", "--test-reporter=tap", file], { env, maxBuffer: 4 * 1024 * 1024 });
  assert.match(stdout, /^# fail 0$/m, stdout.slice(-2000));
  assert.match(stdout, /^# pass [1-9]/m);
});
