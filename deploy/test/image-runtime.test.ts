/**
 * Each image's runtime stage, rebuilt without Docker (no daemon or registry here): the
 * production dependencies of the service's workspace (`npm ci --omit=dev --workspace ...`, as the
 * `deps` stage runs it), plus exactly the compiled directories the Dockerfile copies from the
 * build stage; then the entry point starts with NODE_ENV=production and answers /healthz. A
 * runtime import of a dev dependency, or a library the Dockerfile forgets to copy, fails here.
 *
 * Needs the repository built (`tsc -b`, as `npm test` does first) and npm's cache or registry.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@oblivious/test-kit";
import { IMAGES_DIR, REPO_ROOT } from "../src/paths.js";
import { workspaceDirs } from "../src/workspaces.js";

const SERVICES = [
  { name: "relay", prefix: "RELAY" },
  { name: "gateway", prefix: "GATEWAY" },
  { name: "issuer", prefix: "ISSUER" },
  { name: "sticker-search", prefix: "STICKER_SEARCH" },
  { name: "telemetry", prefix: "TELEMETRY" },
] as const;

/** The `dist/src` directories the Dockerfile's runtime stage copies from the build stage. */
function copiedDist(service: string): string[] {
  const text = readFileSync(join(IMAGES_DIR, `${service}.Dockerfile`), "utf8");
  return [...text.matchAll(/^COPY --from=build \/src\/(\S+\/dist\/src) /gm)].map((m) => m[1] ?? "");
}

async function healthz(url: string, child: { exitCode: number | null }): Promise<number> {
  for (let i = 0; i < 120 && child.exitCode === null; i++) {
    try {
      return (await fetch(url)).status;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return 0;
}

test("every image's runtime layout (production dependencies and the copied dist only) starts and is healthy", { timeout: 600_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), "image-runtime-"));
  try {
    // Development key material for the services that need it, made by the stack's own code.
    const { ensureDevMaterial } = (await import(join(REPO_ROOT, "scripts/dist/stack.js"))) as { ensureDevMaterial: (dir: string) => Promise<{ gatewayKeysFile: string; issuerEnv: Record<string, string> }> };
    const dev = await ensureDevMaterial(join(work, "dev"));
    for (const { name, prefix } of SERVICES) {
      const app = join(work, name);
      mkdirSync(app);
      cpSync(join(REPO_ROOT, "package.json"), join(app, "package.json"));
      cpSync(join(REPO_ROOT, "package-lock.json"), join(app, "package-lock.json"));
      for (const dir of workspaceDirs()) cpSync(join(REPO_ROOT, dir, "package.json"), join(app, dir, "package.json"));
      execFileSync("npm", ["ci", "--omit=dev", "--workspace", `@oblivious/${name}`, "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: app, stdio: "ignore" });
      for (const dev of ["typescript", "eslint", "fast-check", "supertest", "esbuild", "kubernetes-models"]) {
        assert.ok(!existsSync(join(app, "node_modules", dev)), `${name}: the dev dependency ${dev} is not in the image`);
      }
      const dist = copiedDist(name);
      assert.ok(dist.includes(`services/${name}/dist/src`), `${name}: the Dockerfile copies the service`);
      for (const d of dist) cpSync(join(REPO_ROOT, d), join(app, d), { recursive: true });
      // What the image does not copy is not there: only the workspaces whose dist the Dockerfile copies.
      for (const dir of workspaceDirs()) if (!dist.some((d) => d.startsWith(`${dir}/`))) rmSync(join(app, dir), { recursive: true, force: true });

      const [port, admin] = [await freePort(), await freePort()];
      const child = spawn(process.execPath, [`services/${name}/dist/src/main.js`], {
        cwd: app,
        env: {
          PATH: process.env["PATH"],
          NODE_ENV: "production",
          GATEWAY_KEYS_FILE: dev.gatewayKeysFile,
          ...dev.issuerEnv,
          [`${prefix}_PORT`]: String(port),
          [`${prefix}_ADMIN_PORT`]: String(admin),
        },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      try {
        assert.equal(await healthz(`http://127.0.0.1:${admin}/healthz`, child), 200, `${name} started from its image layout: ${stderr}`);
      } finally {
        child.kill("SIGTERM");
        await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once("exit", r)));
      }
      assert.equal(stderr, "", `${name} printed nothing to stderr`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
