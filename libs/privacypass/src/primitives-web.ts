import { sha256, sha384 } from "@noble/hashes/sha2.js";
import type { CHash } from "@noble/hashes/utils.js";
import type { Primitives } from "./primitives.js";

/** The client-side primitives on @noble/hashes and Web Crypto's getRandomValues (see primitives.ts). */

function digest(hash: CHash, parts: readonly Uint8Array[]): Uint8Array {
  const h = hash.create();
  for (const part of parts) h.update(part);
  return h.digest();
}

function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let at = 0; at < length; at += 65536) globalThis.crypto.getRandomValues(out.subarray(at, Math.min(length, at + 65536)));
  return out;
}

export const primitives: Primitives = Object.freeze({
  platform: "web",
  randomBytes,
  sha256: (parts: readonly Uint8Array[]) => digest(sha256, parts),
  sha384: (parts: readonly Uint8Array[]) => digest(sha384, parts),
});
