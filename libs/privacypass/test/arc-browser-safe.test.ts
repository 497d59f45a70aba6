// The ARC code must run unchanged in browsers: no node: imports, no Buffer, no process, in any
// file under src/arc/ (a static check over the sources; the bench entry is included).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";

test("src/arc/*.ts import nothing from node: and use no Buffer or process", () => {
  const dir = new URL("../../src/arc/", import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
  assert.ok(files.length >= 15, `found ${files.length} files`);
  for (const file of files) {
    const code = readFileSync(new URL(file, dir), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    assert.doesNotMatch(code, /from\s+["']node:|require\(|\bBuffer\b|\bprocess\./, file);
    for (const m of code.matchAll(/from\s+["']([^"']+)["']/g)) {
      const spec = m[1] ?? "";
      assert.ok(spec.startsWith("./") || spec.startsWith("@noble/") || spec === "@oblivious/wire", `${file} imports ${spec}`);
    }
  }
});
