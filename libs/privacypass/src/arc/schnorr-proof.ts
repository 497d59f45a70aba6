/**
 * Non-interactive Schnorr proofs for linear relations: the Sigma protocol of
 * draft-irtf-cfrg-sigma-protocols made non-interactive with draft-irtf-cfrg-fiat-shamir, as the
 * ARC vectors' revision composes them (ciphersuite "sigma-proofs_Shake128_P256" for ARC):
 *
 *   sponge     = SHAKE128-sponge(IV protocol_id)
 *   absorb(I2OSP(len(session), 4) || session || I2OSP(len(label), 4) || label)
 *   commitment = map(nonces); absorb(serialize(commitment))
 *   challenge  = OS2IP(squeeze(Ns + 16)) mod p;  response[i] = nonces[i] + witness[i] * challenge
 *
 * `prove` outputs challenge || responses (the short form ARC uses); `proveBatchable` outputs
 * commitment || responses. Verification recomputes the commitment from the responses and compares
 * the challenge; every failure, including an undecodable proof, is `false`.
 *
 * Revision note: this is the transcript of the Sigma proof of concept before its commit 41b316a
 * (2026-03-02, "update poc impl"), which ARC's vectors (draft-arc 3268903) reproduce; the Sigma
 * repository's later vectors hash the session into a 64-byte session id and absorb the label without a
 * length prefix. The vectors each test file checks, and why, are in docs/decisions/0022-arc-p256-library.md.
 */
import { Shake128Sponge, paddedLabel } from "./duplex-sponge.js";
import type { LinearRelation } from "./linear-relation.js";
import { randomNonce, type ArcRandom } from "./random.js";
import { bytesToBigInt, mod, scalarToBytes } from "./sigma-group.js";

/** The protocol identifier of the SHAKE128 P-256 ciphersuite, padded to 64 bytes. */
export const PROTOCOL_ID_SHAKE128_P256 = "sigma-proofs_Shake128_P256";

interface Transcript<E> {
  readonly relation: LinearRelation<E>;
  readonly sponge: Shake128Sponge;
}

function startTranscript<E>(protocolId: string, session: Uint8Array, relation: LinearRelation<E>): Transcript<E> {
  // The codec's `init` at the vectors' revision: each of session and instance label is prefixed
  // by its length as a 32-bit big-endian integer, and the whole is absorbed once.
  const label = relation.label();
  const prefix = (n: number): Uint8Array => {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, n, false);
    return out;
  };
  const sponge = new Shake128Sponge(paddedLabel(protocolId)).absorb(concat([prefix(session.length), session, prefix(label.length), label]));
  return { relation, sponge };
}

function challengeOf<E>(t: Transcript<E>, commitment: readonly E[]): bigint {
  const g = t.relation.group;
  for (const c of commitment) t.sponge.absorb(g.serializeElement(c));
  return bytesToBigInt(t.sponge.squeeze(g.scalarLength + 16)) % g.order;
}

function proveParts<E>(protocolId: string, session: Uint8Array, relation: LinearRelation<E>, witness: readonly bigint[], rng: ArcRandom): { commitment: E[]; challenge: bigint; response: bigint[] } {
  const t = startTranscript(protocolId, session, relation);
  const g = relation.group;
  const nonces = Array.from({ length: relation.numScalars }, () => randomNonce(rng, g.order));
  const commitment = relation.map(nonces, false);
  const challenge = challengeOf(t, commitment);
  const response = nonces.map((k, i) => mod(k + (witness[i] ?? 0n) * challenge, g.order));
  return { commitment, challenge, response };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function proofLength<E>(relation: LinearRelation<E>): number {
  return (relation.numScalars + 1) * relation.group.scalarLength;
}

/** challenge || responses. `witness` must satisfy the relation (the caller's invariant). */
export function prove<E>(protocolId: string, session: Uint8Array, relation: LinearRelation<E>, witness: readonly bigint[], rng: ArcRandom): Uint8Array {
  const { challenge, response } = proveParts(protocolId, session, relation, witness, rng);
  const ns = relation.group.scalarLength;
  return concat([scalarToBytes(challenge, ns), ...response.map((s) => scalarToBytes(s, ns))]);
}

/** commitment || responses (the batchable form; the Sigma vectors carry both). */
export function proveBatchable<E>(protocolId: string, session: Uint8Array, relation: LinearRelation<E>, witness: readonly bigint[], rng: ArcRandom): Uint8Array {
  const { commitment, response } = proveParts(protocolId, session, relation, witness, rng);
  const g = relation.group;
  return concat([...commitment.map((c) => g.serializeElement(c)), ...response.map((s) => scalarToBytes(s, g.scalarLength))]);
}

function readScalars(bytes: Uint8Array, ns: number, order: bigint): bigint[] | undefined {
  const out: bigint[] = [];
  for (let o = 0; o < bytes.length; o += ns) {
    const s = bytesToBigInt(bytes.subarray(o, o + ns));
    if (s >= order) return undefined;
    out.push(s);
  }
  return out;
}

/** Verifies challenge || responses against `relation`; false on any failure. */
export function verify<E>(protocolId: string, session: Uint8Array, relation: LinearRelation<E>, proof: Uint8Array): boolean {
  const g = relation.group;
  const ns = g.scalarLength;
  if (proof.length !== proofLength(relation)) return false;
  try {
    const scalars = readScalars(proof, ns, g.order);
    if (scalars === undefined) return false;
    const [challenge, ...response] = scalars;
    if (challenge === undefined) return false;
    const t = startTranscript(protocolId, session, relation);
    if (g.multiplySum !== undefined) {
      // map(responses) - challenge * image, one multi-scalar multiplication per equation.
      return challengeOf(t, relation.map(response, true, g.order - challenge)) === challenge;
    }
    // challenge * image, once per distinct image element (ARC's presentation repeats them).
    const scaled = new Map<number, E>();
    const mapped = relation.map(response, true);
    const commitment = mapped.map((m, i) => {
      const lhs = relation.equations[i]?.lhs ?? -1;
      let c = scaled.get(lhs);
      if (c === undefined) {
        c = g.multiplyPublic(relation.element(lhs), challenge);
        scaled.set(lhs, c);
      }
      return g.subtract(m, c);
    });
    return challengeOf(t, commitment) === challenge;
  } catch {
    // An unset or repeated instance element, or a commitment with no encoding (the identity).
    return false;
  }
}

/** Verifies commitment || responses against `relation`; false on any failure. */
export function verifyBatchable<E>(protocolId: string, session: Uint8Array, relation: LinearRelation<E>, proof: Uint8Array): boolean {
  const g = relation.group;
  const ne = g.elementLength;
  const commitBytes = relation.equations.length * ne;
  if (proof.length !== commitBytes + relation.numScalars * g.scalarLength) return false;
  try {
    const commitment: E[] = [];
    for (let o = 0; o < commitBytes; o += ne) commitment.push(g.deserializeElement(proof.subarray(o, o + ne)));
    const response = readScalars(proof.subarray(commitBytes), g.scalarLength, g.order);
    if (response === undefined) return false;
    const t = startTranscript(protocolId, session, relation);
    const challenge = challengeOf(t, commitment);
    const image = relation.image();
    const expected = relation.map(response, true);
    return expected.every((e, i) => g.equals(e, g.add(commitment[i] as E, g.multiplyPublic(image[i] as E, challenge))));
  } catch {
    return false;
  }
}
