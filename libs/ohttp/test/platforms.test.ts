/**
 * One implementation, two platforms: the library runs on node:crypto under Node's resolution and
 * on @noble under the `browser` condition (package.json `#primitives`). Both primitive sets give
 * the same bytes on random inputs, and every vector test file passes again in a child Node that
 * resolves the library as a browser bundler does.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { expectedPlatform, runUnderBrowserCondition } from "@oblivious/wire/test-support";
import { primitives } from "#primitives";
import { KemId } from "../src/algorithms.js";
import { kemFor } from "../src/kem-registry.js";
import { primitives as nodePrimitives } from "../src/primitives-node.js";
import { primitives as webPrimitives } from "../src/primitives-web.js";
import type { AeadCipher } from "../src/algorithms.js";

/** "web" in the browser-condition run below; a plain run is Node's. */
const expected = expectedPlatform();

test(`the library resolves its primitives to the ${expected} implementation`, () => {
  assert.equal(primitives.platform, expected);
  assert.equal(kemFor(KemId.DhkemX25519HkdfSha256).backend, expected === "node" ? "node" : "pure-js");
  if (expected === "web") assert.equal(kemFor(KemId.MlKem768X25519).backend, "pure-js");
});

test("node:crypto and @noble primitives agree byte for byte", () => {
  for (let i = 0; i < 50; i++) {
    const key = randomBytes(1 + (i % 70));
    const parts = [randomBytes(i), randomBytes(3 * i)];
    assert.deepEqual(new Uint8Array(webPrimitives.hmacSha256(key, parts)), new Uint8Array(nodePrimitives.hmacSha256(key, parts)));
    assert.deepEqual(new Uint8Array(webPrimitives.sha3_256(parts)), new Uint8Array(nodePrimitives.sha3_256(parts)));
    assert.deepEqual(new Uint8Array(webPrimitives.shake256(parts, 1 + i * 3)), new Uint8Array(nodePrimitives.shake256(parts, 1 + i * 3)));
    for (const [cipher, length] of [["aes-128-gcm", 16], ["aes-256-gcm", 32], ["chacha20-poly1305", 32]] as const satisfies readonly (readonly [AeadCipher, number])[]) {
      const k = randomBytes(length);
      const nonce = randomBytes(12);
      const aad = randomBytes(i % 3 === 0 ? 0 : i);
      const pt = randomBytes(i * 5);
      const ct = webPrimitives.seal(cipher, k, nonce, aad, pt);
      assert.deepEqual(new Uint8Array(ct), new Uint8Array(nodePrimitives.seal(cipher, k, nonce, aad, pt)), cipher);
      assert.deepEqual(new Uint8Array(nodePrimitives.open(cipher, k, nonce, aad, ct)), new Uint8Array(pt));
      const bad = Uint8Array.from(ct);
      bad[i % bad.length] = (bad[i % bad.length] as number) ^ 1;
      assert.throws(() => webPrimitives.open(cipher, k, nonce, aad, bad));
      assert.throws(() => nodePrimitives.open(cipher, k, nonce, aad, bad));
    }
    const sk = randomBytes(32);
    const a = webPrimitives.x25519.fromPrivate(sk);
    const b = nodePrimitives.x25519.fromPrivate(sk);
    assert.deepEqual(new Uint8Array(a.publicKey), new Uint8Array(b.publicKey));
    assert.deepEqual(new Uint8Array(webPrimitives.x25519.exportPrivate(a)), new Uint8Array(nodePrimitives.x25519.exportPrivate(b)));
    const peer = nodePrimitives.x25519.generate();
    assert.deepEqual(new Uint8Array(webPrimitives.x25519.dh(a, peer.publicKey)), new Uint8Array(nodePrimitives.x25519.dh(peer, a.publicKey)));
  }
  // A low-order point gives the all-zero output: both refuse it.
  const zeroPoint = new Uint8Array(32);
  assert.throws(() => webPrimitives.x25519.dh(webPrimitives.x25519.generate(), zeroPoint));
  assert.throws(() => nodePrimitives.x25519.dh(nodePrimitives.x25519.generate(), zeroPoint));
  // Keys do not cross implementations, and never print.
  assert.throws(() => webPrimitives.x25519.dh(nodePrimitives.x25519.generate(), zeroPoint), TypeError);
  assert.equal(JSON.stringify(webPrimitives.x25519.generate()), '{"redacted":true}');
});

const VECTOR_FILES = ["platforms", "rfc9458-vectors", "hpke", "pq-vectors", "cross-check", "encapsulation", "pq-encapsulation", "key-config", "property"];

test("under the browser condition every vector and encapsulation test passes on the @noble primitives", { skip: expected !== "node", timeout: 300_000 }, async () => {
  const run = await runUnderBrowserCondition(new URL(".", import.meta.url), VECTOR_FILES);
  assert.equal(run.fail, 0, run.tail);
  assert.ok(run.pass >= 80, `passed ${run.pass}`);
});
