// Render, validate and policy-check the Kubernetes deployment and the service images, without a
// cluster. The tests (deploy/test) run all of it; deploy/README.md explains the deployment itself.
export { DEPLOY_DIR, IMAGES_DIR, K8S_DIR, OVERLAYS, REPO_ROOT, kustomizeBinary, type Overlay } from "./paths.js";
export { APP_LABEL, containersOf, describe, isKubeObject, ofKind, selects, workloads, type KubeObject, type LabelSelector, type Labels, type Workload } from "./objects.js";
export { parseManifests, renderDirectory, renderOverlay } from "./render.js";
export { validateAll, validateObject, validateServiceMonitor } from "./schema.js";
export { CLUSTER_COMPONENTS, EGRESS_ALLOWED, INGRESS_ALLOWED, PUBLIC_ENTRY_POINTS, SECRET_HOLDERS, SERVICES, isServiceName, type ServiceName } from "./allow-list.js";
export { ANY_PORT, INTERNET, modelEndpoints, reachability, type Direction, type Endpoint, type Reachability } from "./network.js";
export { MANIFEST_POLICIES, checkManifests } from "./policies.js";
export { secretLikeReason } from "./secret-scan.js";
export { unpinnedReason } from "./images.js";
export { IMAGE_POLICIES, checkImage, parseDockerfile, type ImageInput, type ImagePolicy, type ImageViolation, type Stage } from "./dockerfile.js";
export { runtimeLibs, workspaceDirs } from "./workspaces.js";
export type { Policy, Violation } from "./violations.js";
