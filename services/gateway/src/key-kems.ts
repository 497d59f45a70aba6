/**
 * The KEMs a gateway key may have, by the name a key file gives (draft-ietf-hpke-pq-04 and
 * RFC 9180 names) and the short name `gateway-keys --kem` takes. A key entry without a `kem`
 * field is X25519: key files written before the post-quantum keys still load.
 *
 * The listing order among current keys is X-Wing, ML-KEM-768, X25519: clients take the first
 * configuration they can use (RFC 9458 §3.2), so a client with X-Wing uses it and one without
 * skips to the X25519 key.
 */
import { KemId } from "@oblivious/ohttp";

export interface GatewayKem {
  readonly id: KemId;
  /** The `kem` value in a key file. */
  readonly fileName: string;
  /** The `--kem` value of `gateway-keys`. */
  readonly cliName: string;
  /** Length of the private key (the draft's seed form for the post-quantum KEMs). */
  readonly privateKeyBytes: number;
  /** Lower is listed first among keys of the same state. */
  readonly listingRank: number;
}

export const GATEWAY_KEMS: readonly GatewayKem[] = Object.freeze([
  Object.freeze({ id: KemId.MlKem768X25519, fileName: "MLKEM768-X25519", cliName: "x-wing", privateKeyBytes: 32, listingRank: 0 }),
  Object.freeze({ id: KemId.MlKem768, fileName: "ML-KEM-768", cliName: "ml-kem-768", privateKeyBytes: 64, listingRank: 1 }),
  Object.freeze({ id: KemId.DhkemX25519HkdfSha256, fileName: "DHKEM(X25519, HKDF-SHA256)", cliName: "x25519", privateKeyBytes: 32, listingRank: 2 }),
]);

/** The KEM of an entry without a `kem` field. */
export const DEFAULT_KEM: KemId = KemId.DhkemX25519HkdfSha256;

/** What `gateway-keys generate` and `npm start` make: an X-Wing key and an X25519 key. */
export const DEFAULT_GENERATED_KEMS: readonly KemId[] = Object.freeze([KemId.MlKem768X25519, KemId.DhkemX25519HkdfSha256]);

export function gatewayKem(id: KemId): GatewayKem {
  const kem = GATEWAY_KEMS.find((k) => k.id === id);
  if (kem === undefined) throw new RangeError("not a gateway KEM");
  return kem;
}

export function kemByFileName(name: string): GatewayKem | undefined {
  return GATEWAY_KEMS.find((k) => k.fileName === name);
}

export function kemByCliName(name: string): GatewayKem | undefined {
  return GATEWAY_KEMS.find((k) => k.cliName === name);
}
