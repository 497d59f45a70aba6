// The NetworkPolicy evaluator against the API's semantics, on small hand-made clusters: if it were
// lenient, the allow-list policies would pass manifests that a real cluster leaves open.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { reachability, type KubeObject } from "../src/index.js";

const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
const app = (name: string, namespace: string): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace },
  spec: { selector: { matchLabels: { "app.kubernetes.io/name": name } }, template: { metadata: { labels: { "app.kubernetes.io/name": name } }, spec: { containers: [{ name, image: "x:1.0.0" }] } } },
});
const policy = (namespace: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: `p${JSON.stringify(spec).length}`, namespace }, spec });
const denyAll = (namespace: string): KubeObject => policy(namespace, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });

function ingressOf(objects: KubeObject[], target: string): readonly string[] | "open" {
  const r = reachability(objects, "ingress").find((x) => x.workload.app === target);
  assert.ok(r);
  return r.isolated ? r.allowed : "open";
}

describe("NetworkPolicy evaluation", () => {
  const cluster = [ns("a"), ns("b", { team: "b" }), app("web", "a"), app("db", "a"), app("other", "b")];

  it("a pod no policy selects is open", () => {
    assert.equal(ingressOf(cluster, "db"), "open");
  });

  it("default deny isolates and allows nothing", () => {
    assert.deepEqual(ingressOf([...cluster, denyAll("a")], "db"), []);
  });

  it("a podSelector peer means the policy's own namespace only", () => {
    const p = policy("a", { podSelector: { matchLabels: { "app.kubernetes.io/name": "db" } }, ingress: [{ from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "web" } } }], ports: [{ port: 5432 }] }] });
    assert.deepEqual(ingressOf([...cluster, p], "db"), ["web:5432"]);
  });

  it("a namespaceSelector peer alone admits every pod there, known or not", () => {
    const p = policy("a", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "b" } } }], ports: [{ port: 1 }] }] });
    assert.deepEqual(ingressOf([...cluster, p], "db"), ["other:1", "stranger@b:1"]);
  });

  it("a rule without peers or ports admits everything, the internet included", () => {
    const p = policy("a", { podSelector: {}, ingress: [{}] });
    const allowed = ingressOf([...cluster, p], "db");
    assert.ok(allowed !== "open" && allowed.includes("internet:*") && allowed.includes("stranger@elsewhere:*"));
  });

  it("an ipBlock is taken to cover everything", () => {
    const p = policy("a", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" } }], ports: [{ port: 80, endPort: 90 }] }] });
    const allowed = ingressOf([...cluster, p], "db");
    assert.ok(allowed !== "open" && allowed.includes("internet:80-90") && allowed.includes("web:80-90"));
  });

  it("matchExpressions are honoured", () => {
    const p = policy("a", { podSelector: { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "NotIn", values: ["web"] }] }, policyTypes: ["Ingress"] });
    assert.deepEqual(ingressOf([...cluster, p], "db"), []);
    assert.equal(ingressOf([...cluster, p], "web"), "open");
  });

  it("an egress-only policy does not isolate ingress", () => {
    const p = policy("a", { podSelector: {}, policyTypes: ["Egress"] });
    assert.equal(ingressOf([...cluster, p], "db"), "open");
  });
});
