/**
 * Pod-level policies: Pod Security "restricted" in the pods themselves (not only in namespace
 * labels, which a cluster may not enforce), and the operational minimum of every container.
 */
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { CronJob, Job } from "kubernetes-models/batch/v1";
import { isServiceName, SERVICES } from "./allow-list.js";
import { containersOf, describe, workloads, type KubeObject, type Workload } from "./objects.js";
import type { Policy, Violation } from "./violations.js";

type ContainerCheck = (c: IContainer, pod: IPodSpec, w: Workload) => string | undefined;

function perContainer(id: string, rule: string, check: ContainerCheck): Policy {
  return {
    id,
    rule,
    check: (objects: readonly KubeObject[]): Violation[] =>
      workloads(objects).flatMap((w) =>
        containersOf(w.pod).flatMap((c) => {
          const message = check(c, w.pod, w);
          return message === undefined ? [] : [{ policy: id, object: `${describe(w.object)} container ${c.name}`, message }];
        }),
      ),
  };
}

export const nonRoot = perContainer("pod-non-root", "every container runs as a non-root user (runAsNonRoot, no UID 0)", (c, pod) => {
  const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
  const uid = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
  if (nonRoot !== true) return "runAsNonRoot is not true";
  if (uid === 0) return "runAsUser is 0";
  return undefined;
});

export const noPrivilegeEscalation = perContainer(
  "pod-no-privilege-escalation",
  "no container can gain privileges: allowPrivilegeEscalation false, not privileged, capabilities drop ALL and add none, no host namespaces or ports",
  (c, pod) => {
    const sc = c.securityContext;
    if (sc?.allowPrivilegeEscalation !== false) return "allowPrivilegeEscalation is not false";
    if (sc.privileged === true) return "privileged";
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) return "capabilities do not drop ALL";
    if ((sc.capabilities?.add ?? []).length > 0) return "capabilities are added";
    if (pod.hostNetwork === true || pod.hostPID === true || pod.hostIPC === true) return "uses a host namespace";
    if ((c.ports ?? []).some((p) => p.hostPort !== undefined)) return "binds a host port";
    return undefined;
  },
);

export const seccomp = perContainer("pod-seccomp", "every container runs under the RuntimeDefault (or a Localhost) seccomp profile", (c, pod) => {
  const type = c.securityContext?.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
  return type === "RuntimeDefault" || type === "Localhost" ? undefined : `seccomp profile is ${type ?? "unset"}`;
});

export const readOnlyRoot = perContainer(
  "pod-read-only-root",
  "every container has a read-only root filesystem; the project's services get a writable /tmp from an emptyDir",
  (c, pod, w) => {
    if (c.securityContext?.readOnlyRootFilesystem !== true) return "readOnlyRootFilesystem is not true";
    if (!isServiceName(w.app)) return undefined;
    const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === "/tmp");
    const volume = tmp === undefined ? undefined : (pod.volumes ?? []).find((v) => v.name === tmp.name);
    return volume?.emptyDir === undefined ? "no emptyDir mounted at /tmp" : undefined;
  },
);

export const resources = perContainer("pod-resources", "every container requests and limits CPU and memory", (c) => {
  const r = c.resources;
  const missing = [
    ["requests.cpu", r?.requests?.["cpu"]],
    ["requests.memory", r?.requests?.["memory"]],
    ["limits.cpu", r?.limits?.["cpu"]],
    ["limits.memory", r?.limits?.["memory"]],
  ]
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  return missing.length === 0 ? undefined : `missing ${missing.join(", ")}`;
});

function adminPortNames(c: IContainer, adminPort: number): Set<string | number> {
  const names = new Set<string | number>([adminPort]);
  for (const p of c.ports ?? []) if (p.containerPort === adminPort && p.name !== undefined) names.add(p.name);
  return names;
}

/** A Job's active deadline, or a CronJob's job template's; undefined for long-running workloads. */
function runsToCompletion(w: Workload): { deadline: number | undefined } | undefined {
  const o = w.object;
  if (Job.is(o)) return { deadline: o.spec?.activeDeadlineSeconds };
  if (CronJob.is(o)) return { deadline: o.spec?.jobTemplate.spec?.activeDeadlineSeconds };
  return undefined;
}

export const probes = perContainer(
  "pod-probes",
  "every long-running container has liveness and readiness probes, and the project's services probe /healthz and /readyz on their admin port; a Job or CronJob runs to completion, so it is bounded by activeDeadlineSeconds instead",
  (c, _pod, w) => {
    // A Job's pod is behind no Service (nothing reads its readiness) and a liveness probe would
    // only restart a run that should fail and be retried by the Job: what matters for it is that
    // a hung run ends, which is what activeDeadlineSeconds guarantees.
    const job = runsToCompletion(w);
    if (job !== undefined) return job.deadline === undefined ? "a Job without activeDeadlineSeconds can hang forever" : undefined;
    if (c.livenessProbe === undefined || c.readinessProbe === undefined) return "liveness or readiness probe missing";
    if (!isServiceName(w.app)) return undefined;
    const admin = adminPortNames(c, SERVICES[w.app].admin);
    const live = c.livenessProbe.httpGet;
    const ready = c.readinessProbe.httpGet;
    if (live?.path !== "/healthz" || !admin.has(live.port)) return "liveness is not GET /healthz on the admin port";
    if (ready?.path !== "/readyz" || !admin.has(ready.port)) return "readiness is not GET /readyz on the admin port";
    return undefined;
  },
);

export const noServiceAccountToken: Policy = {
  id: "pod-no-api-token",
  rule: "no pod mounts a Kubernetes API token: none of them talks to the API server",
  check: (objects) =>
    workloads(objects)
      .filter((w) => w.pod.automountServiceAccountToken !== false)
      .map((w) => ({ policy: "pod-no-api-token", object: describe(w.object), message: "automountServiceAccountToken is not false" })),
};

export const POD_POLICIES: readonly Policy[] = [nonRoot, noPrivilegeEscalation, seccomp, readOnlyRoot, resources, probes, noServiceAccountToken];
