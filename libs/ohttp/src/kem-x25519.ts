import { primitives } from "#primitives";
import { KEM_PARAMETERS, KemId } from "./algorithms.js";
import { decap, deriveKeyPair, deserializePrivateKey, encap, generateKeyPair, serializePrivateKey } from "./dhkem-x25519.js";
import type { KemKeyPair } from "./dhkem-x25519.js";
import { OhttpError, OhttpErrorCode, decryptFailed } from "./errors.js";
import type { Kem, KemPrivateKey } from "./kem.js";
import { Redacted } from "./redacted.js";

/**
 * DHKEM(X25519, HKDF-SHA256), KEM 0x0020 (RFC 9180 Section 7.1), as a `Kem`: the functions of
 * dhkem-x25519.ts, unchanged, behind the interface. This is the gateway's hot path, so it adds
 * nothing per request but the one `instanceof`.
 */

/** The private key handle: the platform's key pair (primitives.ts), never shown. */
export class X25519PrivateKey extends Redacted implements KemPrivateKey {
  readonly kemId = KemId.DhkemX25519HkdfSha256;
  readonly publicKey: Uint8Array;
  readonly keyPair: KemKeyPair;

  constructor(keyPair: KemKeyPair) {
    super("X25519PrivateKey");
    this.keyPair = keyPair;
    this.publicKey = keyPair.publicKey;
  }

}

function own(sk: KemPrivateKey): X25519PrivateKey {
  if (!(sk instanceof X25519PrivateKey)) throw new OhttpError(OhttpErrorCode.InvalidArgument, "not an X25519 private key");
  return sk;
}

export const kemX25519: Kem = Object.freeze({
  id: KemId.DhkemX25519HkdfSha256,
  name: "DHKEM(X25519, HKDF-SHA256)",
  backend: primitives.platform === "node" ? "node" : "pure-js",
  ...KEM_PARAMETERS[KemId.DhkemX25519HkdfSha256],
  generateKeyPair: () => new X25519PrivateKey(generateKeyPair()),
  deriveKeyPair: (ikm: Uint8Array) => new X25519PrivateKey(deriveKeyPair(ikm)),
  deserializePrivateKey: (skm: Uint8Array) => new X25519PrivateKey(deserializePrivateKey(skm)),
  serializePrivateKey: (sk: KemPrivateKey) => serializePrivateKey(own(sk).keyPair.privateKey),
  encap: (pkRm: Uint8Array, randomness?: Uint8Array) => encap(pkRm, randomness === undefined ? generateKeyPair() : deserializePrivateKey(randomness)),
  decap: (enc: Uint8Array, skR: KemPrivateKey) => {
    if (!(skR instanceof X25519PrivateKey)) throw decryptFailed();
    return decap(enc, skR.keyPair);
  },
});
