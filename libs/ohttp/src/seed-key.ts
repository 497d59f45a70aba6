import { primitives } from "#primitives";
import { KEM_PARAMETERS, type KemId } from "./algorithms.js";
import { OhttpError, OhttpErrorCode, decryptFailed } from "./errors.js";
import type { Kem, KemBackend, KemPrivateKey } from "./kem.js";
import { kemSuiteId, labeledDeriveShake256 } from "./labeled-derive.js";
import { Redacted } from "./redacted.js";

/**
 * The private key of a KEM whose private key is a seed (ML-KEM-768 and X-Wing,
 * draft-ietf-hpke-pq-04): the seed, kept for export; the backend's expanded form (`handle`,
 * computed once when the key is loaded); the public key; and the KEM that made it, the only one
 * that uses it. It redacts itself when printed or serialized.
 */
export class SeedPrivateKey<H> extends Redacted implements KemPrivateKey {
  readonly kemId: KemId;
  readonly publicKey: Uint8Array;
  readonly handle: H;
  readonly #seed: Uint8Array;
  readonly #owner: Kem;

  constructor(name: string, owner: Kem, seed: Uint8Array, handle: H, publicKey: Uint8Array) {
    super(name);
    this.kemId = owner.id;
    this.#owner = owner;
    this.#seed = seed;
    this.handle = handle;
    this.publicKey = publicKey;
  }

  ownedBy(kem: Kem): boolean {
    return this.#owner === kem;
  }

  /** @internal */
  seed(): Uint8Array {
    return Uint8Array.from(this.#seed);
  }

}

/** What differs between the seed KEMs (ML-KEM-768, X-Wing) and between their backends. */
export interface SeedKemCore<H> {
  readonly id: KemId;
  /** The KEM's name in `Kem.name`, and its short name in errors ("X-Wing"). */
  readonly name: string;
  readonly shortName: string;
  /** The private key class's name when printed. */
  readonly keyName: string;
  readonly backend: KemBackend;
  /** Length of Encap's explicit randomness (the draft's test vectors pass it). */
  readonly randomnessLength: number;
  /** Expands a seed once, when the key is loaded. */
  expand(seed: Uint8Array): { readonly handle: H; readonly publicKey: Uint8Array };
  /** Throws on a public key it refuses. */
  encaps(pk: Uint8Array, randomness: Uint8Array | undefined): { readonly sharedSecret: Uint8Array; readonly ciphertext: Uint8Array };
  decaps(handle: H, ct: Uint8Array): Uint8Array;
}

const EMPTY = new Uint8Array(0);

/**
 * An HPKE KEM whose private key is a seed (draft-ietf-hpke-pq-04): DeriveKeyPair is
 * SHAKE256.LabeledDerive(ikm, "DeriveKeyPair", "", Nsk), the seed serializes as itself, public
 * keys and enc are the identity. Lengths are checked here; a refused public key is the caller's
 * `invalid-argument`, and any Decap failure the uniform `decrypt-failed`.
 */
export function seedKem<H>(core: SeedKemCore<H>): Kem {
  const params = KEM_PARAMETERS[core.id];
  const suiteId = kemSuiteId(core.id);
  const invalid = (what: string): OhttpError => new OhttpError(OhttpErrorCode.InvalidArgument, `${core.shortName} ${what}`);
  const fromSeed = (seed: Uint8Array): SeedPrivateKey<H> => {
    if (seed.length !== params.Nsk) throw invalid("private key length");
    const copy = Uint8Array.from(seed);
    const { handle, publicKey } = core.expand(copy);
    return new SeedPrivateKey(core.keyName, kem, copy, handle, publicKey);
  };
  const own = (sk: KemPrivateKey): SeedPrivateKey<H> | undefined => (sk instanceof SeedPrivateKey && sk.ownedBy(kem) ? (sk as SeedPrivateKey<H>) : undefined);
  const kem: Kem = Object.freeze({
    id: core.id,
    name: core.name,
    backend: core.backend,
    ...params,
    generateKeyPair: () => fromSeed(primitives.randomBytes(params.Nsk)),
    deriveKeyPair: (ikm: Uint8Array) => fromSeed(labeledDeriveShake256(suiteId, ikm, "DeriveKeyPair", EMPTY, params.Nsk)),
    deserializePrivateKey: fromSeed,
    serializePrivateKey: (sk: KemPrivateKey) => {
      const key = own(sk);
      if (key === undefined) throw new OhttpError(OhttpErrorCode.InvalidArgument, `not an ${core.shortName} private key of this backend`);
      return key.seed();
    },
    encap: (pkRm: Uint8Array, randomness?: Uint8Array) => {
      if (pkRm.length !== params.Npk) throw invalid("public key length");
      if (randomness !== undefined && randomness.length !== core.randomnessLength) throw invalid("encapsulation randomness length");
      let out: { readonly sharedSecret: Uint8Array; readonly ciphertext: Uint8Array };
      try {
        out = core.encaps(pkRm, randomness);
      } catch {
        throw invalid("public key");
      }
      return { sharedSecret: out.sharedSecret, enc: out.ciphertext };
    },
    decap: (enc: Uint8Array, skR: KemPrivateKey) => {
      const key = own(skR);
      if (key === undefined || enc.length !== params.Nenc) throw decryptFailed();
      try {
        return core.decaps(key.handle, enc);
      } catch {
        throw decryptFailed();
      }
    },
  });
  return kem;
}
