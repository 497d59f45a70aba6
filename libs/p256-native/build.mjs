#!/usr/bin/env node
// Builds dist/src/p256.node (native/p256.c, a Node-API addon; beside the compiled loader, so
// whatever carries a package's dist/src, such as the service images, carries it too) with the machine's C compiler against
// the running node's headers; the OpenSSL it calls is the one inside the node binary, resolved when
// the addon loads. Run by the root `npm run build` and `npm test` (an explicit step rather than an
// install script, which npm may hold back). Without a compiler or headers it prints why and exits 0:
// the addon is optional and @oblivious/privacypass falls back to its node:crypto path. With
// P256_NATIVE_REQUIRED=1 that is an error. Headers: $P256_NATIVE_INCLUDE, else next to the node
// binary (official archives and the registry's node package), else $npm_config_nodedir, else
// /usr/local and /usr. Compiler: $CC, else cc.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const here = dirname(new URL(import.meta.url).pathname);
const source = join(here, "native", "p256.c");
const outDir = join(here, "dist", "src");
const target = join(outDir, "p256.node");
const required = process.env.P256_NATIVE_REQUIRED === "1";

function giveUp(reason) {
  const message = `p256-native: not built (${reason}); ARC uses its node:crypto multiplier instead`;
  if (required) {
    console.error(message);
    process.exit(1);
  }
  console.log(message);
  process.exit(0);
}

function headerDir() {
  const bin = dirname(process.execPath);
  const candidates = [
    process.env.P256_NATIVE_INCLUDE,
    join(bin, "..", "include", "node"),
    join(bin, "..", "node_modules", `node-${process.platform}-${process.arch}`, "include", "node"),
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, "include", "node"),
    "/usr/local/include/node",
    "/usr/include/node",
  ];
  return candidates.find((d) => d && existsSync(join(d, "node_api.h")) && existsSync(join(d, "openssl", "ec.h")));
}

if (process.platform !== "linux" && process.platform !== "darwin") giveUp(`platform ${process.platform}`);
if (existsSync(target) && statSync(target).mtimeMs > statSync(source).mtimeMs && statSync(target).mtimeMs > statSync(new URL(import.meta.url)).mtimeMs) {
  process.exit(0); // up to date
}
const include = headerDir();
if (include === undefined) giveUp("no Node.js headers with OpenSSL's found");
const compiler = process.env.CC || "cc";
// -z now: every symbol is bound when the addon loads, so a node without OpenSSL's EC symbols
// refuses it at load time (and the fallback runs) instead of aborting at the first call.
const linkFlags = process.platform === "darwin" ? ["-undefined", "dynamic_lookup"] : ["-Wl,-z,now"];
mkdirSync(outDir, { recursive: true });
const temporary = join(outDir, `p256.${process.pid}.node`);
const cc = spawnSync(compiler, ["-O2", "-fPIC", "-shared", "-Wall", "-Wextra", "-I", include, ...linkFlags, "-o", temporary, source], { encoding: "utf8" });
if (cc.error !== undefined || cc.status !== 0) {
  rmSync(temporary, { force: true });
  giveUp(`${compiler}: ${cc.error?.message ?? cc.stderr.trim().split("\n").slice(0, 5).join(" | ")}`);
}
try {
  // Loads in this node: a node without the symbols (or another ABI) fails here, not in a service.
  const addon = createRequire(import.meta.url)(temporary);
  if (typeof addon.mulSum !== "function" || typeof addon.decode !== "function") throw new Error("functions missing");
} catch (error) {
  rmSync(temporary, { force: true });
  giveUp(`built but does not load in node ${process.version}: ${error instanceof Error ? error.message : String(error)}`);
}
renameSync(temporary, target);
console.log(`p256-native: built ${target} (headers ${include}, node ${process.version}, OpenSSL ${process.versions.openssl})`);
