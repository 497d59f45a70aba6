// The README is the operator's manual: it must name every Secret the manifests mount and the
// commands the rotation procedure relies on.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1";
import { containersOf, DEPLOY_DIR, renderOverlay, REPO_ROOT, workloads } from "../src/index.js";

const readme = readFileSync(join(DEPLOY_DIR, "README.md"), "utf8");
const objects = renderOverlay("prod");

function referencedSecrets(): Set<string> {
  const names = new Set<string>();
  for (const w of workloads(objects)) {
    for (const v of w.pod.volumes ?? []) if (v.secret?.secretName !== undefined) names.add(v.secret.secretName);
    for (const c of containersOf(w.pod)) for (const e of c.env ?? []) { const ref = e.valueFrom?.secretKeyRef?.name; if (ref !== undefined) names.add(ref); }
  }
  for (const o of objects) if (Ingress.is(o)) for (const t of o.spec?.tls ?? []) if (t.secretName !== undefined) names.add(t.secretName);
  return names;
}

describe("deploy/README.md", () => {
  it("documents every Secret the manifests reference", () => {
    const names = [...referencedSecrets()];
    assert.ok(names.length >= 8, names.join(", "));
    for (const name of names) assert.ok(readme.includes(`\`${name}\``), `${name} is not documented`);
  });

  it("gives the deploy, secret and rotation commands", () => {
    for (const text of [
      "kubectl apply -k deploy/k8s/overlays/prod",
      "npm run -s gateway-keys -- rotate --file",
      "npm run -s issuer-keys -- rotate --file",
      "--dry-run=client -o yaml | kubectl apply --server-side -f -",
      "docker build -f deploy/images/$s.Dockerfile",
    ]) {
      assert.ok(readme.includes(text), text);
    }
  });

  it("the rotation commands exist as root scripts", () => {
    const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts?: Record<string, string> }).scripts ?? {};
    for (const s of ["gateway-keys", "issuer-keys", "mint-credential"]) assert.ok(scripts[s], s);
  });
});
