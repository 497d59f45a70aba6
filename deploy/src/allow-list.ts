/**
 * The intended network, written once: which component may reach which, on which port. The
 * NetworkPolicies are checked against this table (network.ts evaluates them the way a CNI does),
 * so a widened policy fails a test even when the manifests still look plausible.
 *
 * Endpoint names: a workload's `app.kubernetes.io/name`, or one of the cluster's own components
 * below. `stranger@<namespace>` is any other pod (a debug pod, a compromised workload) and
 * `internet` anything outside the cluster; neither is ever allowed.
 */
import { SERVICES as REGISTRY, SERVICE_NAMES, type ServiceName } from "@oblivious/service-kit";
import type { Labels } from "./objects.js";

export type { ServiceName };

/** The project's own services: their public and admin ports, from service-kit's service registry. */
export const SERVICES: Readonly<Record<ServiceName, { readonly public: number; readonly admin: number }>> = Object.freeze(
  Object.fromEntries(SERVICE_NAMES.map((name) => [name, Object.freeze({ public: REGISTRY[name].port, admin: REGISTRY[name].adminPort })])) as Record<
    ServiceName,
    { readonly public: number; readonly admin: number }
  >,
);

export function isServiceName(name: string): name is ServiceName {
  return Object.hasOwn(SERVICES, name);
}

/** Components the cluster runs for us, as the manifests' selectors expect to find them. */
export interface ClusterComponent {
  readonly namespace: string;
  readonly namespaceLabels: Labels;
  readonly podLabels: Labels;
}

function ns(name: string): Labels {
  return { "kubernetes.io/metadata.name": name };
}

export const CLUSTER_COMPONENTS = {
  dns: { namespace: "kube-system", namespaceLabels: ns("kube-system"), podLabels: { "k8s-app": "kube-dns" } },
  prometheus: { namespace: "monitoring", namespaceLabels: ns("monitoring"), podLabels: { "app.kubernetes.io/name": "prometheus" } },
  // Two edges on purpose: the relay operator's sees client addresses; the service operator's must not.
  "relay-edge": { namespace: "relay-ingress", namespaceLabels: ns("relay-ingress"), podLabels: { "app.kubernetes.io/name": "ingress-nginx" } },
  "services-edge": { namespace: "services-ingress", namespaceLabels: ns("services-ingress"), podLabels: { "app.kubernetes.io/name": "ingress-nginx" } },
} as const satisfies Readonly<Record<string, ClusterComponent>>;

/** `endpoint:port` pairs. */
type Allowed = readonly string[];

const admin = (s: ServiceName): string => `prometheus:${SERVICES[s].admin}`;
/** `from:port`, `from` reaching a service's public port (the service itself when no caller is named, for egress). */
const to = (s: ServiceName, from: string = s): string => `${from}:${SERVICES[s].public}`;
const dns = ["dns:53"];

/** Who may open a connection to each workload. */
export const INGRESS_ALLOWED: Readonly<Record<string, Allowed>> = {
  relay: [to("relay", "relay-edge"), admin("relay")],
  gateway: [to("gateway", "relay"), admin("gateway")],
  issuer: (["services-edge", "gateway", "sticker-search", "telemetry"] as const).map((from) => to("issuer", from)).concat(admin("issuer")),
  "sticker-search": [to("sticker-search", "gateway"), admin("sticker-search")],
  telemetry: [to("telemetry", "gateway"), admin("telemetry")],
  // Clients reach the primary (6379) and ask the Sentinels (26379) which pod that is; the Redis
  // pods replicate and gossip among themselves.
  redis: ["gateway:6379", "gateway:26379", "issuer:6379", "issuer:26379", "sticker-search:6379", "sticker-search:26379", "telemetry:6379", "telemetry:26379", "redis:6379", "redis:26379"],
  meilisearch: ["sticker-search:7700", "sticker-catalogue-import:7700"],
  // The catalogue import Job holds the Meilisearch master key; nothing connects to it.
  "sticker-catalogue-import": [],
};

/**
 * Where each workload may open connections. Meilisearch: nowhere, not even DNS. Redis: its own
 * pods only (replication, Sentinel), by their DNS names.
 */
export const EGRESS_ALLOWED: Readonly<Record<string, Allowed>> = {
  relay: [to("gateway"), ...dns],
  gateway: [to("sticker-search"), to("telemetry"), to("issuer"), "redis:6379", "redis:26379", ...dns],
  issuer: ["redis:6379", "redis:26379", ...dns],
  "sticker-search": ["redis:6379", "redis:26379", "meilisearch:7700", to("issuer"), ...dns],
  telemetry: ["redis:6379", "redis:26379", to("issuer"), ...dns],
  redis: ["redis:6379", "redis:26379", ...dns],
  meilisearch: [],
  "sticker-catalogue-import": ["meilisearch:7700", ...dns],
};

/** The only workloads an Ingress may route to, and on which Service port. */
export const PUBLIC_ENTRY_POINTS: Readonly<Record<string, number>> = { relay: SERVICES.relay.public, issuer: SERVICES.issuer.public };

/**
 * Which workloads may reference each Secret (a volume, a projected source, `env` or `envFrom`).
 * The Meilisearch master key can change the index: only Meilisearch and the import Job get it,
 * never sticker-search, which reads users' queries and searches with a search-only key. The relay
 * holds no Secret at all. A Secret missing here may be referenced by no workload.
 */
export const SECRET_HOLDERS: Readonly<Record<string, readonly string[]>> = {
  "gateway-keys": ["gateway"],
  "issuer-keys": ["issuer"],
  "issuer-pseudonym-key": ["issuer"],
  "attester-jwks": ["issuer"],
  "redis-auth": ["redis", "gateway", "issuer", "sticker-search", "telemetry"],
  "meilisearch-auth": ["meilisearch", "sticker-catalogue-import"],
  "meilisearch-search-key": ["sticker-search"],
  // ARC (decision 0031): the issuer holds every origin's key; each origin only its own.
  "issuer-arc-keys": ["issuer"],
  "sticker-search-arc-key": ["sticker-search"],
  "telemetry-arc-key": ["telemetry"],
};
