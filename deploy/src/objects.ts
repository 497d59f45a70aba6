/**
 * Rendered Kubernetes objects as plain data, and the few accessors every policy needs. Objects are
 * parsed from kustomize's output without interpretation; `schema.ts` checks their shape.
 */
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { INetworkPolicyPeer } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { CronJob, Job } from "kubernetes-models/batch/v1";

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly [field: string]: unknown;
}

export type LabelSelector = NonNullable<INetworkPolicyPeer["podSelector"]>;
export type Labels = Readonly<Record<string, string>>;

export function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  const meta = v["metadata"];
  return (
    typeof v["apiVersion"] === "string" &&
    typeof v["kind"] === "string" &&
    typeof meta === "object" &&
    meta !== null &&
    typeof (meta as Record<string, unknown>)["name"] === "string"
  );
}

/** `Kind namespace/name`, for messages. */
export function describe(o: KubeObject): string {
  return `${o.kind} ${o.metadata.namespace ?? "(cluster)"}/${o.metadata.name}`;
}

export function ofKind(objects: readonly KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** The label that names a component; every workload and its objects carry it. */
export const APP_LABEL = "app.kubernetes.io/name";

/** A pod template, wherever it sits, with the object that holds it. */
export interface Workload {
  readonly object: KubeObject;
  readonly namespace: string;
  /** The pod template's APP_LABEL, or the object's name. */
  readonly app: string;
  readonly podLabels: Labels;
  readonly pod: IPodSpec;
}

export function workloads(objects: readonly KubeObject[]): Workload[] {
  const out: Workload[] = [];
  for (const o of objects) {
    let template: { metadata?: { labels?: Record<string, string> }; spec?: IPodSpec } | undefined;
    if (Deployment.is(o) || StatefulSet.is(o)) template = o.spec?.template;
    else if (Job.is(o)) template = o.spec?.template;
    else if (CronJob.is(o)) template = o.spec?.jobTemplate.spec?.template;
    const pod = template?.spec;
    if (pod === undefined) continue;
    const podLabels = template?.metadata?.labels ?? {};
    out.push({ object: o, namespace: o.metadata.namespace ?? "default", app: podLabels[APP_LABEL] ?? o.metadata.name, podLabels, pod });
  }
  return out;
}

export function containersOf(pod: IPodSpec): IContainer[] {
  return [...(pod.initContainers ?? []), ...pod.containers];
}

/** matchLabels and matchExpressions, as the API server evaluates them. */
export function selects(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (selector === undefined) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    const ok =
      e.operator === "In" ? has && values.includes(value ?? "")
      : e.operator === "NotIn" ? !has || !values.includes(value ?? "")
      : e.operator === "Exists" ? has
      : e.operator === "DoesNotExist" ? !has
      : false;
    if (!ok) return false;
  }
  return true;
}
