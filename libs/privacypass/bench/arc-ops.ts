/**
 * The primitive operations ARC's cost is made of, for the benchmark (scripts/src/bench/arc.ts):
 * exported on the package's "./arc-bench" entry, not in its index, so services never reach
 * group internals. Each closure runs one operation on fixed inputs.
 */
import { GENERATOR_H, hashToGroup, mul, mulG, serializeElement } from "../src/arc/group.js";

export interface ArcPrimitiveOps {
  /** s * P for a point P with no precomputed table (constant time). */
  readonly scalarMultVariableBase: () => void;
  /** s * P, variable time (what verification uses for public scalars). */
  readonly scalarMultVariableBasePublic: () => void;
  /** s * G (the base point's precomputed table). */
  readonly scalarMultGeneratorG: () => void;
  /** s * H (generatorH's precomputed table). */
  readonly scalarMultGeneratorH: () => void;
  /** RFC 9380 P256_XMD:SHA-256_SSWU_RO_ of a 25-byte message. */
  readonly hashToCurve: () => void;
  /** SEC1 compressed encoding of a projective point (one field inversion). */
  readonly serialize: () => void;
}

export function arcPrimitiveOps(): ArcPrimitiveOps {
  const s = 0x5c183d2dea942eb2780afb90cfd94983ae6575d60e350021c8c93008ac503973n;
  const P = mulG(s + 1n).add(GENERATOR_H);
  const message = new TextEncoder().encode("test presentation context");
  return {
    scalarMultVariableBase: () => void mul(P, s),
    scalarMultVariableBasePublic: () => void P.multiplyUnsafe(s),
    scalarMultGeneratorG: () => void mulG(s),
    scalarMultGeneratorH: () => void mul(GENERATOR_H, s),
    hashToCurve: () => void hashToGroup(message, "Tag"),
    serialize: () => void serializeElement(P.add(GENERATOR_H)),
  };
}
