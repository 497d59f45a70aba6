import { createHash, randomBytes } from "node:crypto";
import type { Primitives } from "./primitives.js";

/** The client-side primitives on node:crypto (see primitives.ts). */

function digest(algorithm: "sha256" | "sha384", parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash(algorithm);
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
}

export const primitives: Primitives = Object.freeze({
  platform: "node",
  randomBytes: (length: number) => new Uint8Array(randomBytes(length)),
  sha256: (parts: readonly Uint8Array[]) => digest("sha256", parts),
  sha384: (parts: readonly Uint8Array[]) => digest("sha384", parts),
});
