// The ARC code must run unchanged in browsers: no node: imports, no Buffer, no process, in any
// file under src/arc/ and in the two library modules it shares with type 2, the error and the
// whole-input decoder (a static check over the sources; the bench entry is included).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";

test("src/arc/*.ts import nothing from node: and use no Buffer or process", () => {
  const dir = new URL("../../src/arc/", import.meta.url);
  const shared = ["../errors.ts", "../decode.ts"];
  const files = [...readdirSync(dir).filter((f) => f.endsWith(".ts")), ...shared];
  assert.ok(files.length >= 17, `found ${files.length} files`);
  for (const file of files) {
    const code = readFileSync(new URL(file, dir), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    assert.doesNotMatch(code, /from\s+["']node:|require\(|\bBuffer\b|\bprocess\./, file);
    for (const m of code.matchAll(/from\s+["']([^"']+)["']/g)) {
      const spec = m[1] ?? "";
      const allowed = spec.startsWith("./") || spec.startsWith("@noble/") || spec === "@oblivious/wire" || shared.includes(spec.replace(/\.js$/, ".ts"));
      assert.ok(allowed, `${file} imports ${spec}`);
    }
  }
});
