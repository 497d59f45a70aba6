// Every manifest policy holds on every overlay, and each one catches its own broken fixture: a
// small mutation of the rendered objects that the named policies report and no other does. A
// fixture also stays schema-valid, so it is the policy, not the schema, that catches it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Deployment } from "kubernetes-models/apps/v1";
import { checkManifests, MANIFEST_POLICIES, OVERLAYS, renderOverlay, SERVICES, validateAll, workloads, type KubeObject, type Overlay } from "../src/index.js";
import { at, configData, container, copy, find, pod, remove, type Objects } from "./mutate.js";

const rendered = new Map(OVERLAYS.map((o) => [o, renderOverlay(o)]));
function get(o: Overlay): KubeObject[] {
  const objects = rendered.get(o);
  assert.ok(objects);
  return objects;
}

interface Fixture {
  readonly name: string;
  readonly overlay: Overlay;
  /** The policies that must report it; every other one must stay silent. */
  readonly caughtBy: readonly string[];
  mutate(objects: Objects): void;
}

const FIXTURES: readonly Fixture[] = [
  // pod security
  { name: "the relay's pod allows root", overlay: "prod", caughtBy: ["pod-non-root"], mutate: (o) => { pod(o, "relay").securityContext = { ...pod(o, "relay").securityContext, runAsNonRoot: false }; } },
  { name: "Redis runs as UID 0", overlay: "prod", caughtBy: ["pod-non-root"], mutate: (o) => { container(o, "redis").securityContext = { ...container(o, "redis").securityContext, runAsUser: 0 }; } },
  { name: "the gateway may escalate privileges", overlay: "prod", caughtBy: ["pod-no-privilege-escalation"], mutate: (o) => { container(o, "gateway").securityContext = { ...container(o, "gateway").securityContext, allowPrivilegeEscalation: true }; } },
  { name: "the issuer adds NET_RAW", overlay: "prod", caughtBy: ["pod-no-privilege-escalation"], mutate: (o) => { container(o, "issuer").securityContext = { ...container(o, "issuer").securityContext, capabilities: { drop: ["ALL"], add: ["NET_RAW"] } }; } },
  { name: "telemetry on the host network", overlay: "dev", caughtBy: ["pod-no-privilege-escalation"], mutate: (o) => { pod(o, "telemetry").hostNetwork = true; } },
  { name: "the issuer without a seccomp profile", overlay: "prod", caughtBy: ["pod-seccomp"], mutate: (o) => { const sc = pod(o, "issuer").securityContext; if (sc) delete sc.seccompProfile; } },
  { name: "sticker-search with a writable root filesystem", overlay: "prod", caughtBy: ["pod-read-only-root"], mutate: (o) => { container(o, "sticker-search").securityContext = { ...container(o, "sticker-search").securityContext, readOnlyRootFilesystem: false }; } },
  { name: "the relay without its /tmp emptyDir", overlay: "dev", caughtBy: ["pod-read-only-root"], mutate: (o) => { container(o, "relay").volumeMounts = []; } },
  { name: "Meilisearch without a memory limit", overlay: "prod", caughtBy: ["pod-resources"], mutate: (o) => { delete container(o, "meilisearch").resources?.limits?.["memory"]; } },
  { name: "the relay's readiness probes /healthz", overlay: "prod", caughtBy: ["pod-probes"], mutate: (o) => { container(o, "relay").readinessProbe = { httpGet: { path: "/healthz", port: "admin" } }; } },
  { name: "the gateway's liveness probe on the public port", overlay: "prod", caughtBy: ["pod-probes"], mutate: (o) => { container(o, "gateway").livenessProbe = { httpGet: { path: "/healthz", port: SERVICES.gateway.public } }; } },
  { name: "Redis without a liveness probe", overlay: "dev", caughtBy: ["pod-probes"], mutate: (o) => { delete container(o, "redis").livenessProbe; } },
  { name: "the catalogue import Job may escalate privileges", overlay: "prod", caughtBy: ["pod-no-privilege-escalation"], mutate: (o) => { container(o, "sticker-catalogue-import").securityContext = { ...container(o, "sticker-catalogue-import").securityContext, allowPrivilegeEscalation: true }; } },
  { name: "the catalogue import Job without a deadline (no probes to end a hung run)", overlay: "prod", caughtBy: ["pod-probes"], mutate: (o) => { delete at(find(o, "Job", "sticker-catalogue-import"), "spec")["activeDeadlineSeconds"]; } },
  { name: "the gateway mounts an API token", overlay: "prod", caughtBy: ["pod-no-api-token"], mutate: (o) => { delete pod(o, "gateway").automountServiceAccountToken; } },
  // namespaces and network
  { name: "the relay namespace enforces only baseline", overlay: "prod", caughtBy: ["namespace-pod-security"], mutate: (o) => { at(find(o, "Namespace", "oblivious-relay"), "metadata", "labels")["pod-security.kubernetes.io/enforce"] = "baseline"; } },
  { name: "no default deny in the relay namespace", overlay: "prod", caughtBy: ["default-deny"], mutate: (o) => remove(o, "NetworkPolicy", "default-deny", "oblivious-relay") },
  { name: "the default deny lets egress through", overlay: "dev", caughtBy: ["default-deny"], mutate: (o) => { at(find(o, "NetworkPolicy", "default-deny"), "spec")["policyTypes"] = ["Ingress"]; } },
  { name: "any namespace may reach the gateway", overlay: "prod", caughtBy: ["ingress-allow-list"], mutate: (o) => { at(find(o, "NetworkPolicy", "gateway"), "spec", "ingress", 0)["from"] = [{ namespaceSelector: {} }]; } },
  { name: "any pod of the namespace may reach Redis", overlay: "prod", caughtBy: ["ingress-allow-list"], mutate: (o) => { at(find(o, "NetworkPolicy", "redis"), "spec", "ingress", 0)["from"] = [{ podSelector: {} }]; } },
  { name: "Meilisearch's own policy is gone, default deny still applies", overlay: "prod", caughtBy: ["ingress-allow-list"], mutate: (o) => remove(o, "NetworkPolicy", "meilisearch") },
  { name: "any pod of the namespace may connect to the catalogue import Job", overlay: "prod", caughtBy: ["ingress-allow-list"], mutate: (o) => { at(find(o, "NetworkPolicy", "sticker-catalogue-import"), "spec")["ingress"] = [{ from: [{ podSelector: {} }] }]; } },
  { name: "Meilisearch does not admit the catalogue import Job (an outage)", overlay: "dev", caughtBy: ["ingress-allow-list"], mutate: (o) => { (at(find(o, "NetworkPolicy", "meilisearch"), "spec", "ingress", 0)["from"] as unknown[]).pop(); } },
  { name: "the catalogue import Job, holding the master key, may reach Redis", overlay: "prod", caughtBy: ["egress-allow-list"], mutate: (o) => { (at(find(o, "NetworkPolicy", "sticker-catalogue-import"), "spec")["egress"] as unknown[]).push({ to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "redis" } } }], ports: [{ port: 6379 }] }); } },
  { name: "the relay may also reach the internet", overlay: "prod", caughtBy: ["egress-allow-list"], mutate: (o) => { (at(find(o, "NetworkPolicy", "relay"), "spec")["egress"] as unknown[]).push({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 443 }] }); } },
  { name: "the relay may reach the issuer", overlay: "dev", caughtBy: ["egress-allow-list"], mutate: (o) => { (at(find(o, "NetworkPolicy", "relay"), "spec")["egress"] as unknown[]).push({ to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "issuer" } } }], ports: [{ port: SERVICES.issuer.public }] }); } },
  { name: "the relay may reach the gateway's admin port", overlay: "prod", caughtBy: ["egress-allow-list"], mutate: (o) => { at(find(o, "NetworkPolicy", "relay"), "spec", "egress", 0)["ports"] = []; } },
  { name: "Meilisearch may send anywhere", overlay: "prod", caughtBy: ["egress-allow-list"], mutate: (o) => { at(find(o, "NetworkPolicy", "meilisearch"), "spec")["egress"] = [{}]; } },
  { name: "dev relay egress still names the production namespace (an outage)", overlay: "dev", caughtBy: ["egress-allow-list"], mutate: (o) => { at(find(o, "NetworkPolicy", "relay"), "spec", "egress", 0, "to", 0, "namespaceSelector", "matchLabels")["kubernetes.io/metadata.name"] = "oblivious-services"; } },
  { name: "the gateway's Service gets external IPs", overlay: "prod", caughtBy: ["gateway-not-exposed"], mutate: (o) => { at(find(o, "Service", "gateway"), "spec")["externalIPs"] = ["203.0.113.7"]; } },
  { name: "the gateway's Service is a NodePort", overlay: "prod", caughtBy: ["gateway-not-exposed", "public-entry-points"], mutate: (o) => { at(find(o, "Service", "gateway"), "spec")["type"] = "NodePort"; } },
  { name: "an Ingress routes to the gateway", overlay: "prod", caughtBy: ["gateway-not-exposed", "public-entry-points"], mutate: (o) => { at(find(o, "Ingress", "issuer"), "spec", "rules", 0, "http", "paths", 0, "backend", "service")["name"] = "gateway"; } },
  { name: "an Ingress routes to telemetry", overlay: "prod", caughtBy: ["public-entry-points"], mutate: (o) => { at(find(o, "Ingress", "issuer"), "spec", "rules", 0, "http", "paths", 1, "backend", "service")["name"] = "telemetry"; } },
  { name: "the issuer's admin port behind the Ingress", overlay: "prod", caughtBy: ["public-entry-points"], mutate: (o) => { at(find(o, "Ingress", "issuer"), "spec", "rules", 0, "http", "paths", 0, "backend", "service")["name"] = "issuer-admin"; at(find(o, "Ingress", "issuer"), "spec", "rules", 0, "http", "paths", 0, "backend", "service")["port"] = { name: "admin" }; } },
  { name: "sticker-search as a LoadBalancer", overlay: "dev", caughtBy: ["public-entry-points"], mutate: (o) => { at(find(o, "Service", "sticker-search"), "spec")["type"] = "LoadBalancer"; } },
  // configuration, images, secrets, operations
  { name: "a Redis URL with its password in a ConfigMap", overlay: "prod", caughtBy: ["no-secret-in-config"], mutate: (o) => { configData(o, "telemetry-config")["CACHE_URL"] = "redis://:s3cretPassw0rd@redis:6379"; } },
  { name: "the Meilisearch master key in a ConfigMap", overlay: "prod", caughtBy: ["no-secret-in-config"], mutate: (o) => { configData(o, "meilisearch-config")["MEILI_MASTER_KEY"] = "change-me"; } },
  { name: "requirepass in redis.conf", overlay: "dev", caughtBy: ["no-secret-in-config"], mutate: (o) => { const d = configData(o, "redis-config"); d["redis.conf"] = `${d["redis.conf"] ?? ""}\nrequirepass hunter2\n`; } },
  { name: "a private key as a literal env value", overlay: "prod", caughtBy: ["no-secret-in-config"], mutate: (o) => { (container(o, "issuer").env ??= []).push({ name: "EXTRA", value: "-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----" }); } },
  { name: "a random token under an innocent name", overlay: "prod", caughtBy: ["no-secret-in-config"], mutate: (o) => { configData(o, "gateway-config")["GATEWAY_NOTE"] = "k9XvQ2mP7rT4wZ8bN1cF6hJ3sL5dG0aYqE"; } },
  { name: "the relay image on latest", overlay: "prod", caughtBy: ["images-pinned"], mutate: (o) => { container(o, "relay").image = "registry.example.com/oblivious/relay:latest"; } },
  { name: "Redis without a tag", overlay: "prod", caughtBy: ["images-pinned"], mutate: (o) => { container(o, "redis").image = "redis"; } },
  { name: "Meilisearch on a floating major tag", overlay: "dev", caughtBy: ["images-pinned"], mutate: (o) => { container(o, "meilisearch").image = "getmeili/meilisearch:v1"; } },
  { name: "a committed Secret", overlay: "prod", caughtBy: ["no-committed-secrets"], mutate: (o) => { o.push({ apiVersion: "v1", kind: "Secret", metadata: { name: "gateway-keys", namespace: "oblivious-services" }, stringData: { "keys.json": "{}" } }); } },
  { name: "the gateway keys mounted with subPath", overlay: "prod", caughtBy: ["secret-mounts"], mutate: (o) => { const m = container(o, "gateway").volumeMounts?.find((v) => v.name === "gateway-keys"); assert.ok(m); m.subPath = "keys.json"; m.mountPath = "/var/run/secrets/oblivious/gateway-keys/keys.json"; } },
  { name: "the issuer keys mounted writable", overlay: "dev", caughtBy: ["secret-mounts"], mutate: (o) => { const m = container(o, "issuer").volumeMounts?.find((v) => v.name === "issuer-keys"); assert.ok(m); m.readOnly = false; } },
  { name: "the JWKS file path outside every mount", overlay: "prod", caughtBy: ["secret-mounts"], mutate: (o) => { configData(o, "issuer-config")["ATTESTER_JWKS_FILE"] = "/etc/oblivious/jwks.json"; } },
  { name: "sticker-search mounts the Meilisearch master key again", overlay: "prod", caughtBy: ["secret-holders"], mutate: (o) => { const v = pod(o, "sticker-search").volumes?.find((x) => x.secret?.secretName === "meilisearch-search-key"); assert.ok(v?.secret); v.secret.secretName = "meilisearch-auth"; v.secret.items = [{ key: "master-key", path: "search-key" }]; } },
  { name: "the gateway gets the master key in its environment", overlay: "dev", caughtBy: ["secret-holders"], mutate: (o) => { (container(o, "gateway").env ??= []).push({ name: "MEILI_API_KEY", valueFrom: { secretKeyRef: { name: "meilisearch-auth", key: "master-key" } } }); } },
  { name: "the relay takes its environment from a Secret", overlay: "prod", caughtBy: ["secret-holders"], mutate: (o) => { (container(o, "relay").envFrom ??= []).push({ secretRef: { name: "relay-extra" } }); } },
  { name: "the issuer without an autoscaler", overlay: "prod", caughtBy: ["availability"], mutate: (o) => remove(o, "HorizontalPodAutoscaler", "issuer") },
  { name: "the relay without a disruption budget", overlay: "prod", caughtBy: ["availability"], mutate: (o) => remove(o, "PodDisruptionBudget", "relay") },
  { name: "telemetry not scraped", overlay: "prod", caughtBy: ["monitored"], mutate: (o) => remove(o, "ServiceMonitor", "telemetry") },
  { name: "the gateway's ServiceMonitor names a port that does not exist", overlay: "dev", caughtBy: ["monitored"], mutate: (o) => { at(find(o, "ServiceMonitor", "gateway"), "spec", "endpoints", 0)["port"] = "metrics"; } },
];

