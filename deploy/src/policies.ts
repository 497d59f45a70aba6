/** Every manifest policy, and a runner. Each must hold on every overlay. */
import { CONFIG_POLICIES } from "./config-policies.js";
import type { KubeObject } from "./objects.js";
import { POD_POLICIES } from "./pod-policies.js";
import { TRAFFIC_POLICIES } from "./traffic-policies.js";
import type { Policy, Violation } from "./violations.js";

export const MANIFEST_POLICIES: readonly Policy[] = [...POD_POLICIES, ...TRAFFIC_POLICIES, ...CONFIG_POLICIES];

export function checkManifests(objects: readonly KubeObject[], policies: readonly Policy[] = MANIFEST_POLICIES): Violation[] {
  return policies.flatMap((p) => p.check(objects));
}
