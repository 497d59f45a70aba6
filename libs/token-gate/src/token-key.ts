/**
 * The issuer token keys a gate challenges with and accepts tokens under (RFC 9578 §6.5), the
 * interface of every source of them, and the fixed source. The issuer directory's source is
 * key-source.ts.
 */
import type { KeyObject } from "node:crypto";
import { decodeTokenKey, tokenKeyId } from "@oblivious/privacypass";

export interface TokenKey {
  /** SHA-256 of `tokenKey` (RFC 9578 §6.5: token_key_id). */
  readonly tokenKeyId: Uint8Array;
  /** The SubjectPublicKeyInfo, as published and as sent in `token-key`. */
  readonly tokenKey: Uint8Array;
  readonly publicKey: KeyObject;
  /** When the gate stops accepting the key, if known; spent hashes are kept until then. */
  readonly notAfterMs?: number;
}

export interface TokenKeySource {
  /** The live keys: the same array object for every caller until the set changes. */
  keys(): readonly TokenKey[];
}

/** A token key from its SPKI bytes (RFC 9578 §6.5). Throws PrivacyPassError for a bad key. */
export function tokenKeyFromSpki(spki: Uint8Array, notAfterMs?: number): TokenKey {
  const tokenKey = Uint8Array.from(spki);
  return Object.freeze({
    tokenKeyId: tokenKeyId(tokenKey),
    tokenKey,
    publicKey: decodeTokenKey(tokenKey),
    ...(notAfterMs === undefined ? {} : { notAfterMs }),
  });
}

/** A fixed set of keys: tests, and deployments that configure the issuer key directly. */
export class StaticKeySource implements TokenKeySource {
  readonly #keys: readonly TokenKey[];

  constructor(keys: readonly (Uint8Array | TokenKey)[]) {
    this.#keys = Object.freeze(keys.map((k) => (k instanceof Uint8Array ? tokenKeyFromSpki(k) : k)));
  }

  keys(): readonly TokenKey[] {
    return this.#keys;
  }
}
