// Shared by the ARC tests: the Sigma vectors' BLS12-381 G1 group (test only; ARC itself is P-256),
// and a recording random source.
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { SeededRandom, type ArcRandom } from "../src/arc/random.js";
import { finalizeCredential, type Credential } from "../src/arc/credential.js";
import { generateServerKey, type ServerKeyPair } from "../src/arc/keys.js";
import { createCredentialRequest, type PendingCredentialRequest } from "../src/arc/request.js";
import { createCredentialResponse, type CredentialResponse } from "../src/arc/response.js";
import type { SigmaGroup } from "../src/arc/sigma-group.js";

const G1 = bls12_381.G1.Point;
export type G1Element = InstanceType<typeof G1>;

/** BLS12-381 G1 with the ZCash compressed encoding (48 bytes), as the Sigma PoC's BLS12_381_G1. */
export const BLS12_381_G1: SigmaGroup<G1Element> = {
  order: G1.Fn.ORDER,
  scalarLength: 32,
  elementLength: 48,
  identity: G1.ZERO,
  add: (a, b) => a.add(b),
  subtract: (a, b) => a.subtract(b),
  multiply: (a, s) => a.multiplyUnsafe(s),
  multiplyPublic: (a, s) => a.multiplyUnsafe(s),
  equals: (a, b) => a.equals(b),
  serializeElement: (a) => a.toBytes(true),
  deserializeElement: (bytes) => {
    const p = G1.fromBytes(bytes);
    p.assertValidity();
    return p;
  },
};
export const BLS_GENERATOR: G1Element = G1.BASE;

/** Wraps a random source and keeps every draw, so a test can name what each draw became. */
export class RecordingRandom implements ArcRandom {
  readonly draws: Uint8Array[] = [];
  constructor(readonly inner: ArcRandom) {}
  getRandom(length: number): Uint8Array {
    const out = this.inner.getRandom(length);
    this.draws.push(out);
    return out;
  }
}

/** `bytes` with byte `index` xor-ed with `mask` (a fresh copy). */
export function flipped(bytes: Uint8Array, index: number, mask = 0x01): Uint8Array {
  const out = new Uint8Array(bytes);
  out[index] = (out[index] as number) ^ mask;
  return out;
}

export function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** A fresh deterministic random source (a seeded PRNG; tests only). */
export function seeded(label: string): ArcRandom {
  const seed = new Uint8Array(32);
  seed.set(new TextEncoder().encode(label).subarray(0, 32));
  return new SeededRandom(seed);
}

export interface ArcFixture {
  readonly keys: ServerKeyPair;
  readonly requestContext: Uint8Array;
  readonly pending: PendingCredentialRequest;
  readonly response: CredentialResponse;
  readonly credential: Credential;
}

/** One issuance, end to end, from a seeded source. */
export function issue(label: string, requestContext = ascii("request context")): ArcFixture {
  const rng = seeded(label);
  const keys = generateServerKey(rng);
  const pending = createCredentialRequest(requestContext, rng);
  const response = createCredentialResponse(keys.privateKey, keys.publicKey, pending.request, rng);
  const credential = finalizeCredential(pending.secrets, keys.publicKey, pending.request, response);
  return { keys, requestContext, pending, response, credential };
}
