/**
 * The one small interface between the client side of this library (challenge digests, token key
 * ids, blinding, finalization) and a platform's cryptography; package.json's `#primitives`
 * import picks node:crypto on Node (primitives-node.ts) and @noble's hashes with Web Crypto's
 * random elsewhere (primitives-web.ts). RSA arithmetic is bigint on both. The issuer's signing
 * and the origins' verification stay on node:crypto KeyObjects (native-signer.ts, verify.ts),
 * which only the Node entry exports. docs/decisions/0040-one-implementation-per-platform.md.
 */
export interface Primitives {
  readonly platform: "node" | "web";
  randomBytes(length: number): Uint8Array;
  /** SHA-256(concat(parts)). */
  sha256(parts: readonly Uint8Array[]): Uint8Array;
  /** SHA-384(concat(parts)). */
  sha384(parts: readonly Uint8Array[]): Uint8Array;
}