function firing(objects: readonly KubeObject[]): string[] {
  return [...new Set(checkManifests(objects).map((v) => v.policy))].sort();
}

describe("manifest policies hold", () => {
  for (const overlay of OVERLAYS) {
    it(`${overlay}: no violations`, () => {
      assert.deepEqual(checkManifests(get(overlay)), []);
    });
  }

  it("the policies actually look at something: every service and store is a workload", () => {
    const apps = get("prod").filter((o) => Deployment.is(o)).length;
    assert.equal(apps, 5);
    assert.deepEqual(workloads(get("prod")).filter((w) => w.object.kind === "Job").map((w) => w.app), ["sticker-catalogue-import"]);
  });
});

describe("each policy catches its broken fixture, and only the related ones do", () => {
  for (const f of FIXTURES) {
    it(`${f.caughtBy.join(" + ")}: ${f.name}`, () => {
      const objects = copy(get(f.overlay));
      f.mutate(objects);
      assert.deepEqual(validateAll(objects), [], "the fixture is still schema-valid");
      assert.deepEqual(firing(objects), [...f.caughtBy].sort());
    });
  }

  it("every policy has at least one fixture", () => {
    const covered = new Set(FIXTURES.flatMap((f) => f.caughtBy));
    assert.deepEqual(MANIFEST_POLICIES.map((p) => p.id).filter((id) => !covered.has(id)), []);
  });

  it("violations name the object and never echo a secret value", () => {
    const objects = copy(get("prod"));
    configData(objects, "telemetry-config")["CACHE_URL"] = "redis://:s3cretPassw0rd@redis:6379";
    const [v] = checkManifests(objects);
    assert.ok(v);
    assert.match(v.object, /^ConfigMap oblivious-services\/telemetry-config-/);
    assert.doesNotMatch(JSON.stringify(v), /s3cretPassw0rd/);
  });
});
