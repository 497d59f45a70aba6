/**
 * Namespace and network policies: the trust split as the cluster enforces it. Reachability comes
 * from network.ts, compared with the tables in allow-list.ts.
 */
import { Ingress, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { Namespace, Service } from "kubernetes-models/v1";
import { EGRESS_ALLOWED, INGRESS_ALLOWED, PUBLIC_ENTRY_POINTS } from "./allow-list.js";
import { ANY_PORT, modelEndpoints, reachability, type Direction } from "./network.js";
import { APP_LABEL, describe, selects, workloads, type KubeObject } from "./objects.js";
import type { Policy, Violation } from "./violations.js";

function violation(policy: string, object: string, message: string): Violation {
  return { policy, object, message };
}

/** Every namespace an object lands in. */
function usedNamespaces(objects: readonly KubeObject[]): Set<string> {
  return new Set(objects.filter((o) => o.kind !== "Namespace").map((o) => o.metadata.namespace ?? "default"));
}

export const namespacePodSecurity: Policy = {
  id: "namespace-pod-security",
  rule: "every namespace used is declared here and enforces Pod Security `restricted`",
  check(objects) {
    const out: Violation[] = [];
    const declared = new Map(objects.filter((o) => Namespace.is(o)).map((o) => [o.metadata.name, o.metadata.labels ?? {}]));
    for (const ns of usedNamespaces(objects)) {
      const labels = declared.get(ns);
      if (labels === undefined) out.push(violation("namespace-pod-security", `Namespace ${ns}`, "not declared by the overlay"));
      else if (labels["pod-security.kubernetes.io/enforce"] !== "restricted") out.push(violation("namespace-pod-security", `Namespace ${ns}`, "does not enforce Pod Security restricted"));
    }
    return out;
  },
};

export const defaultDeny: Policy = {
  id: "default-deny",
  rule: "every namespace has a NetworkPolicy that selects all pods, for ingress and egress, and allows nothing",
  check(objects) {
    const policies = objects.filter((o) => NetworkPolicy.is(o));
    const out: Violation[] = [];
    for (const ns of usedNamespaces(objects)) {
      const found = policies.some((p) => {
        const spec = p.spec;
        const selectsAll = Object.keys(spec?.podSelector?.matchLabels ?? {}).length === 0 && (spec?.podSelector?.matchExpressions ?? []).length === 0;
        const types = spec?.policyTypes ?? [];
        return (p.metadata?.namespace ?? "default") === ns && selectsAll && types.includes("Ingress") && types.includes("Egress") && (spec?.ingress ?? []).length === 0 && (spec?.egress ?? []).length === 0;
      });
      if (!found) out.push(violation("default-deny", `Namespace ${ns}`, "no default-deny NetworkPolicy"));
    }
    return out;
  },
};

function allowList(id: string, direction: Direction, table: Readonly<Record<string, readonly string[]>>, rule: string): Policy {
  return {
    id,
    rule,
    check(objects) {
      const present = new Set(modelEndpoints(objects).map((e) => e.id));
      return reachability(objects, direction).flatMap(({ workload, isolated, allowed }) => {
        const who = describe(workload.object);
        if (!isolated) return [violation(id, who, `no NetworkPolicy restricts its ${direction}: everything is allowed`)];
        const permitted = table[workload.app];
        if (permitted === undefined) return [violation(id, who, `no ${direction} allow-list entry for ${workload.app}`)];
        const extra = allowed.filter((a) => !permitted.includes(a)).map((a) => violation(id, who, `${direction} ${a} is not in the allow-list`));
        // The other way round too: a peer the service needs but cannot reach is an outage (an
        // overlay that names the wrong namespace). Peers that another overlay renders are skipped.
        const missing = permitted
          .filter((a) => {
            const peer = a.slice(0, a.lastIndexOf(":"));
            return present.has(peer) && !allowed.includes(a) && !allowed.includes(`${peer}:${ANY_PORT}`);
          })
          .map((a) => violation(id, who, `${direction} ${a} is needed but not allowed`));
        return [...extra, ...missing];
      });
    },
  };
}

export const ingressAllowList = allowList(
  "ingress-allow-list",
  "ingress",
  INGRESS_ALLOWED,
  "each workload accepts connections only from the peers and ports in INGRESS_ALLOWED: the edges reach the relay and the issuer only, only the relay reaches the gateway",
);

export const egressAllowList = allowList(
  "egress-allow-list",
  "egress",
  EGRESS_ALLOWED,
  "each workload connects only to the peers and ports in EGRESS_ALLOWED: the relay to the gateway (and DNS) only, the gateway to its allow-listed backends, Redis and Meilisearch nowhere",
);

function servicesSelecting(objects: readonly KubeObject[], app: string): KubeObject[] {
  const pods = workloads(objects).filter((w) => w.app === app);
  return objects.filter(
    (o) =>
      Service.is(o) &&
      pods.some((w) => w.namespace === (o.metadata?.namespace ?? "default") && o.spec?.selector !== undefined && selects({ matchLabels: o.spec.selector }, w.podLabels)),
  );
}

function ingressBackends(o: KubeObject): { service: string; port: number | string | undefined }[] {
  if (!Ingress.is(o)) return [];
  const spec = o.spec;
  const backends = [spec?.defaultBackend, ...(spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend))];
  return backends.flatMap((b) => (b?.service === undefined ? [] : [{ service: b.service.name, port: b.service.port?.number ?? b.service.port?.name }]));
}

