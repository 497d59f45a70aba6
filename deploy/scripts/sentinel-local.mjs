// The manifests' Redis (the `redis` StatefulSet of deploy/k8s/base/services: three pods, each
// with Redis and a Sentinel, started by redis-start.sh and sentinel-start.sh) played as three pods
// with podman, on the local Redis stand-in: each pod gets its StatefulSet hostname and the other
// pods' stable DNS names as hostAliases. Then it checks what the manifests promise and prints the
// findings as JSON (deploy/test/redis-sentinel.test.ts asserts them):
//   - one primary with two replicas, three Sentinels that know each other, quorum 2, appendonly;
//   - a write acknowledged by a replica (WAIT 1) survives stopping the primary's pod; the
//     Sentinels promote a replica (the time is measured);
//   - the old primary's pod, started again, follows the new primary as a replica, with the data.
// Everything it creates (pods, volumes, network, files) is removed at the end. Needs root.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import { STAND_INS, ensureStandIns, materializer, render } from "./deploy-local.mjs";
import { resolveBase } from "./images.mjs";
import { run, succeeds } from "./engine.mjs";

const NAME = process.env.SENTINEL_LOCAL_NAME || `sentinel-${process.pid}`;
const NS = "oblivious-services";
const PASSWORD = `redis-${process.pid}-${Date.now()}`;
const SENTINEL_PASSWORD = `sentinel-${process.pid}-${Date.now()}`;
const log = (m) => console.error(`sentinel-local: ${m}`);

function exec(container, command, password) {
  const r = spawnSync("podman", ["exec", "-e", `REDISCLI_AUTH=${password}`, container, "sh", "-c", command], { encoding: "utf8" });
  return r.stdout.trim();
}
const redis = (i, cmd) => exec(`${NAME}-${i}-redis`, `redis-cli ${cmd}`, PASSWORD);
const sentinel = (i, cmd) => exec(`${NAME}-${i}-sentinel`, `redis-cli -p 26379 ${cmd}`, SENTINEL_PASSWORD);
const field = (text, name) => new RegExp(`^${name}:(.*)$`, "m").exec(text)?.[1]?.trim();

