// ARC suite ARCV1-P256 against every entry of its working group's vectors
// (test/vectors/arc-p256.json, source in the file), driven by the drafts' Seeded PRNG with the
// generator's seed and call order: server key, request, response, credential, two presentations
// with presentation limit 2. Every field of every entry is compared; a test fails if an entry has
// a field it does not compare. Scalars the functions draw internally (b, a, r, z, nonce_blinding)
// are read off the recorded random draws, which also pins the order the draft draws them in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { p256 } from "@noble/curves/nist.js";
import { createCredentialRequest } from "../src/arc/request.js";
import { createCredentialResponse } from "../src/arc/response.js";
import { finalizeCredential } from "../src/arc/credential.js";
import { generateServerKey } from "../src/arc/keys.js";
import { PresentationState } from "../src/arc/presentation.js";
import { verifyPresentation } from "../src/arc/verify-presentation.js";
import { SeededRandom } from "../src/arc/random.js";
import { serializeElement, type ArcElement } from "../src/arc/group.js";
import {
  decodeCredentialRequest, decodeCredentialResponse, decodePresentation, decodeServerPrivateKey, decodeServerPublicKey,
  encodeCredentialRequest, encodeCredentialResponse, encodePresentation, encodeServerPrivateKey, encodeServerPublicKey,
  presentationLength,
} from "../src/arc/codec.js";
import { RecordingRandom, ascii } from "./arc-helpers.js";
import { readVectors, toHex } from "./helpers.js";

const file = readVectors("arc-p256.json") as { vectors: { "ARCV1-P256": Record<string, Record<string, string>> } };
const suite = file.vectors["ARCV1-P256"];
const ORDER = p256.Point.Fn.ORDER;

/** Compares fields of one vector entry and remembers which were compared. */
class Entry {
  readonly checked = new Set<string>();
  constructor(readonly name: string) {}
  /** One field's hex, which must exist. */
  f(field: string): string {
    const value = this.fields[field];
    assert.ok(value !== undefined, `${this.name}.${field}`);
    return value;
  }
  get fields(): Record<string, string> {
    const entry = suite[this.name];
    assert.ok(entry !== undefined, this.name);
    return entry;
  }
  hex(field: string, actual: string): void {
    assert.equal(actual, this.fields[field], `${this.name}.${field}`);
    this.checked.add(field);
  }
  element(field: string, e: ArcElement): void {
    this.hex(field, toHex(serializeElement(e)));
  }
  scalar(field: string, s: bigint): void {
    this.hex(field, s.toString(16).padStart(64, "0"));
  }
  /** The ARC RandomScalar a recorded 48-byte draw became: OS2IP mod (p - 1). */
  draw(field: string, bytes: Uint8Array | undefined): void {
    assert.ok(bytes !== undefined && bytes.length === 48);
    this.scalar(field, BigInt(`0x${toHex(bytes)}`) % (ORDER - 1n));
  }
  done(): void {
    assert.deepEqual([...this.checked].sort(), Object.keys(this.fields).sort(), `${this.name}: every field compared`);
  }
}

