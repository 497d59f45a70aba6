// The Sigma protocol layer against its own drafts' vectors (test/vectors/arc-sigma-protocols.json
// and arc-duplex-sponge.json, sources in the files): the SHAKE128 duplex sponge, then each linear
// relation rebuilt from the Seeded PRNG exactly as the generator builds it, its instance label,
// the short proof and the batchable proof byte for byte, both verifying, and one changed byte of
// either rejected. The copy of commit 1d243b4 in the shared specs uses a later transcript: only its
// transcript-independent fields are compared (see docs/decisions/0022-arc-p256-library.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Shake128Sponge } from "../src/arc/duplex-sponge.js";
import { LinearRelation } from "../src/arc/linear-relation.js";
import { SeededRandom, randomScalar, type ArcRandom } from "../src/arc/random.js";
import { prove, proveBatchable, verify, verifyBatchable } from "../src/arc/schnorr-proof.js";
import { BLS12_381_G1, BLS_GENERATOR, flipped, type G1Element } from "./arc-helpers.js";
import { field, fromHex, readVectors, toHex } from "./helpers.js";

const sponge = readVectors("arc-duplex-sponge.json") as { vectors: Record<string, { IV: string; Expected: string; Operations: { type: string; data?: string; length?: number }[] }> };

test("duplex sponge: every SHAKE128 vector", () => {
  const names = Object.keys(sponge.vectors);
  assert.equal(names.length, 9);
  for (const name of names) {
    const v = sponge.vectors[name];
    assert.ok(v !== undefined);
    const s = new Shake128Sponge(fromHex(v.IV));
    let out: Uint8Array = new Uint8Array(0);
    for (const op of v.Operations) {
      if (op.type === "absorb") s.absorb(fromHex(op.data ?? ""));
      else out = s.squeeze(op.length ?? -1);
    }
    assert.equal(toHex(out), v.Expected, name);
  }
});

type Builder = (rng: ArcRandom) => { relation: LinearRelation<G1Element>; witness: bigint[] };
const g = BLS12_381_G1;
const rand = (rng: ArcRandom): bigint => randomScalar(rng, g.order);
const mul = (e: G1Element, s: bigint): G1Element => g.multiply(e, s);

// Each builder mirrors the generator's test function: same draws in the same order, same
// allocation order, same equations.
const builders: Record<string, Builder> = {
  discrete_logarithm(rng) {
    const r = new LinearRelation(g);
    const [x] = r.allocateScalars(1) as [number];
    const [vG, vX] = r.allocateElements(2) as [number, number];
    r.appendEquation(vX, [[x, vG]]);
    const xs = rand(rng);
    r.setElements([[vG, BLS_GENERATOR], [vX, mul(BLS_GENERATOR, xs)]]);
    return { relation: r, witness: [xs] };
  },
  dleq(rng) {
    const H = mul(BLS_GENERATOR, rand(rng));
    const xs = rand(rng);
    const r = new LinearRelation(g);
    const [x] = r.allocateScalars(1) as [number];
    const [vG, vX, vH, vY] = r.allocateElements(4) as [number, number, number, number];
    r.setElements([[vG, BLS_GENERATOR], [vH, H], [vX, mul(BLS_GENERATOR, xs)], [vY, mul(H, xs)]]);
    r.appendEquation(vX, [[x, vG]]);
    r.appendEquation(vY, [[x, vH]]);
    return { relation: r, witness: [xs] };
  },
  pedersen_commitment(rng) {
    const H = mul(BLS_GENERATOR, rand(rng));
    const xs = rand(rng);
    const rs = rand(rng);
    const r = new LinearRelation(g);
    const [x, rv] = r.allocateScalars(2) as [number, number];
    const [vG, vH, vC] = r.allocateElements(3) as [number, number, number];
    r.setElements([[vG, BLS_GENERATOR], [vH, H], [vC, g.add(mul(BLS_GENERATOR, xs), mul(H, rs))]]);
    r.appendEquation(vC, [[x, vG], [rv, vH]]);
    return { relation: r, witness: [xs, rs] };
  },
  pedersen_commitment_dleq(rng) {
    const gens = [0, 1, 2, 3].map(() => mul(BLS_GENERATOR, rand(rng))) as [G1Element, G1Element, G1Element, G1Element];
    const w = [rand(rng), rand(rng)] as [bigint, bigint];
    const X = g.add(mul(gens[0], w[0]), mul(gens[1], w[1]));
    const Y = g.add(mul(gens[2], w[0]), mul(gens[3], w[1]));
    const r = new LinearRelation(g);
    const [x, rv] = r.allocateScalars(2) as [number, number];
    const [v0, v1, vX, v2, v3, vY] = r.allocateElements(6) as [number, number, number, number, number, number];
    r.setElements([[v0, gens[0]], [v1, gens[1]], [v2, gens[2]], [v3, gens[3]], [vX, X], [vY, Y]]);
    r.appendEquation(vX, [[x, v0], [rv, v1]]);
    r.appendEquation(vY, [[x, v2], [rv, v3]]);
    return { relation: r, witness: w };
  },
  bbs_blind_commitment_computation(rng) {
    const [Q2, J1, J2, J3] = [0, 1, 2, 3].map(() => mul(BLS_GENERATOR, rand(rng))) as [G1Element, G1Element, G1Element, G1Element];
    const msgs = [rand(rng), rand(rng), rand(rng)] as [bigint, bigint, bigint];
    const blind = rand(rng);
    const C = [mul(Q2, blind), mul(J1, msgs[0]), mul(J2, msgs[1]), mul(J3, msgs[2])].reduce((a, b) => g.add(a, b));
    const r = new LinearRelation(g);
    const [sb, s1, s2, s3] = r.allocateScalars(4) as [number, number, number, number];
    const [vQ2, vJ1, vJ2, vJ3] = r.allocateElements(4) as [number, number, number, number];
    const [vC] = r.allocateElements(1) as [number];
    r.setElements([[vQ2, Q2], [vJ1, J1], [vJ2, J2], [vJ3, J3], [vC, C]]);
    r.appendEquation(vC, [[sb, vQ2], [s1, vJ1], [s2, vJ2], [s3, vJ3]]);
    return { relation: r, witness: [blind, ...msgs] };
  },
};

