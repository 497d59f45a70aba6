import { KemId } from "./algorithms.js";
import type { Kem } from "./kem.js";
import { mlKem768Kem } from "./kem-ml-kem-768.js";
import { kemX25519 } from "./kem-x25519.js";
import { xWingOn, xWingPureJs } from "./kem-x-wing.js";
import { nodeMlKem768 } from "./ml-kem-768-node.js";
import { pureJsMlKem768 } from "./ml-kem-768-pure-js.js";

/**
 * The KEMs by identifier. The post-quantum ones run on node:crypto where the runtime has ML-KEM
 * (Node.js 24.7 and later) and on pure JavaScript elsewhere: the native code decapsulates many
 * times faster (docs/decisions/0021-post-quantum-kem-backends.md), and both give the same bytes.
 */

const nativeMlKem = nodeMlKem768();

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
