import { ml_kem768_x25519 } from "@noble/post-quantum/hybrid.js";
import { primitives } from "#primitives";
import { KEM_PARAMETERS, KemId } from "./algorithms.js";
import { deserializePrivateKey, generateKeyPair, x25519 } from "./dhkem-x25519.js";
import type { KemKeyPair } from "./dhkem-x25519.js";
import type { Kem } from "./kem.js";
import { shake256 } from "./labeled-derive.js";
import { seedKem, type SeedKemCore } from "./seed-key.js";
import { ML_KEM_768 } from "./ml-kem-768-backend.js";
import type { MlKem768Backend } from "./ml-kem-768-backend.js";
import { encapsDeterministic } from "./ml-kem-768-pure-js.js";

/**
 * MLKEM768-X25519, which is X-Wing, as an HPKE KEM, 0x647A (draft-ietf-hpke-pq-04 Section 4):
 *
 *   def DeriveKeyPair(ikm):
 *     seed = SHAKE256.LabeledDerive(ikm, "DeriveKeyPair", "", 32)
 *     return KEM.DeriveKeyPair(seed)
 *
 * with the private key the 32-byte seed and every serialization the identity. Two
 * implementations, each checked byte for byte against the draft's vectors:
 *
 * - `xWingPureJs`: @noble/post-quantum's ml_kem768_x25519 as it is.
 * - `xWingOn(backend)`: X-Wing written here on an ML-KEM-768 backend (node:crypto's, for the
 *   gateway) and the platform's X25519 and SHA3-256 (primitives.ts):
 *
 *   expanded = SHAKE256(sk, 96)
 *   (pk_M, sk_M) = ML-KEM-768.KeyGen_internal(expanded[0:32], expanded[32:64])
 *   sk_X = expanded[64:96]; pk_X = X25519(sk_X, X25519_BASE)
 *   Encaps(pk, eseed): ek_X = eseed[32:64]; ct_X = X25519(ek_X, BASE); ss_X = X25519(ek_X, pk_X)
 *                      (ss_M, ct_M) = ML-KEM-768.Encaps(pk_M, eseed[0:32]); ct = ct_M || ct_X
 *   Decaps(sk, ct): ss_M = ML-KEM-768.Decaps(sk_M, ct_M); ss_X = X25519(sk_X, ct_X)
 *   ss = SHA3-256(ss_M || ss_X || ct_X || pk_X || XWingLabel), XWingLabel = "\.//^\"
 *
 *   The key is expanded once, when it is loaded. node:crypto refuses an all-zero X25519 output,
 *   which honest peers never produce: Decap then fails (`decrypt-failed`) and Encap to such a
 *   public key is `invalid-argument`, where the pure-JS code would go on with a secret the peer
 *   could compute.
 */

const PARAMS = KEM_PARAMETERS[KemId.MlKem768X25519];
const X_WING_LABEL = Uint8Array.of(0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c);
const EK_M = ML_KEM_768.ekLength;
const CT_M = ML_KEM_768.ctLength;

/** X-Wing on one backend: what a backend does (the lengths, seeds and errors are seedKem's). */
function xWingKem<H>(core: Pick<SeedKemCore<H>, "backend" | "expand" | "encaps" | "decaps">): Kem {
  return seedKem<H>({ id: KemId.MlKem768X25519, name: "MLKEM768-X25519 (X-Wing)", shortName: "X-Wing", keyName: "XWingPrivateKey", randomnessLength: 64, ...core });
}

/** X-Wing in pure JavaScript: @noble/post-quantum's ml_kem768_x25519, which keeps the seed. */
export const xWingPureJs: Kem = xWingKem<Uint8Array>({
  backend: "pure-js",
  expand: (seed) => ({ handle: seed, publicKey: ml_kem768_x25519.keygen(seed).publicKey }),
  encaps: (pk, eseed) => {
    const { cipherText, sharedSecret } = ml_kem768_x25519.encapsulate(pk, eseed);
    return { ciphertext: cipherText, sharedSecret };
  },
  decaps: (seed, ct) => ml_kem768_x25519.decapsulate(ct, seed),
});

function combiner(ssM: Uint8Array, ssX: Uint8Array, ctX: Uint8Array, pkX: Uint8Array): Uint8Array {
  return primitives.sha3_256([ssM, ssX, ctX, pkX, X_WING_LABEL]);
}

interface ExpandedKey<D> {
  readonly skM: D;
  readonly skX: KemKeyPair;
}

/** X-Wing on an ML-KEM-768 backend with the platform's X25519 and SHA3-256 (#primitives). */
export function xWingOn<D>(mlKem: MlKem768Backend<D>): Kem {
  return xWingKem<ExpandedKey<D>>({
    backend: mlKem.backend,
    expand: (seed) => {
      const expanded = shake256([seed], 96);
      try {
        const { dk, ek } = mlKem.keyGen(expanded.subarray(0, 64));
        const skX = deserializePrivateKey(expanded.subarray(64, 96));
        const publicKey = new Uint8Array(PARAMS.Npk);
        publicKey.set(ek);
        publicKey.set(skX.publicKey, EK_M);
        return { handle: { skM: dk, skX }, publicKey };
      } finally {
        expanded.fill(0);
      }
    },
    encaps: (pk, eseed) => {
      const pkM = pk.subarray(0, EK_M);
      const pkX = pk.subarray(EK_M);
      const m = eseed === undefined ? mlKem.encaps(pkM) : encapsDeterministic(pkM, eseed.subarray(0, 32));
      const ephemeral = eseed === undefined ? generateKeyPair() : deserializePrivateKey(eseed.subarray(32, 64));
      const ssX = x25519(ephemeral.privateKey, pkX);
      const ctX = ephemeral.publicKey;
      const ciphertext = new Uint8Array(PARAMS.Nenc);
      ciphertext.set(m.ciphertext);
      ciphertext.set(ctX, CT_M);
      return { sharedSecret: combiner(m.sharedSecret, ssX, ctX, pkX), ciphertext };
    },
    decaps: ({ skM, skX }, ct) => {
      const ctX = ct.subarray(CT_M);
      const ssM = mlKem.decaps(skM, ct.subarray(0, CT_M));
      const ssX = x25519(skX.privateKey, ctX);
      return combiner(ssM, ssX, ctX, skX.publicKey);
    },
  });
}
