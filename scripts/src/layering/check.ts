/**
 * The workspace's layering rules, read from the sources themselves (issue 16):
 * - a library (libs/*) never references a service (services/*): not in its package.json, not in
 *   a tsconfig project reference, not in an import;
 * - no import cycle between source files, type-only imports included;
 * - a package's main index reaches no test, bench or development module (those sit outside
 *   `src`, or behind an explicit entry such as "./bench" or "./dev");
 * - every service has the same skeleton: one file per role, the same names everywhere, and its
 *   problem types, metrics and log events only in errors.ts, metrics.ts and events.ts.
 * e2e/test/layering.test.ts holds the repository to them; `npm run layering` prints the numbers.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { stripComments } from "./source.js";

export { errorClassGaps } from "./error-classes.js";

export type PackageKind = "lib" | "service" | "other";

export interface PackageInfo {
  readonly name: string;
  /** Relative to the root, with forward slashes: `libs/client`. */
  readonly dir: string;
  readonly kind: PackageKind;
  /** Every dependency name: dependencies, devDependencies, peer and optional. */
  readonly dependencies: readonly string[];
  /** The directories (relative to the root) its tsconfig*.json files reference. */
  readonly references: readonly string[];
  /** Its TypeScript sources (relative to the root), dist and node_modules left out. */
  readonly sources: readonly string[];
  /** package.json `exports`: entry → the file it loads (`default`). */
  readonly entries: Readonly<Record<string, string>>;
}

/** The roles every service keeps in a file of the same name. */
export const SERVICE_SKELETON = ["config.ts", "errors.ts", "events.ts", "metrics.ts", "app.ts", "server.ts", "main.ts"] as const;

const SKIPPED = new Set(["node_modules", "dist", ".git"]);