test("ARCV1-P256 vectors: every entry and field reproduced byte for byte", () => {
  assert.deepEqual(Object.keys(suite).sort(), ["Credential", "CredentialRequest", "CredentialResponse", "Presentation1", "Presentation2", "ServerKey"]);
  const seed = new Uint8Array(32);
  seed.set(ascii("test vector seed"));
  const rng = new SeededRandom(seed);

  const key = new Entry("ServerKey");
  const { privateKey, publicKey } = generateServerKey(rng);
  key.scalar("x0", privateKey.x0);
  key.scalar("x1", privateKey.x1);
  key.scalar("x2", privateKey.x2);
  key.scalar("xb", privateKey.x0Blinding);
  key.element("X0", publicKey.X0);
  key.element("X1", publicKey.X1);
  key.element("X2", publicKey.X2);
  key.done();
  assert.equal(toHex(encodeServerPublicKey(decodeServerPublicKey(encodeServerPublicKey(publicKey)))), key.f("X0") + key.f("X1") + key.f("X2"));
  assert.deepEqual(decodeServerPrivateKey(encodeServerPrivateKey(privateKey)), privateKey);

  const req = new Entry("CredentialRequest");
  const requestContext = ascii("test request context");
  req.hex("request_context", toHex(requestContext));
  const { secrets, request } = createCredentialRequest(requestContext, rng);
  req.scalar("m1", secrets.m1);
  req.scalar("m2", secrets.m2);
  req.scalar("r1", secrets.r1);
  req.scalar("r2", secrets.r2);
  req.element("m1_enc", request.m1Enc);
  req.element("m2_enc", request.m2Enc);
  req.hex("proof", toHex(request.proof));
  req.done();
  const requestBytes = encodeCredentialRequest(request);
  assert.equal(toHex(requestBytes), req.f("m1_enc") + req.f("m2_enc") + req.f("proof"));
  assert.equal(requestBytes.length, 226);

  const res = new Entry("CredentialResponse");
  const responseRng = new RecordingRandom(rng);
  const response = createCredentialResponse(privateKey, publicKey, decodeCredentialRequest(requestBytes), responseRng);
  res.draw("b", responseRng.draws[0]);
  res.element("U", response.U);
  res.element("enc_U_prime", response.encUPrime);
  res.element("X0_aux", response.X0Aux);
  res.element("X1_aux", response.X1Aux);
  res.element("X2_aux", response.X2Aux);
  res.element("H_aux", response.HAux);
  res.hex("proof", toHex(response.proof));
  res.done();
  const responseBytes = encodeCredentialResponse(response);
  assert.equal(responseBytes.length, 454);
  assert.equal(toHex(responseBytes), ["U", "enc_U_prime", "X0_aux", "X1_aux", "X2_aux", "H_aux", "proof"].map((f) => res.f(f)).join(""));

  const cred = new Entry("Credential");
  const credential = finalizeCredential(secrets, publicKey, request, decodeCredentialResponse(responseBytes));
  cred.scalar("m1", credential.m1);
  cred.element("U", credential.U);
  cred.element("U_prime", credential.UPrime);
  cred.element("X1", credential.X1);
  cred.done();

  const presentationContext = ascii("test presentation context");
  const limit = 2;
  const state = new PresentationState(credential, presentationContext, limit);
  for (const [name, expectedNonce] of [["Presentation1", 0], ["Presentation2", 1]] as const) {
    const p = new Entry(name);
    const presentRng = new RecordingRandom(rng);
    const { nonce, presentation } = state.present(presentRng);
    assert.equal(nonce, expectedNonce);
    p.hex("presentation_context", toHex(presentationContext));
    p.hex("nonce", `0x${nonce.toString(16)}`);
    p.draw("a", presentRng.draws[0]);
    p.draw("r", presentRng.draws[1]);
    p.draw("z", presentRng.draws[2]);
    p.draw("nonce_blinding", presentRng.draws[3]);
    p.element("U", presentation.U);
    p.element("U_prime_commit", presentation.UPrimeCommit);
    p.element("m1_commit", presentation.m1Commit);
    p.element("nonce_commit", presentation.nonceCommit);
    p.element("tag", presentation.tag);
    assert.equal(presentation.D.length, 1);
    p.element("D_0", presentation.D[0] as ArcElement);
    p.hex("proof", presentation.D.map((d) => toHex(serializeElement(d))).join("") + toHex(presentation.proof));
    p.done();
    const bytes = encodePresentation(presentation, limit);
    assert.equal(bytes.length, presentationLength(limit));
    assert.equal(bytes.length, 5 * 33 + 33 + 9 * 32);
    const tag = verifyPresentation(privateKey, publicKey, requestContext, presentationContext, decodePresentation(bytes, limit), limit);
    assert.equal(toHex(tag), p.f("tag"));
  }
  assert.equal(state.remaining, 0);
});
