/**
 * Helpers for the broken fixtures: each takes a fresh copy of rendered objects and changes one
 * thing, through the typed models, so a fixture reads as the mistake it stands for.
 */
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { ConfigMap } from "kubernetes-models/v1";
import { workloads, type KubeObject } from "../src/index.js";

export type Objects = KubeObject[];

export function copy(objects: readonly KubeObject[]): Objects {
  return structuredClone([...objects]);
}

/** The pod spec of the workload (Deployment, StatefulSet, Job or CronJob) whose pods are `app`. */
export function pod(objects: Objects, app: string): IPodSpec {
  const w = workloads(objects).find((x) => x.app === app);
  if (w === undefined) throw new Error(`fixture: no workload ${app}`);
  return w.pod;
}

export function container(objects: Objects, app: string): IContainer {
  const c = pod(objects, app).containers[0];
  if (c === undefined) throw new Error(`fixture: ${app} has no container`);
  return c;
}

/** The one object of this kind and name (in the given namespace, if any), as plain mutable data. */
export function find(objects: Objects, kind: string, name: string, namespace?: string): Record<string, unknown> {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
  if (o === undefined) throw new Error(`fixture: no ${kind} ${name}`);
  return o as Record<string, unknown>;
}

export function remove(objects: Objects, kind: string, name: string, namespace?: string): void {
  const i = objects.findIndex((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
  if (i < 0) throw new Error(`fixture: no ${kind} ${name}`);
  objects.splice(i, 1);
}

/** The data of the generated ConfigMap whose name starts with `prefix-` (kustomize adds a hash). */
export function configData(objects: Objects, prefix: string): Record<string, string> {
  for (const o of objects) {
    if (ConfigMap.is(o) && o.metadata?.name?.startsWith(`${prefix}-`)) {
      o.data ??= {};
      return o.data;
    }
  }
  throw new Error(`fixture: no ConfigMap ${prefix}`);
}

/** A value at a path of nested records and arrays, for objects the typed models do not cover. */
export function at(value: unknown, ...path: (string | number)[]): Record<string, unknown> {
  let v: unknown = value;
  for (const key of path) {
    if (typeof v !== "object" || v === null) throw new Error(`fixture: no ${path.join(".")}`);
    v = (v as Record<string | number, unknown>)[key];
  }
  if (typeof v !== "object" || v === null) throw new Error(`fixture: no ${path.join(".")}`);
  return v as Record<string, unknown>;
}
