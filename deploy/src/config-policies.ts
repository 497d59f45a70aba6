/**
 * Configuration, secrets, images and operations: what a reviewer of the rendered output checks by
 * eye, checked by code.
 */
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Service } from "kubernetes-models/v1";
import { isServiceName, SECRET_HOLDERS, SERVICES } from "./allow-list.js";
import { unpinnedReason } from "./images.js";
import { containersOf, describe, selects, workloads, type Workload } from "./objects.js";
import { secretLikeReason } from "./secret-scan.js";
import type { Policy, Violation } from "./violations.js";

export const noSecretInConfig: Policy = {
  id: "no-secret-in-config",
  rule: "no ConfigMap entry and no literal environment value looks like a secret (key material, credentials, *_KEY or *_PASSWORD names); secrets come from Secrets",
  check(objects) {
    const out: Violation[] = [];
    for (const o of objects) {
      if (!ConfigMap.is(o)) continue;
      for (const [name, value] of Object.entries({ ...o.data, ...o.binaryData })) {
        const reason = secretLikeReason(name, value);
        if (reason !== undefined) out.push({ policy: "no-secret-in-config", object: describe(o), message: `${name}: ${reason}` });
      }
    }
    for (const w of workloads(objects)) {
      for (const c of containersOf(w.pod)) {
        for (const e of c.env ?? []) {
          if (e.value === undefined) continue;
          const reason = secretLikeReason(e.name, e.value);
          if (reason !== undefined) out.push({ policy: "no-secret-in-config", object: `${describe(w.object)} container ${c.name}`, message: `env ${e.name}: ${reason}` });
        }
      }
    }
    return out;
  },
};

export const imagesPinned: Policy = {
  id: "images-pinned",
  rule: "every container image is pinned by digest or exact version tag",
  check: (objects) =>
    workloads(objects).flatMap((w) =>
      containersOf(w.pod).flatMap((c) => {
        const reason = c.image === undefined ? "has no image" : unpinnedReason(c.image);
        return reason === undefined ? [] : [{ policy: "images-pinned", object: `${describe(w.object)} container ${c.name}`, message: `image ${c.image ?? ""} ${reason}` }];
      }),
    ),
};

export const noCommittedSecrets: Policy = {
  id: "no-committed-secrets",
  rule: "the manifests carry no Secret objects: keys and passwords are created out of band (deploy/README.md), never committed",
  check: (objects) =>
    objects.filter((o) => o.kind === "Secret").map((o) => ({ policy: "no-committed-secrets", object: describe(o), message: "a Secret is part of the rendered manifests" })),
};

export const secretMounts: Policy = {
  id: "secret-mounts",
  rule: "Secrets are mounted read-only as whole directories (a subPath mount never sees a rotated key) and every *_FILE variable points into a mounted volume",
  check(objects) {
    const out: Violation[] = [];
    const configs = new Map(objects.filter((o) => ConfigMap.is(o)).map((o) => [`${o.metadata.namespace ?? "default"}/${o.metadata.name}`, o]));
    for (const w of workloads(objects)) {
      const secretVolumes = new Set((w.pod.volumes ?? []).filter((v) => v.secret !== undefined).map((v) => v.name));
      for (const c of containersOf(w.pod)) {
        const at = `${describe(w.object)} container ${c.name}`;
        const mounts = c.volumeMounts ?? [];
        for (const m of mounts.filter((x) => secretVolumes.has(x.name))) {
          if (m.subPath !== undefined || m.subPathExpr !== undefined) out.push({ policy: "secret-mounts", object: at, message: `secret volume ${m.name} is mounted with subPath` });
          if (m.readOnly !== true) out.push({ policy: "secret-mounts", object: at, message: `secret volume ${m.name} is not mounted read-only` });
        }
        const env: [string, string][] = (c.env ?? []).flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value] as [string, string]]));
        for (const from of c.envFrom ?? []) {
          const cm = from.configMapRef === undefined ? undefined : configs.get(`${w.namespace}/${from.configMapRef.name}`);
          if (cm !== undefined && ConfigMap.is(cm)) env.push(...Object.entries(cm.data ?? {}));
        }
        for (const [name, value] of env.filter(([n]) => n.endsWith("_FILE"))) {
          if (!mounts.some((m) => value.startsWith(`${m.mountPath}/`))) out.push({ policy: "secret-mounts", object: at, message: `${name} points outside every mounted volume` });
        }
      }
    }
    return out;
  },
};

