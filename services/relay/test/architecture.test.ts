/**
 * The relay forwards bytes it cannot read (STYLE.md, habit 4; docs/design.md, privacy contract): it
 * depends on no OHTTP or HPKE code, and touches node:crypto only for the rate limiter's keyed
 * address hash.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";

const root = new URL("../../", import.meta.url);
const FORBIDDEN = [/^@oblivious\/ohttp$/, /^@oblivious\/bhttp$/, /^hpke-js$/, /^@hpke\//, /^bhttp-js$/, /^@cloudflare\//, /^@noble\//];

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
}

function importsOf(source: string): string[] {
  const code = stripComments(source);
  const found = [
    ...code.matchAll(/\bfrom\s+["']([^"']+)["']/g),
    ...code.matchAll(/\bimport\s*\(\s*["']([^"']+)["']/g),
    ...code.matchAll(/\bimport\s+["']([^"']+)["']/g),
    ...code.matchAll(/\brequire\s*\(\s*["']([^"']+)["']/g),
  ];
  return found.map((m) => m[1] ?? "");
}

test("architecture: the relay's package depends on no OHTTP, Binary HTTP or HPKE library", () => {
  const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as Record<string, Record<string, string> | undefined>;
  const deps = [
    ...Object.keys(pkg["dependencies"] ?? {}),
    ...Object.keys(pkg["devDependencies"] ?? {}),
    ...Object.keys(pkg["peerDependencies"] ?? {}),
    ...Object.keys(pkg["optionalDependencies"] ?? {}),
  ];
  assert.ok(deps.includes("@oblivious/service-kit"), "the test reads the right package.json");
  for (const dep of deps) for (const bad of FORBIDDEN) assert.doesNotMatch(dep, bad);
  const tsconfig = readFileSync(new URL("tsconfig.json", root), "utf8");
  assert.doesNotMatch(tsconfig, /libs\/(ohttp|bhttp)/, "no project reference to the protocol libraries");
});

test("architecture: no source file imports crypto, except the rate limiter's keyed hash", () => {
  const dir = new URL("src/", root);
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
  assert.ok(files.includes("forward.ts") && files.includes("rate-limit.ts"), "the test reads the sources");
  for (const file of files) {
    const source = readFileSync(new URL(file, dir), "utf8");
    const imports = importsOf(source);
    for (const spec of imports) for (const bad of FORBIDDEN) assert.doesNotMatch(spec, bad, `${file} imports ${spec}`);
    const code = stripComments(source);
    // WebCrypto is a global in Node 20: no file may reach for it.
    assert.doesNotMatch(code, /\b(crypto|subtle|webcrypto)\s*\./, `${file} uses WebCrypto`);
    const cryptoImports = imports.filter((s) => s === "crypto" || s === "node:crypto");
    if (file !== "rate-limit.ts") {
      assert.deepEqual(cryptoImports, [], `${file} imports node:crypto`);
      continue;
    }
    assert.deepEqual(cryptoImports, ["node:crypto"]);
    const named = /import\s*\{([^}]*)\}\s*from\s*["']node:crypto["']/.exec(code)?.[1];
    assert.deepEqual(
      named?.split(",").map((s) => s.trim()).filter((s) => s !== "").sort(),
      ["createHmac", "randomBytes"],
      "rate-limit.ts takes only createHmac and randomBytes",
    );
    assert.doesNotMatch(code, /import\s+\*\s+as\s+\w+\s+from\s+["'](node:)?crypto["']/);
  }
});
