/** What a policy reports: which policy, which object, and why (never a secret value). */
import type { KubeObject } from "./objects.js";

export interface Violation {
  readonly policy: string;
  readonly object: string;
  readonly message: string;
}

export interface Policy {
  readonly id: string;
  /** One sentence: what must hold, and why it matters here. */
  readonly rule: string;
  check(objects: readonly KubeObject[]): Violation[];
}
