/**
 * The issuer directory (RFC 9578 §4): `GET /.well-known/private-token-issuer-directory`, media
 * type `application/private-token-issuer-directory`. Every client gets the same bytes (RFC 9576
 * §6.1, key consistency): the document depends on the key file and the time only, and is
 * encoded once per key state change. A strong ETag (a digest of those bytes) lets clients and
 * caches revalidate; the max-age never runs past the next key state change.
 */
import { createHash } from "node:crypto";
import { encodeIssuerDirectory, type IssuerDirectory } from "@oblivious/privacypass";
import type { ArcKeySnapshot, ArcKeys } from "./arc-keys.js";
import type { IssuerKey, KeySnapshot, KeyStore } from "./keys.js";
import { snapshot } from "./keys.js";

/** ISSUER_DIRECTORY_MAX_AGE's default: the longest max-age of the directory. */
export const DIRECTORY_MAX_AGE_DEFAULT_MS = 3_600_000;

/**
 * TOKEN_DIRECTORY_REFRESH's default, the origins' bound on how long they keep a directory before
 * fetching it again (libs/token-gate; e2e/test/rotation.test.ts checks they agree). `issuer-keys
 * rotate` needs it.
 */
export const TOKEN_DIRECTORY_REFRESH_DEFAULT_MS = 300_000;

/**
 * The directory at a key snapshot: the type-2 keys newest first, then each origin's ARC keys
 * (token type 0xE5AC, "token-key" the serialized ARC public key) newest first, each with its
 * not-before in Unix seconds. Clients pick by token type, and an ARC client by the key its
 * origin's challenge names.
 */
export function directoryFromSnapshot(s: KeySnapshot, issuerRequestUri: string, arc: readonly ArcKeySnapshot[] = []): IssuerDirectory {
  const entry = (k: { readonly tokenType: number; readonly tokenKey: Uint8Array; readonly notBefore: number }) => ({
    tokenType: k.tokenType,
    tokenKey: k.tokenKey,
    notBefore: Math.floor(k.notBefore / 1000),
  });
  return { issuerRequestUri, tokenKeys: [...s.listed.map(entry), ...arc.flatMap((a) => a.listed.map(entry))] };
}

export function directoryOf(keys: readonly IssuerKey[], now: number, issuerRequestUri: string): IssuerDirectory {
  return directoryFromSnapshot(snapshot(keys, now), issuerRequestUri);
}

export interface DirectoryDocument {
  readonly body: Buffer;
  /** A strong entity tag: `"` + base64url(SHA-256(body)) + `"`. */
  readonly etag: string;
  /** When the listing may change next (ms), or Infinity. */
  readonly nextChange: number;
}

export class DirectoryCache {
  readonly #keys: KeyStore;
  readonly #arc: ArcKeys | undefined;
  readonly #issuerRequestUri: string;
  #for: readonly object[] = [];
  #document: DirectoryDocument | undefined;

  constructor(keys: KeyStore, issuerRequestUri: string, arc?: ArcKeys) {
    this.#keys = keys;
    this.#arc = arc;
    this.#issuerRequestUri = issuerRequestUri;
  }

  current(): DirectoryDocument {
    const s = this.#keys.current();
    const arc = this.#arc?.snapshots() ?? [];
    const inputs = [s, ...arc];
    if (this.#document === undefined || inputs.length !== this.#for.length || inputs.some((x, i) => x !== this.#for[i])) {
      const body = Buffer.from(encodeIssuerDirectory(directoryFromSnapshot(s, this.#issuerRequestUri, arc)), "utf8");
      const etag = `"${createHash("sha256").update(body).digest("base64url")}"`;
      this.#document = { body, etag, nextChange: Math.min(s.validUntil, ...arc.map((a) => a.validUntil)) };
      this.#for = inputs;
    }
    return this.#document;
  }
}

/**
 * RFC 9110 §13.1.2: If-None-Match matches with the weak comparison; `*` matches any current
 * representation.
 */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = etag.replace(/^W\//, "");
  for (const raw of header.split(",")) {
    const tag = raw.trim();
    if (tag === "*" || tag.replace(/^W\//, "") === opaque) return true;
  }
  return false;
}