/** Every Secret a workload's pods reference: volumes, projected sources, env and envFrom. */
function secretsOf(w: Workload): Set<string> {
  const names = new Set<string>();
  for (const v of w.pod.volumes ?? []) {
    if (v.secret?.secretName !== undefined) names.add(v.secret.secretName);
    for (const source of v.projected?.sources ?? []) if (source.secret?.name !== undefined) names.add(source.secret.name);
  }
  for (const c of containersOf(w.pod)) {
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name !== undefined) names.add(e.valueFrom.secretKeyRef.name);
    for (const from of c.envFrom ?? []) if (from.secretRef?.name !== undefined) names.add(from.secretRef.name);
  }
  return names;
}

export const secretHolders: Policy = {
  id: "secret-holders",
  rule: "each Secret is referenced only by the workloads SECRET_HOLDERS names: the Meilisearch master key by Meilisearch and the catalogue import Job alone, never by sticker-search; the relay by none",
  check(objects) {
    const out: Violation[] = [];
    for (const w of workloads(objects)) {
      for (const name of secretsOf(w)) {
        const holders = SECRET_HOLDERS[name];
        if (holders === undefined) out.push({ policy: "secret-holders", object: describe(w.object), message: `Secret ${name} is not in SECRET_HOLDERS` });
        else if (!holders.includes(w.app)) out.push({ policy: "secret-holders", object: describe(w.object), message: `${w.app} may not hold Secret ${name}` });
      }
    }
    return out;
  },
};

export const availability: Policy = {
  id: "availability",
  rule: "every Deployment is scaled by a HorizontalPodAutoscaler and covered by a PodDisruptionBudget",
  check(objects) {
    const out: Violation[] = [];
    for (const w of workloads(objects).filter((x) => x.object.kind === "Deployment")) {
      const hpa = objects.find(
        (o) => HorizontalPodAutoscaler.is(o) && o.metadata?.namespace === w.namespace && o.spec?.scaleTargetRef.kind === "Deployment" && o.spec.scaleTargetRef.name === w.object.metadata.name,
      );
      if (hpa === undefined) out.push({ policy: "availability", object: describe(w.object), message: "no HorizontalPodAutoscaler" });
      const pdb = objects.find((o) => PodDisruptionBudget.is(o) && o.metadata?.namespace === w.namespace && selects(o.spec?.selector, w.podLabels));
      if (pdb === undefined) out.push({ policy: "availability", object: describe(w.object), message: "no PodDisruptionBudget" });
    }
    return out;
  },
};

export const monitored: Policy = {
  id: "monitored",
  rule: "every service's admin port is scraped: a ServiceMonitor selects a Service whose named port is the admin port",
  check(objects) {
    const out: Violation[] = [];
    const monitors = objects.filter((o) => o.apiVersion === "monitoring.coreos.com/v1" && o.kind === "ServiceMonitor");
    for (const w of workloads(objects)) {
      if (!isServiceName(w.app)) continue;
      const adminPort = SERVICES[w.app].admin;
      const scraped = objects.some((s) => {
        if (!Service.is(s) || s.metadata?.namespace !== w.namespace || s.spec?.selector === undefined || !selects({ matchLabels: s.spec.selector }, w.podLabels)) return false;
        const portName = s.spec.ports?.find((p) => p.port === adminPort)?.name;
        return monitors.some((m) => {
          const spec = m["spec"] as { selector?: { matchLabels?: Record<string, string> }; endpoints?: { port?: string }[] } | undefined;
          return m.metadata.namespace === w.namespace && selects(spec?.selector, s.metadata?.labels ?? {}) && (spec?.endpoints ?? []).some((e) => portName !== undefined && e.port === portName);
        });
      });
      if (!scraped) out.push({ policy: "monitored", object: describe(w.object), message: `admin port ${adminPort} is not scraped by any ServiceMonitor` });
    }
    return out;
  },
};

export const CONFIG_POLICIES: readonly Policy[] = [noSecretInConfig, imagesPinned, noCommittedSecrets, secretMounts, secretHolders, availability, monitored];
