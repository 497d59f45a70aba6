/**
 * Blind-signing rates for RSA-2048 on one core, with no HTTP around them: the issuer's native path
 * (`NativeBlindSigner`, OpenSSL) and the library path (@cloudflare/blindrsa-ts). Inputs are
 * uniformly random values below n, which is what blinded messages are.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { blindSignWithLibrary } from "../src/library-signer.js";
import { NativeBlindSigner } from "../src/native-signer.js";

function inputs(count: number): Uint8Array[] {
  // A 2048-bit modulus has its top bit set; a value with the top bit clear is below it.
  return Array.from({ length: count }, () => {
    const m = new Uint8Array(randomBytes(256));
    m[0] = (m[0] as number) & 0x7f;
    return m;
  });
}

function newKey(): KeyObject {
  return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
}

/** Signatures per second through NativeBlindSigner (length and range checks and the m' = m check included). */
export function benchNativeSign(durationMs = 2000): number {
  const signer = new NativeBlindSigner(newKey());
  const messages = inputs(64);
  for (let i = 0; i < 50; i++) signer.sign(messages[i % messages.length] as Uint8Array); // warm-up
  let operations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.max(1, Math.round(durationMs))) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 20; i++) signer.sign(messages[operations++ % messages.length] as Uint8Array);
    now = process.hrtime.bigint();
  }
  return operations / (Number(now - start) / 1e9);
}

/** Signatures per second through blindSignWithLibrary (blindrsa-ts); at least one signature is timed. */
export async function benchLibrarySign(durationMs = 2000): Promise<number> {
  const key = newKey();
  const messages = inputs(4);
  await blindSignWithLibrary(key, messages[0] as Uint8Array); // imports the key once
  let operations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.max(1, Math.round(durationMs))) * 1_000_000n;
  let now = start;
  do {
    await blindSignWithLibrary(key, messages[operations++ % messages.length] as Uint8Array);
    now = process.hrtime.bigint();
  } while (now < deadline);
  return operations / (Number(now - start) / 1e9);
}
