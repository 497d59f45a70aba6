#!/usr/bin/env node
// Runs every compiled test file (`<package>/dist/test/**/*.test.js`) with node's own test runner.
// Node 20 takes no globs on the command line, so the files are listed here.
import { spawn } from "node:child_process";
import { readdirSync, existsSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const filter = process.argv.slice(2);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith(".test.js")) out.push(path);
  }
  return out;
}

const files = [];
for (const group of ["libs", "services", "e2e", "deploy"]) {
  const groupDir = join(root, group);
  if (!existsSync(groupDir)) continue;
  const packages = group === "e2e" || group === "deploy" ? [""] : readdirSync(groupDir);
  for (const pkg of packages) {
    const testDir = join(groupDir, pkg, "dist", "test");
    if (existsSync(testDir)) walk(testDir, files);
  }
}
const selected = files
  .map((f) => relative(root, f))
  .filter((f) => filter.length === 0 || filter.some((word) => f.includes(word)))
  .sort();
if (selected.length === 0) {
  console.error("run-tests: no compiled test files found (did `tsc -b` run?)");
  process.exit(1);
}
// Run one at a time, before the rest: the tests that play pods with podman (image builds, kube
// play, the Redis StatefulSet), since two of them at once share the engine, the CPU and the pods'
// names; and the overload test, which measures the stack's capacity and then offers 1.5 times it,
// so a neighbour that starts or ends between the two moves the capacity under it (seen with the
// Sentinel failover test beside it: the capacity read low, then the whole 1.5 times was served).
const SERIAL = /(deploy\/dist\/test\/(deploy-local|redis-sentinel|image-runtime)|e2e\/dist\/test\/overload)\.test\.js$/;
const serial = selected.filter((f) => SERIAL.test(f));
const parallel = selected.filter((f) => !SERIAL.test(f));

function run(files, concurrency) {
  if (files.length === 0) return Promise.resolve(0);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--test", "--test-reporter=spec", `--test-concurrency=${concurrency}`, ...files], { cwd: root, stdio: "inherit" });
    child.on("exit", (code, signal) => resolve(signal ? 1 : (code ?? 1)));
  });
}

const first = await run(serial, 1);
const rest = await run(parallel, 2);
process.exit(first !== 0 ? first : rest);