export const gatewayNotExposed: Policy = {
  id: "gateway-not-exposed",
  rule: "the gateway is reachable inside the cluster only: ClusterIP Services without external IPs, no Ingress route, no host network or host port",
  check(objects) {
    const out: Violation[] = [];
    const gatewayServices = servicesSelecting(objects, "gateway");
    for (const s of gatewayServices) {
      if (!Service.is(s)) continue;
      const type = s.spec?.type ?? "ClusterIP";
      if (type !== "ClusterIP") out.push(violation("gateway-not-exposed", describe(s), `Service type ${type} exposes the gateway`));
      if ((s.spec?.externalIPs ?? []).length > 0) out.push(violation("gateway-not-exposed", describe(s), "externalIPs expose the gateway"));
    }
    const names = new Set(gatewayServices.map((s) => `${s.metadata.namespace ?? "default"}/${s.metadata.name}`));
    for (const o of objects) {
      for (const b of ingressBackends(o)) {
        if (names.has(`${o.metadata.namespace ?? "default"}/${b.service}`)) out.push(violation("gateway-not-exposed", describe(o), `routes to the gateway Service ${b.service}`));
      }
    }
    for (const w of workloads(objects).filter((x) => x.app === "gateway")) {
      if (w.pod.hostNetwork === true) out.push(violation("gateway-not-exposed", describe(w.object), "gateway pods use the host network"));
      for (const c of w.pod.containers) if ((c.ports ?? []).some((p) => p.hostPort !== undefined)) out.push(violation("gateway-not-exposed", describe(w.object), "gateway pods bind a host port"));
    }
    return out;
  },
};

export const publicEntryPoints: Policy = {
  id: "public-entry-points",
  rule: "only the relay and the issuer are published (Ingress to their public port); no Service is a NodePort or LoadBalancer",
  check(objects) {
    const out: Violation[] = [];
    for (const o of objects) {
      if (Service.is(o) && (o.spec?.type === "NodePort" || o.spec?.type === "LoadBalancer")) out.push(violation("public-entry-points", describe(o), `Service type ${o.spec.type}; publish through an Ingress`));
      for (const b of ingressBackends(o)) {
        const service = objects.find((s) => Service.is(s) && s.metadata.name === b.service && s.metadata.namespace === o.metadata.namespace);
        const app = service?.metadata.labels?.[APP_LABEL];
        const port = service !== undefined && Service.is(service) ? service.spec?.ports?.find((p) => p.name === b.port || p.port === b.port)?.port : undefined;
        const expected = app === undefined ? undefined : PUBLIC_ENTRY_POINTS[app];
        if (expected === undefined || port !== expected) out.push(violation("public-entry-points", describe(o), `routes to ${b.service}:${String(b.port)}, which is not a public entry point`));
      }
    }
    return out;
  },
};

export const TRAFFIC_POLICIES: readonly Policy[] = [namespacePodSecurity, defaultDeny, ingressAllowList, egressAllowList, gatewayNotExposed, publicEntryPoints];
