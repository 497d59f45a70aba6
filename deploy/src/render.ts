/**
 * Renders an overlay with the repository's own kustomize and parses the result. Every document
 * must be a Kubernetes object: anything else (a list, a scalar, a YAML error) is an error here, not
 * something a policy has to guess about.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { isKubeObject, type KubeObject } from "./objects.js";
import { K8S_DIR, kustomizeBinary, type Overlay } from "./paths.js";

export function parseManifests(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${source}: document ${i}: ${doc.errors.map((e) => e.message).join("; ")}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (!isKubeObject(value)) throw new Error(`${source}: document ${i} is not a Kubernetes object (apiVersion, kind, metadata.name)`);
    out.push(value);
  });
  return out;
}

export function renderDirectory(dir: string): KubeObject[] {
  const text = execFileSync(kustomizeBinary(), ["build", dir], { encoding: "utf8", maxBuffer: 32 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  return parseManifests(text, dir);
}

export function renderOverlay(overlay: Overlay): KubeObject[] {
  return renderDirectory(join(K8S_DIR, "overlays", overlay));
}
