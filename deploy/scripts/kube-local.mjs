// Turns the rendered dev overlay into what `podman kube play` (4.3) runs: one Pod per workload,
// the ConfigMaps their envFrom reads, PersistentVolumeClaims for the StatefulSets' volumes. What
// kube play cannot do is done here, the same way for every object, and reported:
//   - Deployment, StatefulSet, Job -> Pod (one replica each; a Job's pod restarts on failure).
//   - Secret and ConfigMap volumes -> hostPath directories of files made from the development
//     material (Secrets 0440 root:<the pod's group>), because kube play 4.3 mounts neither.
//   - secretKeyRef and fieldRef env -> literal values (the played file is 0600, in the state dir).
//   - emptyDir -> a named volume per pod (kube play would share one per volume name).
//   - Services -> hostAliases: every Service name (short and cluster FQDN) maps to its pod's
//     static address on the deployment's own network; the relay's and the issuer's public ports
//     (their Ingresses) are published on 127.0.0.1, and no other port is.
//   - probes are dropped (kube play runs them with curl, which the images do not carry); the
//     caller waits for every pod's /readyz itself.
//   - Redis: one instance, no Sentinel (below), REDIS_URL for the services.
//   - Namespace, NetworkPolicy, HorizontalPodAutoscaler, PodDisruptionBudget, ServiceMonitor,
//     Ingress: not played (podman has no such thing); the policy tests check them.
import { SERVICES } from "./images.mjs";

export const NAMESPACE = "oblivious-dev";
export const NOT_PLAYED = ["Namespace", "NetworkPolicy", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceMonitor", "Ingress"];

/** Where the local images come from, by the manifests' image name. */
export function localImage(image, serviceImage, standIns) {
  const name = image.replace(/@.*$/, "").replace(/:[^/:]+$/, "");
  const service = name.split("/").at(-1);
  if (name.startsWith("registry.example.com/oblivious/") && SERVICES.includes(service)) return serviceImage(service);
  if (name === "redis") return standIns.redis;
  if (name === "getmeili/meilisearch") return standIns.meilisearch;
  throw new Error(`deploy:local: no local image for ${image}`);
}

/** A podman named volume, owned by the pod's user so that it can write there. */
function claim(name, spec, user, group) {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, annotations: { "volume.podman.io/uid": String(user), "volume.podman.io/gid": String(group) } },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...spec },
  };
}

function clone(x) {
  return JSON.parse(JSON.stringify(x));
}

/**
 * Redis inside kube play: one instance with its append-only file, no replicas and no Sentinel.
 * kube play has no StatefulSet (no stable per-pod names) and Sentinel's failover needs them; the
 * Sentinel setup is tested by the services' own tests on real Sentinels, not here.
 */
// (No `$(...)` here: kube play, like Kubernetes, reads `$(NAME)` in a command as a variable.)
const REDIS_LOCAL = [
  "umask 077",
  "IFS= read -r password < /etc/redis/auth/password || test -n \"$password\"",
  'printf "include /usr/local/etc/redis/redis.conf\\nrequirepass %s\\n" "$password" > /tmp/redis.conf',
  "exec redis-server /tmp/redis.conf",
].join("; ");

/**
 * @param objects the rendered dev overlay
 * @param ctx { name, secrets: { [secret]: { [key]: string } }, ips: { [workload]: ip }, hostPorts: { relay, issuer },
 *              image: (image) => local image, materialize: (pod, volume, files, group, mode) => hostPath dir,
 *              only?: Set of the workloads to turn into pods now (hostAliases always name all of them) }
 * @returns { pods: [{ workload, ip, doc }], configMaps: [...], claims: [...], skipped: { kind: count } }
 */
