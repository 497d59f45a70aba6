/**
 * The repository's workspaces, read from the root package.json and each workspace's own, so the
 * image checks follow the code: a new library a service imports must also reach its image.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./paths.js";

interface PackageJson {
  readonly name?: string;
  readonly workspaces?: readonly string[];
  readonly dependencies?: Readonly<Record<string, string>>;
}

function readPackage(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(REPO_ROOT, dir, "package.json"), "utf8")) as PackageJson;
}

/** Workspace directories relative to the root (`libs/wire`, `services/relay`, `scripts`, ...). */
export function workspaceDirs(): string[] {
  const out: string[] = [];
  for (const pattern of readPackage(".").workspaces ?? []) {
    if (pattern.endsWith("/*")) {
      const parent = pattern.slice(0, -2);
      for (const name of readdirSync(join(REPO_ROOT, parent)).sort()) if (existsSync(join(REPO_ROOT, parent, name, "package.json"))) out.push(`${parent}/${name}`);
    } else if (existsSync(join(REPO_ROOT, pattern, "package.json"))) out.push(pattern);
  }
  return out;
}

/** The `libs/*` names a workspace needs at run time, following dependencies transitively. */
export function runtimeLibs(workspace: string): string[] {
  const byName = new Map(workspaceDirs().map((d) => [readPackage(d).name ?? d, d]));
  const found = new Set<string>();
  const visit = (dir: string): void => {
    for (const dep of Object.keys(readPackage(dir).dependencies ?? {})) {
      const depDir = byName.get(dep);
      if (depDir === undefined || found.has(depDir)) continue;
      found.add(depDir);
      visit(depDir);
    }
  };
  visit(workspace);
  return [...found].filter((d) => d.startsWith("libs/")).map((d) => d.slice("libs/".length)).sort();
}