const sigma = readVectors("arc-sigma-protocols.json") as { vectors: Record<string, unknown> };
const seed = (text: string): Uint8Array => {
  const out = new Uint8Array(32);
  out.set(new TextEncoder().encode(text));
  return out;
};

test("sigma vectors: every entry is covered", () => {
  assert.deepEqual(Object.keys(sigma.vectors).sort(), Object.keys(builders).sort());
});

for (const [name, build] of Object.entries(builders)) {
  test(`sigma vector ${name}: label, witness, proof and batchable proof byte-exact; both verify; every changed byte rejected`, () => {
    const v = sigma.vectors[name];
    assert.equal(field(v, "Ciphersuite"), "sigma-proofs_Shake128_BLS12381");
    const protocolId = "sigma-proofs_Shake128_BLS12381";
    const { relation, witness } = build(new SeededRandom(seed("instance_witness_generation_seed")));
    assert.equal(toHex(relation.label()), field(v, "Statement"));
    assert.equal(witness.map((w) => w.toString(16).padStart(64, "0")).join(""), field(v, "Witness"));
    const session = fromHex(field(v, "SessionId"));
    const proofRng = new SeededRandom(seed("proof_generation_seed"));
    const batchable = proveBatchable(protocolId, session, relation, witness, proofRng);
    assert.equal(toHex(batchable), field(v, "Batchable Proof"));
    const proof = prove(protocolId, session, relation, witness, proofRng);
    assert.equal(toHex(proof), field(v, "Proof"));
    assert.equal(verify(protocolId, session, relation, proof), true);
    assert.equal(verifyBatchable(protocolId, session, relation, batchable), true);
    for (let i = 0; i < proof.length; i++) assert.equal(verify(protocolId, session, relation, flipped(proof, i)), false, `proof byte ${i}`);
    for (let i = 0; i < batchable.length; i++) assert.equal(verifyBatchable(protocolId, session, relation, flipped(batchable, i)), false, `batchable byte ${i}`);
    assert.equal(verify(protocolId, flipped(session, 0), relation, proof), false, "another session");
    assert.equal(verify(protocolId, session, relation, proof.subarray(1)), false, "truncated");
  });
}

const later = readVectors("arc-sigma-protocols-1d243b4.json") as { vectors: Record<string, unknown> };

test("sigma vectors of commit 1d243b4 (later transcript): the transcript-independent fields match (label, witness, batchable commitment)", () => {
  assert.deepEqual(Object.keys(later.vectors).sort(), Object.keys(builders).sort());
  for (const [name, build] of Object.entries(builders)) {
    const v = later.vectors[name];
    const { relation, witness } = build(new SeededRandom(seed("instance_witness_generation_seed")));
    assert.equal(toHex(relation.label()), field(v, "Statement"), name);
    assert.equal(witness.map((w) => w.toString(16).padStart(64, "0")).join(""), field(v, "Witness"), name);
    const commitmentHex = 2 * relation.equations.length * g.elementLength;
    const ours = proveBatchable("sigma-proofs_Shake128_BLS12381", fromHex(field(v, "SessionId")), relation, witness, new SeededRandom(seed("proof_generation_seed")));
    assert.equal(toHex(ours).slice(0, commitmentHex), field(v, "Batchable Proof").slice(0, commitmentHex), name);
  }
});