export function toKubePlay(objects, ctx) {
  const configMaps = new Map(objects.filter((o) => o.kind === "ConfigMap").map((o) => [o.metadata.name, o]));
  const services = objects.filter((o) => o.kind === "Service");
  const workloads = objects.filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind));
  const skipped = {};
  for (const o of objects) {
    if (["Deployment", "StatefulSet", "Job", "ConfigMap", "Service"].includes(o.kind)) continue;
    skipped[o.kind] = (skipped[o.kind] ?? 0) + 1;
  }
  const unknown = Object.keys(skipped).filter((k) => !NOT_PLAYED.includes(k));
  if (unknown.length > 0) throw new Error(`deploy:local: the dev overlay has kinds this player does not know: ${unknown.join(", ")}`);

  // Every Service name resolves to the address of the one pod it selects.
  const aliases = [];
  for (const s of services) {
    const selector = s.spec.selector ?? {};
    const target = workloads.find((w) => Object.entries(selector).every(([k, v]) => w.spec.template.metadata.labels?.[k] === v));
    if (target === undefined) continue;
    const ip = ctx.ips[target.metadata.name];
    const n = s.metadata.name;
    aliases.push({ ip, hostnames: [n, `${n}.${NAMESPACE}`, `${n}.${NAMESPACE}.svc`, `${n}.${NAMESPACE}.svc.cluster.local`] });
  }
  const byIp = new Map();
  for (const a of aliases) byIp.set(a.ip, [...(byIp.get(a.ip) ?? []), ...a.hostnames]);
  const hostAliases = [...byIp].map(([ip, hostnames]) => ({ ip, hostnames }));

  const claims = [];
  const usedConfigMaps = new Set();
  const played = ctx.only === undefined ? workloads : workloads.filter((w) => ctx.only.has(w.metadata.name));
  const pods = played.map((w) => {
    const workload = w.metadata.name;
    const spec = clone(w.spec.template.spec);
    const group = spec.securityContext?.runAsGroup ?? spec.securityContext?.fsGroup ?? 0;
    const user = spec.securityContext?.runAsUser ?? 0;
    delete spec.affinity;
    delete spec.topologySpreadConstraints;
    spec.restartPolicy = w.kind === "Job" ? "OnFailure" : "Always";
    spec.hostAliases = hostAliases;
    if (workload === "redis") spec.containers = spec.containers.filter((c) => c.name === "redis");

    spec.volumes = (spec.volumes ?? []).map((v) => {
      if (v.secret !== undefined) {
        const data = ctx.secrets[v.secret.secretName];
        if (data === undefined) throw new Error(`deploy:local: no development material for Secret ${v.secret.secretName}`);
        const items = v.secret.items ?? Object.keys(data).map((key) => ({ key, path: key }));
        const files = Object.fromEntries(items.map((i) => [i.path, data[i.key]]));
        return { name: v.name, hostPath: { path: ctx.materialize(workload, v.name, files, group, 0o440), type: "Directory" } };
      }
      if (v.configMap !== undefined) {
        const cm = configMaps.get(v.configMap.name);
        if (cm === undefined) throw new Error(`deploy:local: ConfigMap ${v.configMap.name} is not in the overlay`);
        return { name: v.name, hostPath: { path: ctx.materialize(workload, v.name, cm.data ?? {}, group, 0o444), type: "Directory" } };
      }
      if (v.emptyDir !== undefined) {
        // kube play 4.3 makes an emptyDir a named volume called after the volume, shared by every
        // pod with a volume of that name (each has a `tmp`): one volume per pod instead.
        const claimName = `${ctx.name}-${workload}-${v.name}`;
        claims.push(claim(claimName, {}, user, group));
        return { name: v.name, persistentVolumeClaim: { claimName } };
      }
      return v;
    });
    for (const t of w.spec.volumeClaimTemplates ?? []) {
      const claimName = `${ctx.name}-${workload}-${t.metadata.name}`;
      claims.push(claim(claimName, clone(t.spec), user, group));
      spec.volumes.push({ name: t.metadata.name, persistentVolumeClaim: { claimName } });
    }

    spec.containers = spec.containers.map((c0) => {
      const c = clone(c0);
      c.image = ctx.image(c.image);
      delete c.livenessProbe;
      delete c.readinessProbe;
      delete c.startupProbe;
      if (workload === "redis" && c.name === "redis") {
        c.command = ["sh", "-c", REDIS_LOCAL];
        delete c.args;
        delete c.env;
      }
      const env = [];
      for (const e of c.env ?? []) {
        if (e.valueFrom?.secretKeyRef !== undefined) {
          const value = ctx.secrets[e.valueFrom.secretKeyRef.name]?.[e.valueFrom.secretKeyRef.key];
          if (value === undefined) throw new Error(`deploy:local: no development value for ${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
          env.push({ name: e.name, value });
        } else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.namespace") env.push({ name: e.name, value: NAMESPACE });
        else if (e.valueFrom !== undefined) throw new Error(`deploy:local: ${workload}: env ${e.name} has a source this player does not know`);
        else env.push(e);
      }
      // Redis through REDIS_URL locally (one instance): the Sentinel settings are left out.
      // (The ConfigMap that carries REDIS_SENTINELS, whatever hash suffix kustomize gave its name.)
      const sentinelConfig = (f) => f.configMapRef !== undefined && configMaps.get(f.configMapRef.name)?.data?.REDIS_SENTINELS !== undefined;
      const redisClient = (c.envFrom ?? []).some(sentinelConfig);
      c.envFrom = (c.envFrom ?? []).filter((f) => !sentinelConfig(f));
      if (redisClient) {
        env.push({ name: "REDIS_URL", value: `redis://:${ctx.secrets["redis-auth"].password}@redis:6379` });
      }
      for (const f of c.envFrom) if (f.configMapRef !== undefined) usedConfigMaps.add(f.configMapRef.name);
      if (env.length > 0) c.env = env;
      else delete c.env;
      // kube play 4.3 publishes every containerPort on the host's addresses (as hostPort when none
      // is given): only the public entry points (the relay's and the issuer's Ingress) are kept,
      // on the host's loopback. The pods reach each other on the deployment's network.
      const hostPort = ctx.hostPorts[workload];
      const published = hostPort === undefined ? [] : (c.ports ?? []).filter((p) => p.name === "public").map((p) => ({ ...p, hostPort, hostIP: "127.0.0.1" }));
      if (published.length > 0) c.ports = published;
      else delete c.ports;
      return c;
    });
    const doc = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `${ctx.name}-${workload}`, labels: { ...(w.spec.template.metadata.labels ?? {}), "oblivious.local/deployment": ctx.name } },
      spec,
    };
    return { workload, ip: ctx.ips[workload], doc };
  });
  const playedConfigMaps = [...usedConfigMaps].map((n) => {
    const cm = configMaps.get(n);
    if (cm === undefined) throw new Error(`deploy:local: ConfigMap ${n} is not in the overlay`);
    const data = { ...(cm.data ?? {}) };
    // One Redis here, no replica to acknowledge a spend: a wait for one would time out and every
    // token check would fail closed (503). Rewritten in the ConfigMap itself: podman 4.3's kube
    // play lets a ConfigMap's value win over a container's literal env of the same name.
    if (data.REDIS_MIN_REPLICAS_ACK !== undefined) data.REDIS_MIN_REPLICAS_ACK = "0";
    return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: n }, data };
  });
  return { pods, configMaps: playedConfigMaps, claims, skipped };
}
