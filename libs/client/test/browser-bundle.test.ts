/**
 * The browser entry is the same SDK on the same protocol libraries: bundled by esbuild for the
 * browser platform it takes @oblivious/ohttp, bhttp, privacypass and wire with their @noble
 * primitives, and contains no node builtin, no reference to Buffer and none of the Node-only
 * files. ARC's client half (request, finalization, presentation, the protocol's messages) is in
 * it, on @noble/curves; ARC's server half (key generation, presentation verification) and its
 * OpenSSL multiplier are not. The KEM choice test passes again with the libraries resolved as in a browser.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { runUnderBrowserCondition } from "@oblivious/wire/test-support";

const ENTRY = fileURLToPath(new URL("../src/browser.js", import.meta.url));

test("esbuild bundles the browser entry from the protocol libraries, with no node builtin and no Buffer", async () => {
  const result = await build({ entryPoints: [ENTRY], bundle: true, platform: "browser", format: "esm", write: false, metafile: true, logLevel: "silent" });
  assert.deepEqual(result.errors, []);
  const code = result.outputFiles[0]?.text ?? "";
  const inputs = Object.keys(result.metafile.inputs);
  for (const lib of ["ohttp", "bhttp", "privacypass", "wire"]) assert.ok(inputs.some((i) => i.includes(`libs/${lib}/dist/src/`)), lib);
  for (const file of ["ohttp/dist/src/primitives-web.js", "privacypass/dist/src/primitives-web.js", "privacypass/dist/src/web.js"]) assert.ok(inputs.some((i) => i.endsWith(file)), file);
  const arcClient = ["arc/request.js", "arc/credential.js", "arc/presentation.js", "arc/range-proof.js", "arc/protocol-challenge.js", "arc/protocol-messages.js"];
  for (const file of [...arcClient.map((f) => `privacypass/dist/src/${f}`), "client/dist/src/arc-client.js", "client/dist/src/arc-wallet.js"]) {
    assert.ok(inputs.some((i) => i.endsWith(file)), file);
  }
  assert.ok(inputs.some((i) => i.includes("@noble/curves")), "@noble/curves");
  for (const input of inputs) {
    // Node-only files, ARC's server half (keys, verify-presentation) and its OpenSSL multiplier or any native addon.
    assert.doesNotMatch(input, /^node:|primitives-node|ml-kem-768-node|native-signer|library-signer|src\/verify\.js|verify-presentation|arc\/keys\.js|arc-native|addon|\.node$|rsa-key|@hpke|blindrsa/, input);
  }
  assert.doesNotMatch(code, /from\s*["']node:|require\(\s*["']|import\(\s*["']node:/);
  assert.doesNotMatch(code, /\bBuffer\b/);
  assert.doesNotMatch(code, /\bprocess\./);
});

test("the KEM choice holds with the libraries resolved as in a browser", { timeout: 120_000 }, async () => {
  const run = await runUnderBrowserCondition(new URL(".", import.meta.url), ["kem-choice"]);
  assert.equal(run.fail, 0, run.tail);
  assert.ok(run.pass >= 1, `passed ${run.pass}`);
});
