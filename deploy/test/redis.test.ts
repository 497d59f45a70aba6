// Redis in the manifests: one primary and replicas in a StatefulSet, a Sentinel beside each (three,
// with a quorum that a lost node leaves reachable), append-only persistence, and every service
// that keeps state wired to the Sentinels with the variables the services read.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { containersOf, renderOverlay, workloads, type KubeObject, type Workload } from "../src/index.js";

const STATEFUL = ["gateway", "issuer", "sticker-search", "telemetry"] as const;
const SPENDING = new Set(["sticker-search", "telemetry"]);

function configData(objects: readonly KubeObject[], prefix: string): Record<string, string> {
  const cm = objects.find((o) => o.kind === "ConfigMap" && (o.metadata.name === prefix || o.metadata.name.startsWith(`${prefix}-`)) && !o.metadata.name.slice(prefix.length + 1).includes("-"));
  assert.ok(cm, `ConfigMap ${prefix}`);
  return (cm as unknown as { data: Record<string, string> }).data;
}

function workload(objects: readonly KubeObject[], app: string): Workload {
  const w = workloads(objects).find((x) => x.app === app);
  assert.ok(w, app);
  return w;
}

/** The environment a service's container sees from its ConfigMaps and literal env. */
function envOf(objects: readonly KubeObject[], app: string): Map<string, string> {
  const w = workload(objects, app);
  const c = containersOf(w.pod).find((x) => x.name === app);
  assert.ok(c);
  const env = new Map<string, string>();
  for (const from of c.envFrom ?? []) {
    const name = from.configMapRef?.name;
    const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === name) as unknown as { data: Record<string, string> } | undefined;
    assert.ok(cm, `${app}: ConfigMap ${name ?? "?"}`);
    for (const [k, v] of Object.entries(cm.data)) env.set(k, v);
  }
  for (const e of c.env ?? []) if (e.value !== undefined) env.set(e.name, e.value);
  return env;
}

for (const overlay of ["prod", "dev"] as const) {
  describe(`Redis with Sentinel (${overlay})`, () => {
    const objects = renderOverlay(overlay);
    const redis = workload(objects, "redis");
    const sts = redis.object as unknown as { kind: string; spec: { replicas: number; serviceName: string } };

    it("is a StatefulSet of three: one primary and two replicas, each with a Sentinel beside it", () => {
      assert.equal(sts.kind, "StatefulSet");
      assert.equal(sts.spec.replicas, 3);
      assert.deepEqual(containersOf(redis.pod).map((c) => c.name).sort(), ["redis", "sentinel"]);
      const sentinel = containersOf(redis.pod).find((c) => c.name === "sentinel");
      assert.deepEqual(sentinel?.ports?.map((p) => p.containerPort), [26379]);
      const quorum = Number(containersOf(redis.pod)[0]?.env?.find((e) => e.name === "REDIS_SENTINEL_QUORUM")?.value);
      // A quorum the two Sentinels left after losing a node still reach, and more than half of three.
      assert.equal(quorum, 2);
    });

    it("persists every write in an append-only file on its own volume", () => {
      const conf = configData(objects, "redis-config")["redis.conf"] ?? "";
      assert.match(conf, /^appendonly yes$/m);
      assert.match(conf, /^dir \/data$/m);
      assert.match(conf, /^maxmemory-policy noeviction$/m);
      const mount = containersOf(redis.pod).find((c) => c.name === "redis")?.volumeMounts?.find((m) => m.mountPath === "/data");
      assert.equal(mount?.name, "data");
      const claims = (redis.object as unknown as { spec: { volumeClaimTemplates: { metadata: { name: string } }[] } }).spec.volumeClaimTemplates;
      assert.deepEqual(claims.map((c) => c.metadata.name), ["data"]);
    });

    it("the start scripts follow the Sentinels, and the Sentinels monitor with the quorum and the shared name", () => {
      const data = configData(objects, "redis-config");
      assert.match(data["redis-start.sh"] ?? "", /sentinel get-master-addr-by-name "\$\{REDIS_SENTINEL_NAME\}"/);
      assert.match(data["redis-start.sh"] ?? "", /replicaof \$\{primary\} 6379/);
      assert.match(data["sentinel-start.sh"] ?? "", /sentinel monitor \$\{REDIS_SENTINEL_NAME\} \$\{primary\} 6379 \$\{REDIS_SENTINEL_QUORUM\}/);
    });

    it("a headless Service publishes each pod's name before it is ready, and a PDB keeps two of three", () => {
      const svc = objects.find((o) => o.kind === "Service" && o.metadata.name === sts.spec.serviceName) as unknown as { spec: { clusterIP: string; publishNotReadyAddresses: boolean; ports: { port: number }[] } };
      assert.equal(svc.spec.clusterIP, "None");
      assert.equal(svc.spec.publishNotReadyAddresses, true);
      assert.deepEqual(svc.spec.ports.map((p) => p.port).sort(), [26379, 6379]);
      const pdb = objects.find((o) => o.kind === "PodDisruptionBudget" && o.metadata.name === "redis") as unknown as { spec: { maxUnavailable: number } };
      assert.equal(pdb.spec.maxUnavailable, 1);
    });

    for (const app of STATEFUL) {
      it(`${app}: reaches Redis through the three Sentinels, with passwords from files of the redis-auth Secret`, () => {
        const env = envOf(objects, app);
        const sentinelName = containersOf(redis.pod)[0]?.env?.find((e) => e.name === "REDIS_SENTINEL_NAME")?.value;
        assert.equal(env.get("REDIS_SENTINEL_NAME"), sentinelName);
        const expected = Array.from({ length: sts.spec.replicas }, (_, i) => `${sts.spec.serviceName}-${i}.${sts.spec.serviceName}:26379`);
        assert.deepEqual(env.get("REDIS_SENTINELS")?.split(","), expected);
        assert.equal(env.has("REDIS_URL"), false, "no REDIS_URL next to the Sentinels");
        const w = workload(objects, app);
        const c = containersOf(w.pod).find((x) => x.name === app);
        const volume = (w.pod.volumes ?? []).find((v) => v.secret?.secretName === "redis-auth");
        assert.ok(volume, "the redis-auth Secret is mounted");
        const mount = c?.volumeMounts?.find((m) => m.name === volume.name);
        assert.ok(mount);
        const files = (volume.secret?.items ?? []).map((i) => `${mount.mountPath}/${i.path}`);
        assert.ok(files.includes(env.get("REDIS_PASSWORD_FILE") ?? ""), "REDIS_PASSWORD_FILE is a mounted file");
        assert.ok(files.includes(env.get("REDIS_SENTINEL_PASSWORD_FILE") ?? ""), "REDIS_SENTINEL_PASSWORD_FILE is a mounted file");
        assert.equal(env.get("REDIS_MIN_REPLICAS_ACK"), SPENDING.has(app) ? "1" : undefined, "token-spending services wait for a replica");
      });
    }
  });
}
