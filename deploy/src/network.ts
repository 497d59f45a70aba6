/**
 * NetworkPolicy semantics, evaluated over a model cluster: the rendered workloads, the cluster's
 * own components (allow-list.ts), one unknown pod per namespace and the internet. For each
 * workload and direction it answers "which endpoint may connect on which port", as the API's
 * rules define it: a pod selected by no policy of a direction is open in that direction; policies
 * add up; a rule without peers or without ports allows all of them; an ipBlock may cover
 * anything, so it is taken to.
 */
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer";
import type { INetworkPolicyPort } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { Namespace } from "kubernetes-models/v1";
import { CLUSTER_COMPONENTS } from "./allow-list.js";
import { selects, workloads, type KubeObject, type Labels, type Workload } from "./objects.js";

export interface Endpoint {
  readonly id: string;
  readonly namespace: string;
  readonly namespaceLabels: Labels;
  readonly podLabels: Labels;
}

export const INTERNET = "internet";
export const ELSEWHERE = "elsewhere";
export const ANY_PORT = "*";

export type Direction = "ingress" | "egress";

export interface Reachability {
  readonly workload: Workload;
  /** False: no policy selects the pod for this direction, so everything is allowed. */
  readonly isolated: boolean;
  /** `endpoint:port`, sorted; ports are numbers, `*`, or `from-to` ranges. */
  readonly allowed: readonly string[];
}

export function namespaceLabels(objects: readonly KubeObject[]): Map<string, Labels> {
  const out = new Map<string, Labels>();
  for (const o of objects) {
    if (!Namespace.is(o)) continue;
    const name = o.metadata?.name ?? "";
    // The API server sets this label on every namespace, and nobody can change it.
    out.set(name, { ...o.metadata?.labels, "kubernetes.io/metadata.name": name });
  }
  return out;
}

export function modelEndpoints(objects: readonly KubeObject[]): Endpoint[] {
  const nsLabels = namespaceLabels(objects);
  const labelsOf = (n: string): Labels => nsLabels.get(n) ?? { "kubernetes.io/metadata.name": n };
  const out: Endpoint[] = workloads(objects).map((w) => ({ id: w.app, namespace: w.namespace, namespaceLabels: labelsOf(w.namespace), podLabels: w.podLabels }));
  for (const [id, c] of Object.entries(CLUSTER_COMPONENTS)) out.push({ id, ...c });
  const namespaces = new Set([...nsLabels.keys(), ...out.map((e) => e.namespace), ELSEWHERE]);
  for (const n of namespaces) out.push({ id: `stranger@${n}`, namespace: n, namespaceLabels: labelsOf(n), podLabels: {} });
  return out;
}

function peerMatches(peer: INetworkPolicyPeer, policyNamespace: string, e: Endpoint): boolean {
  if (peer.ipBlock !== undefined) return true;
  const inNamespace = peer.namespaceSelector === undefined ? e.namespace === policyNamespace : selects(peer.namespaceSelector, e.namespaceLabels);
  const podOk = peer.podSelector === undefined ? true : selects(peer.podSelector, e.podLabels);
  return inNamespace && podOk;
}

function portsOf(ports: readonly INetworkPolicyPort[] | undefined): string[] {
  if (ports === undefined || ports.length === 0) return [ANY_PORT];
  return ports.map((p) => {
    if (p.port === undefined) return ANY_PORT;
    return p.endPort === undefined ? String(p.port) : `${p.port}-${p.endPort}`;
  });
}

function ruleTargets(peers: readonly INetworkPolicyPeer[] | undefined, policyNamespace: string, endpoints: readonly Endpoint[]): string[] {
  if (peers === undefined || peers.length === 0) return [...endpoints.map((e) => e.id), INTERNET];
  const ids = endpoints.filter((e) => peers.some((p) => peerMatches(p, policyNamespace, e))).map((e) => e.id);
  if (peers.some((p) => p.ipBlock !== undefined)) ids.push(INTERNET);
  return ids;
}

function policyTypes(p: INetworkPolicy): Direction[] {
  const types = p.spec?.policyTypes;
  if (types !== undefined) return types.map((t) => (t === "Egress" ? "egress" : "ingress"));
  // The API's default: Ingress always, Egress when the policy has egress rules.
  return p.spec?.egress === undefined ? ["ingress"] : ["ingress", "egress"];
}

export function reachability(objects: readonly KubeObject[], direction: Direction): Reachability[] {
  const endpoints = modelEndpoints(objects);
  const policies = objects.filter((o): o is KubeObject & INetworkPolicy => NetworkPolicy.is(o));
  return workloads(objects).map((workload) => {
    const applying = policies.filter(
      (p) => (p.metadata.namespace ?? "default") === workload.namespace && selects(p.spec?.podSelector ?? {}, workload.podLabels) && policyTypes(p).includes(direction),
    );
    const allowed = new Set<string>();
    for (const p of applying) {
      const ns = p.metadata.namespace ?? "default";
      const rules = direction === "ingress" ? (p.spec?.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports })) : (p.spec?.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
      for (const r of rules) for (const id of ruleTargets(r.peers, ns, endpoints)) for (const port of portsOf(r.ports)) allowed.add(`${id}:${port}`);
    }
    return { workload, isolated: applying.length > 0, allowed: [...allowed].sort() };
  });
}
