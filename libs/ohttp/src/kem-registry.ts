import { primitives } from "#primitives";
import { KemId } from "./algorithms.js";
import type { Kem } from "./kem.js";
import { mlKem768Kem } from "./kem-ml-kem-768.js";
import { kemX25519 } from "./kem-x25519.js";
import { xWingOn, xWingPureJs } from "./kem-x-wing.js";
import { pureJsMlKem768 } from "./ml-kem-768-pure-js.js";

/**
 * The KEMs by identifier. The post-quantum ones run on the platform's native ML-KEM-768 where it
 * has one (primitives.ts: node:crypto from Node.js 24.7) and on pure JavaScript elsewhere (older
 * Node, browsers): the native code decapsulates many times faster
 * (docs/decisions/0021-post-quantum-kem-backends.md), and both give the same bytes.
 */

const nativeMlKem = primitives.mlKem768;

/** Every implementation this runtime has, per KEM, the preferred one first. */
const IMPLEMENTATIONS: Readonly<Record<KemId, readonly Kem[]>> = Object.freeze({
  [KemId.DhkemX25519HkdfSha256]: Object.freeze([kemX25519]),
  [KemId.MlKem768]: Object.freeze(nativeMlKem === undefined ? [mlKem768Kem(pureJsMlKem768)] : [mlKem768Kem(nativeMlKem), mlKem768Kem(pureJsMlKem768)]),
  [KemId.MlKem768X25519]: Object.freeze(nativeMlKem === undefined ? [xWingPureJs] : [xWingOn(nativeMlKem), xWingPureJs]),
});

/** The KEM used for an identifier. */
export function kemFor(kemId: KemId): Kem {
  return IMPLEMENTATIONS[kemId][0] as Kem;
}

/** Every implementation of a KEM on this runtime (for tests and benchmarks). */
export function kemImplementations(kemId: KemId): readonly Kem[] {
  return IMPLEMENTATIONS[kemId];
}
