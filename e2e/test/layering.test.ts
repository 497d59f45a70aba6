/**
 * The workspace's layering (issue 16), from the sources themselves: no library references a
 * service; no import cycle, type-only imports included; no main index reaches test, bench or
 * development code; every service has the same skeleton; every error class has the Error suffix
 * and a code from a closed set; a browser entry (web.ts) names nothing Node's entry lacks. The rules live in
 * scripts/src/layering/check.ts (`npm run layering` prints the numbers); the first tests below
 * show that each check finds what it looks for, so a green run means something.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  SERVICE_SKELETON,
  benchInSrc,
  entryGaps,
  errorClassGaps,
  findCycles,
  importsOf,
  indexLeaks,
  isTestBenchOrDev,
  libraryServiceReferences,
  moduleGraph,
  readWorkspace,
  roleLeaks,
  skeletonGaps,
} from "@oblivious/scripts/layering";
import { ROOT } from "@oblivious/scripts/stack";

const packages = readWorkspace(ROOT);
const graph = moduleGraph(ROOT, packages.flatMap((p) => p.sources));

/** A throwaway workspace: path → content. */
function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "layering-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

test("the checks find what they look for: a library on a service, a type-only cycle, a dev module behind an index, bench code in src", () => {
  const root = workspace({
    "libs/sdk/package.json": JSON.stringify({ name: "@x/sdk", devDependencies: { "@x/api": "1" } }),
    "libs/sdk/tsconfig.json": JSON.stringify({ references: [{ path: "../../services/api" }] }),
    "libs/sdk/src/index.ts": 'export { a } from "./a.js";\n',
    "libs/sdk/src/a.ts": 'import type { B } from "./b.js";\nexport const a = 1;\nexport type A = B;\n',
    "libs/sdk/src/b.ts": 'import type { A } from "./a.js";\nexport type B = A | 2;\n',
    "libs/sdk/test/stack.ts": 'import { startApi } from "@x/api";\nexport const s = startApi;\n',
    "libs/sdk/src/bench-codec.ts": "export const bench = 1;\n",
    "services/api/package.json": JSON.stringify({ name: "@x/api", exports: { ".": "./dist/src/index.js", "./bench": { default: "./dist/src/bench.js" } } }),
    "services/api/src/index.ts": 'export { startApi } from "./app.js";\nexport { devKey } from "./dev-key.js";\n',
    "services/api/src/app.ts": 'const p = problemType("nope");\nexport function startApi(): void {}\n',
    "services/api/src/dev-key.ts": "export const devKey = 1;\n",
  });
  try {
    const ws = readWorkspace(root);
    const g = moduleGraph(root, ws.flatMap((p) => p.sources));
    assert.deepEqual(libraryServiceReferences(root, ws), [
      "libs/sdk/package.json depends on @x/api",
      "libs/sdk has a project reference to services/api",
      "libs/sdk/test/stack.ts imports @x/api",
    ]);
    assert.deepEqual(findCycles(g), [["libs/sdk/src/a.ts", "libs/sdk/src/b.ts"]]);
    assert.deepEqual(indexLeaks(ws, g), ["services/api/src/index.ts reaches services/api/src/dev-key.ts"]);
    assert.deepEqual(benchInSrc(ws), ["libs/sdk/src/bench-codec.ts", 'services/api/package.json "./bench" loads ./dist/src/bench.js']);
    assert.deepEqual(roleLeaks(root, ws), ["services/api/src/app.ts declares a problem type (its place is src/errors.ts)"]);
    assert.deepEqual(skeletonGaps(root, ws), SERVICE_SKELETON.filter((f) => f !== "app.ts").map((f) => `services/api/src/${f}`));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("imports are read in every form, comments left out", () => {
  const source = [
    'import a from "./a.js";',
    'import type { B } from "./b.js";',
    "import {\n  c,\n  type D,\n} from './c.js';",
    'export { e } from "./e.js";',
    'export type { F } from "./f.js";',
    'import "./side-effect.js";',
    'const g = await import("./g.js");',
    '// import { h } from "./h.js";',
    '/* export { i } from "./i.js"; */',
  ].join("\n");
  assert.deepEqual(importsOf(source).sort(), ["./a.js", "./b.js", "./c.js", "./e.js", "./f.js", "./g.js", "./side-effect.js"]);
  assert.ok(isTestBenchOrDev("src/dev-attester.ts") && isTestBenchOrDev("bench/sign.ts") && isTestBenchOrDev("src/meili-process.ts"));
  assert.ok(!isTestBenchOrDev("src/devices.ts") && !isTestBenchOrDev("src/attestation.ts"));
});

test("the workspace is read: every library and service, with its sources", () => {
  const names = packages.map((p) => p.name);
  for (const name of ["@oblivious/client", "@oblivious/ohttp", "@oblivious/gateway", "@oblivious/issuer", "@oblivious/relay"]) assert.ok(names.includes(name), name);
  assert.ok(graph.size > 300, `${graph.size} source files`);
  assert.ok((graph.get("libs/client/src/index.ts") ?? []).length > 0, "the client's index imports its modules");
});

test("no library references a service: the SDK builds without them", () => {
  assert.deepEqual(libraryServiceReferences(ROOT, packages), []);
});

test("no import cycle between source files, type-only imports included", () => {
  assert.deepEqual(findCycles(graph), []);
});

test("no main index reaches test, bench or development code (those have their own entries)", () => {
  assert.deepEqual(indexLeaks(packages, graph), []);
});

test("benchmark and test code sits outside src, and bench/test entries load it from there", () => {
  assert.deepEqual(benchInSrc(packages), []);
  const privacypass = packages.find((p) => p.name === "@oblivious/privacypass");
  assert.equal(privacypass?.entries["./bench"], "./dist/bench/sign.js", "the check reads the entries");
});

test(`every service keeps one file per role: ${SERVICE_SKELETON.join(", ")}`, () => {
  assert.equal(packages.filter((p) => p.kind === "service").length, 5);
  assert.deepEqual(skeletonGaps(ROOT, packages), []);
  assert.deepEqual(roleLeaks(ROOT, packages), [], "problem types in errors.ts, metrics in metrics.ts, log events in events.ts");
});

test("the error-class check finds a class without the Error suffix, one without a code and one with an open code", () => {
  const root = workspace({
    "libs/sdk/package.json": JSON.stringify({ name: "@x/sdk" }),
    "services/README.md": "no service\n",
    "libs/sdk/src/errors.ts": [
      'import { CodedError } from "@x/wire";',
      "export const SdkErrorCode = { Bad: \"bad\" } as const;",
      "export type SdkErrorCode = (typeof SdkErrorCode)[keyof typeof SdkErrorCode];",
      "export class SdkError extends CodedError<SdkErrorCode> {}",
      "export class NarrowError extends SdkError {}",
      'export class LiteralError extends CodedError<"a" | "b"> {}',
      "export class StoreUnavailable extends CodedError<SdkErrorCode> {}",
      "export class PlainError extends Error {}",
      "export class Failure extends TypeError {}",
      "export class OpenError extends CodedError<string> {}",
      "export class WrappedError extends PlainError {}",
      "// export class CommentedError extends Error {}",
      "class NotAnError extends Map<string, number> {}",
    ].join("\n"),
  });
  try {
    const f = "libs/sdk/src/errors.ts";
    assert.deepEqual(errorClassGaps(root, readWorkspace(root)), [
      `${f}: StoreUnavailable has no Error suffix`,
      `${f}: PlainError has no code from a closed set (extend CodedError<Code>)`,
      `${f}: Failure has no Error suffix`,
      `${f}: Failure has no code from a closed set (extend CodedError<Code>)`,
      `${f}: OpenError has no code from a closed set (extend CodedError<Code>)`,
      `${f}: WrappedError has no code from a closed set (extend CodedError<Code>)`,
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("every error class is named …Error and carries a code from a closed set (wire's CodedError)", () => {
  assert.deepEqual(errorClassGaps(ROOT, packages), []);
});

test("the entry check finds a name the browser entry exports and Node's entry does not, types included", () => {
  const root = workspace({
    "libs/sdk/package.json": JSON.stringify({ name: "@x/sdk" }),
    "services/README.md": "no service\n",
    "libs/sdk/src/index.ts": ['export { a, b as bee } from "./a.js";', 'export type { T } from "./t.js";', "// export { commented } from \"./c.js\";"].join("\n"),
    "libs/sdk/src/web.ts": ['export { a, bee } from "./a.js";', 'export type { T, U } from "./t.js";', 'export { commented } from "./c.js";'].join("\n"),
  });
  try {
    assert.deepEqual(entryGaps(root, readWorkspace(root)), ["libs/sdk/src/web.ts exports U, src/index.ts does not", "libs/sdk/src/web.ts exports commented, src/index.ts does not"]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("every name of a browser entry is in the package's Node entry (both listed explicitly)", () => {
  assert.deepEqual(entryGaps(ROOT, packages), []);
});
