/**
 * Schema validation of rendered objects. Built-in kinds go through kubernetes-models, whose
 * validators are generated from the Kubernetes OpenAPI schemas (types, required fields, enums,
 * quantity formats; unknown fields are not reported, which is why the policies check every field
 * they rely on by its exact name). kubernetes-models has no prometheus-operator types, so
 * ServiceMonitor is checked against the small schema below, covering the fields used here.
 * A kind in neither table is an error: nothing reaches a cluster unchecked.
 */
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { CronJob, Job } from "kubernetes-models/batch/v1";
import { Ingress, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { describe, type KubeObject } from "./objects.js";

interface Validatable {
  validate(): void;
}
type ModelFactory = (data: KubeObject) => Validatable;

// The model's constructor takes its own typed data; the plain object is handed over unchecked
// (`never`) because checking it is exactly what validate() is for. The constructor re-adds the
// apiVersion and kind that the table's key has already matched.
const model =
  (ctor: new (data: never) => Validatable): ModelFactory =>
  (data) =>
    new ctor(data as never);

const MODELS: Readonly<Record<string, ModelFactory>> = {
  "v1/ConfigMap": model(ConfigMap),
  "v1/Namespace": model(Namespace),
  "v1/PersistentVolumeClaim": model(PersistentVolumeClaim),
  "v1/Secret": model(Secret),
  "v1/Service": model(Service),
  "v1/ServiceAccount": model(ServiceAccount),
  "apps/v1/Deployment": model(Deployment),
  "apps/v1/StatefulSet": model(StatefulSet),
  "batch/v1/Job": model(Job),
  "batch/v1/CronJob": model(CronJob),
  "autoscaling/v2/HorizontalPodAutoscaler": model(HorizontalPodAutoscaler),
  "policy/v1/PodDisruptionBudget": model(PodDisruptionBudget),
  "networking.k8s.io/v1/NetworkPolicy": model(NetworkPolicy),
  "networking.k8s.io/v1/Ingress": model(Ingress),
};

/** Schema errors of one object, as `Kind namespace/name: message`; empty when it is valid. */
export function validateObject(object: KubeObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  if (key === "monitoring.coreos.com/v1/ServiceMonitor") return validateServiceMonitor(object).map((m) => `${describe(object)}: ${m}`);
  const factory = MODELS[key];
  if (factory === undefined) return [`${describe(object)}: no schema for ${key}`];
  try {
    factory(object).validate();
    return [];
  } catch (e) {
    return [`${describe(object)}: ${e instanceof Error ? e.message : "invalid"}`];
  }
}

export function validateAll(objects: readonly KubeObject[]): string[] {
  return objects.flatMap(validateObject);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DURATION = /^(\d+(ms|s|m|h))+$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown): boolean {
  return isRecord(v) && Object.values(v).every((x) => typeof x === "string");
}

/**
 * monitoring.coreos.com/v1 ServiceMonitor, the fields this repository uses: a label selector,
 * endpoints that name a port, an absolute path and a duration. Unknown fields are refused here
 * (unlike kubernetes-models): a typo would silently stop scraping.
 */
export function validateServiceMonitor(o: KubeObject): string[] {
  const errors: string[] = [];
  const allowedTop = new Set(["apiVersion", "kind", "metadata", "spec"]);
  for (const k of Object.keys(o)) if (!allowedTop.has(k)) errors.push(`unknown field ${k}`);
  if (!DNS_LABEL.test(o.metadata.name)) errors.push("metadata.name must be a DNS label");
  if (o.metadata.labels !== undefined && !stringMap(o.metadata.labels)) errors.push("metadata.labels must map strings to strings");
  const spec = o["spec"];
  if (!isRecord(spec)) return [...errors, "spec is required"];
  for (const k of Object.keys(spec)) if (!["selector", "endpoints", "namespaceSelector", "jobLabel"].includes(k)) errors.push(`unknown field spec.${k}`);
  const selector = spec["selector"];
  if (!isRecord(selector)) errors.push("spec.selector is required");
  else {
    for (const k of Object.keys(selector)) if (!["matchLabels", "matchExpressions"].includes(k)) errors.push(`unknown field spec.selector.${k}`);
    if (selector["matchLabels"] !== undefined && !stringMap(selector["matchLabels"])) errors.push("spec.selector.matchLabels must map strings to strings");
  }
  const endpoints = spec["endpoints"];
  if (!Array.isArray(endpoints) || endpoints.length === 0) return [...errors, "spec.endpoints must be a non-empty list"];
  endpoints.forEach((e: unknown, i) => {
    const at = `spec.endpoints[${i}]`;
    if (!isRecord(e)) return void errors.push(`${at} must be an object`);
    for (const k of Object.keys(e)) if (!["port", "path", "interval", "scrapeTimeout", "scheme"].includes(k)) errors.push(`unknown field ${at}.${k}`);
    if (typeof e["port"] !== "string" || !DNS_LABEL.test(e["port"])) errors.push(`${at}.port must name a Service port`);
    if (e["path"] !== undefined && (typeof e["path"] !== "string" || !e["path"].startsWith("/"))) errors.push(`${at}.path must be an absolute path`);
    for (const d of ["interval", "scrapeTimeout"]) {
      if (e[d] !== undefined && (typeof e[d] !== "string" || !DURATION.test(e[d]))) errors.push(`${at}.${d} must be a duration such as 30s`);
    }
    if (e["scheme"] !== undefined && e["scheme"] !== "http" && e["scheme"] !== "https") errors.push(`${at}.scheme must be http or https`);
  });
  return errors;
}
