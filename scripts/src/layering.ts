/**
 * `npm run layering`: the numbers behind the layering rules (scripts/src/layering/check.ts):
 * library → service references, import cycles, test/bench/dev code reachable from a main index,
 * service skeleton gaps, error classes without a suffix or code, browser-entry names missing from
 * the Node entry, the names each main index exports and the source files over 300 lines.
 * Exits 1 when a rule is broken; e2e/test/layering.test.ts checks the same rules.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { benchInSrc, entryGaps, errorClassGaps, exportedNames, findCycles, indexLeaks, libraryServiceReferences, longFiles, moduleGraph, readWorkspace, roleLeaks, skeletonGaps } from "./layering/check.js";
import { ROOT } from "./stack.js";

const packages = readWorkspace(ROOT);
const graph = moduleGraph(ROOT, packages.flatMap((p) => p.sources));
const broken = {
  "library → service references": libraryServiceReferences(ROOT, packages),
  "import cycles": findCycles(graph).map((c) => c.join(" ⇄ ")),
  "test/bench/dev code reachable from a main index": indexLeaks(packages, graph),
  "bench/test code in src or a bench/test entry into src": benchInSrc(packages),
  "service skeleton gaps": skeletonGaps(ROOT, packages),
  "service roles outside their file": roleLeaks(ROOT, packages),
  "error classes without the Error suffix or a coded closed set": errorClassGaps(ROOT, packages),
  "browser-entry names missing from the Node entry": entryGaps(ROOT, packages),
};
for (const [rule, found] of Object.entries(broken)) {
  console.log(`${rule}: ${found.length}`);
  for (const line of found) console.log(`  ${line}`);
}
console.log("names exported by each main index:");
for (const p of packages) {
  const index = join(ROOT, p.dir, "src", "index.ts");
  if (!existsSync(index)) continue;
  console.log(`  ${String(exportedNames(readFileSync(index, "utf8")).length).padStart(4)}  ${p.name}`);
}
const long = longFiles(ROOT, packages, 300);
console.log(`source files over 300 lines: ${long.length}`);
for (const { file, lines } of long) console.log(`  ${String(lines).padStart(4)}  ${file}`);
process.exitCode = Object.values(broken).some((found) => found.length > 0) ? 1 : 0;
