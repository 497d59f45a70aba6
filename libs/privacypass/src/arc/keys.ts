/**
 * Server keys (draft-ietf-privacypass-arc-crypto, Section "Key Generation"):
 *
 *   x0, x1, x2, x0Blinding = RandomScalar() (in this order)
 *   X0 = x0 * G + x0Blinding * H,  X1 = x1 * H,  X2 = x2 * H
 *
 * ARC is privately verifiable: the private key both issues credentials and verifies presentations.
 */
import { GENERATOR_G, GENERATOR_H, mul, mulSum, ORDER, type ArcElement } from "./group.js";
import { randomScalar, type ArcRandom } from "./random.js";

export interface ServerPrivateKey {
  readonly x0: bigint;
  readonly x1: bigint;
  readonly x2: bigint;
  readonly x0Blinding: bigint;
}

export interface ServerPublicKey {
  readonly X0: ArcElement;
  readonly X1: ArcElement;
  readonly X2: ArcElement;
}

export interface ServerKeyPair {
  readonly privateKey: ServerPrivateKey;
  readonly publicKey: ServerPublicKey;
}

/** The public key of `privateKey`. */
export function serverPublicKey(privateKey: ServerPrivateKey): ServerPublicKey {
  return {
    X0: mulSum([GENERATOR_G, GENERATOR_H], [privateKey.x0, privateKey.x0Blinding]),
    X1: mul(GENERATOR_H, privateKey.x1),
    X2: mul(GENERATOR_H, privateKey.x2),
  };
}

/** SetupServer: a fresh key pair from `rng`. */
export function generateServerKey(rng: ArcRandom): ServerKeyPair {
  const x0 = randomScalar(rng, ORDER);
  const x1 = randomScalar(rng, ORDER);
  const x2 = randomScalar(rng, ORDER);
  const x0Blinding = randomScalar(rng, ORDER);
  const privateKey = { x0, x1, x2, x0Blinding };
  return { privateKey, publicKey: serverPublicKey(privateKey) };
}
