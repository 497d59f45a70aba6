/**
 * One signing thread of the pool (signer-pool.ts). It receives the live keys once (KeyObjects
 * cross threads by cloning; each key is imported once per worker) and then signs blinded messages
 * with node:crypto's raw RSA through NativeBlindSigner (RFC 9474 §4.3 BlindSign, with the input
 * length and range checks and the s^e = m verification). It never signs through the
 * pure-JavaScript library path.
 *
 * A sign message holds one or more parts (chunks of one job each, possibly of several jobs),
 * packed into one buffer; the answer is one buffer too, each signature at the offset of its
 * message, transferred, not copied. A part that cannot be signed fails alone: the others in the
 * message are still signed.
 */
import type { KeyObject } from "node:crypto";
import { parentPort } from "node:worker_threads";
import { NativeBlindSigner } from "@oblivious/privacypass";
import type { FromWorker, SignPart, ToWorker } from "./signer-messages.js";
import { signErrorCode, type SignFailureCode } from "./signer.js";

if (parentPort === null) throw new Error("signer-worker runs as a worker thread only");
const port = parentPort;
let signers = new Map<string, NativeBlindSigner>();

function loadKeys(keys: readonly { readonly id: string; readonly privateKey: KeyObject }[]): void {
  const next = new Map<string, NativeBlindSigner>();
  for (const k of keys) next.set(k.id, signers.get(k.id) ?? new NativeBlindSigner(k.privateKey));
  signers = next;
}

/** Signs one part from `packed` at `at` into `out` at the same offset; null when it is signed. */
function signPart(part: SignPart, packed: Uint8Array, out: Uint8Array, at: number): SignFailureCode | null {
  const signer = signers.get(part.keyId);
  if (signer === undefined) return "unknown_key";
  const size = signer.modulusBytes;
  if (part.bytes !== part.count * size || at + part.bytes > packed.length) return "invalid_input";
  try {
    for (let i = 0; i < part.count; i++) out.set(signer.sign(packed.subarray(at + i * size, at + (i + 1) * size)), at + i * size);
  } catch (e) {
    out.fill(0, at, at + part.bytes);
    return signErrorCode(e);
  }
  return null;
}

function sign(id: number, parts: readonly SignPart[], packed: Uint8Array): FromWorker {
  const out = new Uint8Array(packed.length);
  const errors: (SignFailureCode | null)[] = [];
  let at = 0;
  for (const part of parts) {
    errors.push(signPart(part, packed, out, at));
    at += part.bytes;
  }
  return errors.every((e) => e === null) ? { id, sigs: out } : { id, sigs: out, errors };
}

port.on("message", (message: ToWorker) => {
  if (message.type === "keys") {
    loadKeys(message.keys);
    return;
  }
  const answer = sign(message.id, message.parts, message.packed);
  port.postMessage(answer, [answer.sigs.buffer as ArrayBuffer]);
});