async function until(what, check, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms / 1000} s`);
    await sleep(250);
  }
}

async function main() {
  if (!succeeds("podman", ["--version"])) throw new Error("podman is missing: run deploy/scripts/install-containers.sh as root");
  ensureStandIns(resolveBase("podman", log));
  const objects = render("prod/services");
  const sts = objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "redis");
  const config = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === sts.spec.template.spec.volumes.find((v) => v.name === "config").configMap.name);
  const replicas = sts.spec.replicas;
  const work = mkdtempSync(join(tmpdir(), "sentinel-local-"));
  const used = run("podman", ["network", "ls", "--format", "{{range .Subnets}}{{.Subnet}} {{end}}"], { capture: true });
  let n = 200;
  while (used.includes(`10.89.${n}.`)) n++;
  const ips = Array.from({ length: replicas }, (_, i) => `10.89.${n}.${10 + i}`);
  const materialize = materializer(join(work, "volumes"));
  const group = sts.spec.template.spec.securityContext.runAsGroup;
  const user = sts.spec.template.spec.securityContext.runAsUser;
  const configDir = materialize("redis", "config", config.data, group, 0o444);
  const authDir = materialize("redis", "auth", { password: PASSWORD, "sentinel-password": SENTINEL_PASSWORD }, group, 0o440);
  const hostAliases = ips.map((ip, i) => ({ ip, hostnames: [`redis-${i}.redis.${NS}.svc.cluster.local`, `redis-${i}.redis`] }));
  const docs = [];
  const volumes = [];
  for (let i = 0; i < replicas; i++) {
    const spec = JSON.parse(JSON.stringify(sts.spec.template.spec));
    delete spec.affinity;
    Object.assign(spec, { hostname: `redis-${i}`, hostAliases, restartPolicy: "Always" });
    const claim = (v) => {
      const name = `${NAME}-${i}-${v}`;
      volumes.push(name);
      docs.push({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, annotations: { "volume.podman.io/uid": String(user), "volume.podman.io/gid": String(group) } }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } });
      return { name: v, persistentVolumeClaim: { claimName: name } };
    };
    spec.volumes = spec.volumes.map((v) => (v.configMap ? { name: v.name, hostPath: { path: configDir, type: "Directory" } } : v.secret ? { name: v.name, hostPath: { path: authDir, type: "Directory" } } : claim(v.name)));
    spec.volumes.push(claim("data"));
    spec.containers = spec.containers.map((c) => {
      const out = { ...c, image: STAND_INS.redis, env: c.env.map((e) => (e.valueFrom?.fieldRef?.fieldPath === "metadata.namespace" ? { name: e.name, value: NS } : e)) };
      for (const k of ["livenessProbe", "readinessProbe", "ports"]) delete out[k];
      return out;
    });
    docs.push({ apiVersion: "v1", kind: "Pod", metadata: { name: `${NAME}-${i}` }, spec });
  }
  const file = join(work, "play.yaml");
  writeFileSync(file, docs.map((d) => stringify(d)).join("---\n"), { mode: 0o600 });
  const result = { pods: replicas };
  try {
    run("podman", ["network", "create", "--subnet", `10.89.${n}.0/24`, NAME], { capture: true });
    run("podman", ["kube", "play", "--network", NAME, ...ips.flatMap((ip) => ["--ip", ip]), file], { capture: true });
    const primary0 = `redis-0.redis.${NS}.svc.cluster.local`;
    await until("two replicas online", () => field(redis(0, "info replication"), "connected_slaves") === String(replicas - 1));
    await until("three Sentinels that know each other", () => Array.from({ length: replicas }, (_, i) => i).every((i) => sentinel(i, "sentinel master oblivious").split("\n").join(" ").includes(`num-other-sentinels ${replicas - 1}`)));
    result.firstPrimary = sentinel(1, "sentinel get-master-addr-by-name oblivious").split("\n")[0];
    result.quorum = Number(/quorum\n(\d+)/.exec(sentinel(2, "sentinel master oblivious"))?.[1]);
    result.appendonly = redis(1, "config get appendonly").split("\n")[1];
    result.replicaRole = field(redis(1, "info replication"), "role");
    result.ackedSpend = redis(0, "set spent:acked 1") === "OK" ? Number(redis(0, "wait 1 2000")) : 0;

    const stopped = Date.now();
    run("podman", ["pod", "stop", "-t", "0", `${NAME}-0`], { capture: true });
    const promoted = await until("a promotion", () => {
      const m = sentinel(1, "sentinel get-master-addr-by-name oblivious").split("\n")[0];
      return m && m !== primary0 ? m : undefined;
    });
    result.failoverSeconds = (Date.now() - stopped) / 1000;
    result.newPrimary = promoted;
    const k = Number(/^redis-(\d+)\./.exec(promoted)?.[1]);
    await until("the new primary answers as primary", () => field(redis(k, "info replication"), "role") === "master");
    result.ackedSpendAfterFailover = redis(k, "get spent:acked");

    run("podman", ["pod", "start", `${NAME}-0`], { capture: true });
    await until("the old primary following the new one", () => {
      const info = redis(0, "info replication");
      return field(info, "role") === "slave" && field(info, "master_host") === promoted && field(info, "master_link_status") === "up";
    });
    result.oldPrimaryRejoinedAs = "replica";
    result.ackedSpendOnOldPrimary = redis(0, "get spent:acked");
  } finally {
    succeeds("podman", ["kube", "down", file]);
    for (let i = 0; i < replicas; i++) if (succeeds("podman", ["pod", "exists", `${NAME}-${i}`])) succeeds("podman", ["pod", "rm", "-f", `${NAME}-${i}`]);
    for (const v of volumes) succeeds("podman", ["volume", "rm", "-f", v]);
    succeeds("podman", ["network", "rm", "-f", NAME]);
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  console.error(`sentinel-local: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