function walk(root: string, dir: string, out: string[]): string[] {
  for (const name of readdirSync(join(root, dir))) {
    if (SKIPPED.has(name)) continue;
    const path = dir === "" ? name : `${dir}/${name}`;
    if (statSync(join(root, path)).isDirectory()) walk(root, path, out);
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

function json(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

function keys(value: unknown): string[] {
  return typeof value === "object" && value !== null ? Object.keys(value) : [];
}

/** The workspace's packages: libs/*, services/*, and scripts, e2e and deploy as "other". */
export function readWorkspace(root: string): PackageInfo[] {
  const dirs: { dir: string; kind: PackageKind }[] = [];
  for (const [group, kind] of [["libs", "lib"], ["services", "service"]] as const) {
    for (const name of readdirSync(join(root, group)).sort()) {
      if (existsSync(join(root, group, name, "package.json"))) dirs.push({ dir: `${group}/${name}`, kind });
    }
  }
  for (const dir of ["scripts", "e2e", "deploy"]) if (existsSync(join(root, dir, "package.json"))) dirs.push({ dir, kind: "other" });
  return dirs.map(({ dir, kind }) => {
    const pkg = json(join(root, dir, "package.json"));
    const references = readdirSync(join(root, dir))
      .filter((f) => /^tsconfig.*\.json$/.test(f))
      .flatMap((f) => {
        const refs = json(join(root, dir, f))["references"];
        return Array.isArray(refs) ? refs.map((r: { path?: unknown }) => String(r.path)) : [];
      })
      .map((p) => relative(root, normalize(join(root, dir, p))).split("\\").join("/"));
    const dependencies = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"].flatMap((k) => keys(pkg[k]));
    const entries: Record<string, string> = {};
    const exportsField = pkg["exports"];
    if (typeof exportsField === "object" && exportsField !== null) {
      for (const [entry, target] of Object.entries(exportsField as Record<string, unknown>)) {
        const file = typeof target === "string" ? target : (target as { default?: unknown }).default;
        if (typeof file === "string") entries[entry] = file;
      }
    }
    return { name: String(pkg["name"]), dir, kind, dependencies, references, sources: walk(root, dir, []), entries };
  });
}

/** Every module specifier a source names: static and dynamic imports, re-exports, side-effect imports. */
export function importsOf(source: string): string[] {
  const code = stripComments(source);
  const found = [
    ...code.matchAll(/\b(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']/g),
    ...code.matchAll(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g),
    ...code.matchAll(/\bimport\s+["']([^"']+)["']/g),
  ];
  return found.map((m) => m[1] ?? "");
}

/** Source file → the source files it imports by relative path (`./x.js` is `./x.ts`). */
export type ModuleGraph = ReadonlyMap<string, readonly string[]>;

export function moduleGraph(root: string, files: readonly string[]): ModuleGraph {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets: string[] = [];
    for (const spec of importsOf(readFileSync(join(root, file), "utf8"))) {
      if (!spec.startsWith(".")) continue;
      const target = normalize(join(dirname(file), spec)).split("\\").join("/").replace(/\.js$/, ".ts");
      if (known.has(target) && !targets.includes(target)) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** The graph's cycles: each strongly connected component of more than one module, or a module importing itself. */
export function findCycles(graph: ModuleGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(target) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles;
}

/** Every way a library names a service: dependency, project reference or import. */
export function libraryServiceReferences(root: string, packages: readonly PackageInfo[]): string[] {
  const services = packages.filter((p) => p.kind === "service");
  const serviceNames = new Set(services.map((p) => p.name));
  const found: string[] = [];
  for (const lib of packages.filter((p) => p.kind === "lib")) {
    for (const dep of lib.dependencies) if (serviceNames.has(dep)) found.push(`${lib.dir}/package.json depends on ${dep}`);
    for (const ref of lib.references) if (ref.startsWith("services/")) found.push(`${lib.dir} has a project reference to ${ref}`);
    for (const file of lib.sources) {
      for (const spec of importsOf(readFileSync(join(root, file), "utf8"))) {
        const name = spec.split("/").slice(0, 2).join("/");
        if (serviceNames.has(name) || /(^|\/)services\//.test(spec)) found.push(`${file} imports ${spec}`);
      }
    }
  }
  return found;
}

/** A module that is test, benchmark or development code by its place or its name. */
export function isTestBenchOrDev(file: string): boolean {
  const parts = file.split("/");
  const base = parts[parts.length - 1] ?? "";
  return parts.some((p) => p === "test" || p === "bench") || /^(dev|bench|test)([-.]|$)/.test(base) || /-process\.ts$/.test(base) || /\.test\.ts$/.test(base);
}

function reachable(graph: ModuleGraph, entry: string): Set<string> {
  const seen = new Set<string>([entry]);
  const todo = [entry];
  for (let node = todo.pop(); node !== undefined; node = todo.pop()) {
    for (const target of graph.get(node) ?? []) {
      if (!seen.has(target)) {
        seen.add(target);
        todo.push(target);
      }
    }
  }
  return seen;
}

/** The one package that is test code as a whole: its index may reach anything. */
export const TEST_PACKAGE = "@oblivious/test-kit";

/** Test, bench or development modules reachable from a package's main index (src/index.ts). */
export function indexLeaks(packages: readonly PackageInfo[], graph: ModuleGraph): string[] {
  const found: string[] = [];
  for (const pkg of packages) {
    if (pkg.name === TEST_PACKAGE) continue;
    const entry = `${pkg.dir}/src/index.ts`;
    if (!graph.has(entry)) continue;
    for (const file of reachable(graph, entry)) if (isTestBenchOrDev(file.slice(pkg.dir.length + 1))) found.push(`${entry} reaches ${file}`);
  }
  return found;
}

/**
 * Benchmark and test code inside `src`, or a bench/test entry that loads from `src`: such code
 * lives beside it (`bench/`, `test/`) behind its own entry. Development tools (`./dev`) may stay
 * in `src`, since `npm start` runs them from the build.
 */
export function benchInSrc(packages: readonly PackageInfo[]): string[] {
  const found: string[] = [];
  for (const pkg of packages) {
    if (pkg.name === TEST_PACKAGE || pkg.kind === "other") continue;
    for (const file of pkg.sources) {
      const inPackage = file.slice(pkg.dir.length + 1);
      const base = inPackage.split("/").pop() ?? "";
      if (inPackage.startsWith("src/") && (/^(bench|test)([-.]|$)/.test(base) || base.endsWith(".test.ts"))) found.push(file);
    }
    for (const [entry, target] of Object.entries(pkg.entries)) {
      if (/bench|test/.test(entry) && /(^|\/)dist\/src\//.test(target)) found.push(`${pkg.dir}/package.json "${entry}" loads ${target}`);
    }
  }
  return found;
}

/** What only a service's role file may hold: problem types, metric objects, log event declarations. */
const ROLE_MARKS: readonly { readonly file: string; readonly mark: RegExp; readonly what: string }[] = [
  { file: "errors.ts", mark: /\bproblemType\(/, what: "a problem type" },
  { file: "metrics.ts", mark: /\bnew (Counter|Gauge|Histogram|Summary)\b/, what: "a metric" },
  { file: "events.ts", mark: /\bdefineEvents\(/, what: "log event declarations" },
];

/** A service's problem types, metrics or events declared outside errors.ts, metrics.ts, events.ts. */
export function roleLeaks(root: string, packages: readonly PackageInfo[]): string[] {
  const found: string[] = [];
  for (const pkg of packages.filter((p) => p.kind === "service")) {
    for (const file of pkg.sources.filter((f) => f.startsWith(`${pkg.dir}/src/`))) {
      const code = stripComments(readFileSync(join(root, file), "utf8"));
      for (const { file: home, mark, what } of ROLE_MARKS) {
        if (!file.endsWith(`/src/${home}`) && mark.test(code)) found.push(`${file} declares ${what} (its place is src/${home})`);
      }
    }
  }
  return found;
}

/** The skeleton files a service lacks. */
export function skeletonGaps(root: string, packages: readonly PackageInfo[]): string[] {
  return packages
    .filter((p) => p.kind === "service")
    .flatMap((p) => SERVICE_SKELETON.filter((f) => !existsSync(join(root, p.dir, "src", f))).map((f) => `${p.dir}/src/${f}`));
}

/** The names a main index exports (values and types). */
export function exportedNames(indexSource: string): string[] {
  const names: string[] = [];
  for (const m of stripComments(indexSource).matchAll(/\bexport\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of (m[1] ?? "").split(",")) {
      const name = part.trim().replace(/^type\s+/, "").split(/\s+as\s+/).pop()?.trim();
      if (name !== undefined && name !== "") names.push(name);
    }
  }
  for (const m of stripComments(indexSource).matchAll(/\bexport\s+(?:declare\s+)?(?:async\s+)?(?:const|let|function|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/g)) {
    if (m[1] !== undefined) names.push(m[1]);
  }
  return names;
}

/**
 * A package with a browser entry (`src/web.ts`) serves it in browsers and `src/index.ts` in
 * Node; both name their exports explicitly (no `export *`), so code written against the browser
 * entry must find every name in Node's too. Each name of web.ts missing from index.ts.
 */
export function entryGaps(root: string, packages: readonly PackageInfo[]): string[] {
  const gaps: string[] = [];
  for (const p of packages) {
    const web = join(root, p.dir, "src", "web.ts");
    const index = join(root, p.dir, "src", "index.ts");
    if (!existsSync(web) || !existsSync(index)) continue;
    const node = new Set(exportedNames(readFileSync(index, "utf8")));
    for (const name of exportedNames(readFileSync(web, "utf8"))) if (!node.has(name)) gaps.push(`${p.dir}/src/web.ts exports ${name}, src/index.ts does not`);
  }
  return gaps;
}

export function longFiles(root: string, packages: readonly PackageInfo[], limit: number): { file: string; lines: number }[] {
  return packages
    .flatMap((p) => p.sources.filter((f) => f.slice(p.dir.length + 1).startsWith("src/")))
    .map((file) => ({ file, lines: readFileSync(join(root, file), "utf8").split("\n").length - 1 }))
    .filter((f) => f.lines > limit)
    .sort((a, b) => b.lines - a.lines);
}
