// `npm run images`: builds the five service images from deploy/images/*.Dockerfile, with podman (or
// docker where its daemon answers). The base is the build argument BASE_IMAGE: given in the
// environment, it is used as is (production: the official image, pinned); not given, the local
// stand-in of base-image.mjs is made once and reused. The five Dockerfiles share their first
// stages (dependencies and the TypeScript build), so the first build makes those layers and the
// other four reuse them; npm's download cache is a cache mount shared by all builds.
//
// An image whose inputs (Dockerfile, base image, the context it copies) are unchanged since its
// build is left as it is (a digest of them is its label); IMAGES_FORCE=1 builds anyway.
//
//   npm run images [-- SERVICE...]      env: BASE_IMAGE, NODE_VERSION, IMAGE_PREFIX, IMAGE_TAG,
//                                       CONTAINER_ENGINE, IMAGES_FORCE, IMAGES_VERBOSE
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBaseImage } from "./base-image.mjs";
import { detectEngine, run } from "./engine.mjs";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const SERVICES = ["relay", "gateway", "issuer", "sticker-search", "telemetry"];
export const IMAGE_PREFIX = process.env.IMAGE_PREFIX || "localhost/oblivious";
export const IMAGE_TAG = process.env.IMAGE_TAG || "local";

export function serviceImage(service) {
  return `${IMAGE_PREFIX}/${service}:${IMAGE_TAG}`;
}

/** The base for the builds: BASE_IMAGE from the environment, else the local stand-in (made if missing). */
export function resolveBase(engine, log = console.log) {
  const given = process.env.BASE_IMAGE;
  if (given) {
    log(`base image ${given} (BASE_IMAGE)`);
    return given;
  }
  return ensureBaseImage(engine, { log });
}

/** Size in bytes of a local image. */
export function imageSize(engine, tag) {
  return Number(run(engine, ["image", "inspect", "--format", "{{.Size}}", tag], { capture: true }).trim());
}

/**
 * podman reads the ignore file given with --ignorefile; docker only reads `.dockerignore` at the
 * context root, so for docker it is placed there for the build when the checkout has none.
 */
function withIgnoreFile(engine, fn) {
  const source = join(REPO_ROOT, "deploy/images/dockerignore");
  if (engine === "podman") return fn(["--ignorefile", source]);
  const target = join(REPO_ROOT, ".dockerignore");
  if (existsSync(target)) {
    if (readFileSync(target, "utf8") !== readFileSync(source, "utf8")) throw new Error(".dockerignore at the repository root differs from deploy/images/dockerignore");
    return fn([]);
  }
  writeFileSync(target, readFileSync(source));
  try {
    return fn([]);
  } finally {
    rmSync(target, { force: true });
  }
}

const INPUTS_LABEL = "oblivious.local/inputs";

/** Every file of a directory tree that a build context carries (the dockerignore's exclusions). */
function contextFiles(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.endsWith(".tsbuildinfo") || entry.name.endsWith(".log")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) contextFiles(path, out);
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * A digest of what a build reads: the Dockerfile, the base image's id, and the context the
 * Dockerfiles copy (the root manifests and lockfile, tsconfig, every workspace's package.json,
 * libs/ and services/). An image labelled with the same digest is up to date.
 */
export function buildInputs(engine, base, service) {
  const h = createHash("sha256");
  h.update(run(engine, ["image", "inspect", "--format", "{{.Id}}", base], { capture: true }).trim());
  const files = [
    join(REPO_ROOT, "deploy/images", `${service}.Dockerfile`),
    ...["package.json", "package-lock.json", "tsconfig.json", "tsconfig.base.json", "scripts/package.json", "e2e/package.json", "deploy/package.json"].map((f) => join(REPO_ROOT, f)),
    ...contextFiles(join(REPO_ROOT, "libs")),
    ...contextFiles(join(REPO_ROOT, "services")),
  ].sort();
  for (const f of files) h.update(`\0${relative(REPO_ROOT, f)}\0`).update(readFileSync(f));
  return h.digest("hex");
}

function labelOf(engine, image) {
  try {
    return run(engine, ["image", "inspect", "--format", `{{index .Config.Labels "${INPUTS_LABEL}"}}`, image], { capture: true }).trim();
  } catch {
    return "";
  }
}

/**
 * Builds each service's image on `base`; returns [{ service, image, seconds, bytes, skipped }].
 * An image whose inputs have not changed since it was built is not built again (`force` builds it
 * anyway, through the layer cache).
 */
export function buildImages(engine, base, services = SERVICES, log = console.log, { force = process.env.IMAGES_FORCE === "1" } = {}) {
  return withIgnoreFile(engine, (ignoreArgs) =>
    services.map((service) => {
      const image = serviceImage(service);
      const started = Date.now();
      const inputs = buildInputs(engine, base, service);
      if (!force && labelOf(engine, image) === inputs) {
        log(`${image}: up to date`);
        return { service, image, seconds: (Date.now() - started) / 1000, bytes: imageSize(engine, image), skipped: true };
      }
      log(`building ${image}`);
      const args = ["build", ...ignoreArgs, "--build-arg", `BASE_IMAGE=${base}`, "--label", `${INPUTS_LABEL}=${inputs}`, "-f", join(REPO_ROOT, "deploy/images", `${service}.Dockerfile`), "-t", image];
      if (engine === "podman") args.push("--layers");
      run(engine, [...args, REPO_ROOT], { capture: process.env.IMAGES_VERBOSE !== "1" });
      const seconds = (Date.now() - started) / 1000;
      return { service, image, seconds, bytes: imageSize(engine, image), skipped: false };
    }),
  );
}

export function formatReport(results) {
  const lines = results.map((r) => `  ${r.image.padEnd(44)} ${(r.bytes / 1e6).toFixed(0).padStart(5)} MB  ${r.seconds.toFixed(1).padStart(6)} s${r.skipped ? "  (up to date)" : ""}`);
  return ["image                                          size      build", ...lines].join("\n");
}

async function main(argv) {
  const services = argv.length > 0 ? argv : SERVICES;
  const unknown = services.filter((s) => !SERVICES.includes(s));
  if (unknown.length > 0) throw new Error(`unknown service ${unknown.join(", ")} (one of ${SERVICES.join(", ")})`);
  const engine = detectEngine();
  const started = Date.now();
  const base = resolveBase(engine);
  const results = buildImages(engine, base, services);
  console.log(formatReport(results));
  console.log(`${results.length} image(s) with ${engine} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`images: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
