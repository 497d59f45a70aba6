/**
 * One signing thread of the pool (signer-pool.ts). It receives the live keys once (KeyObjects
 * cross threads by cloning; each key is imported once per worker) and then signs chunks of
 * blinded messages with node:crypto's raw RSA through NativeBlindSigner (RFC 9474 §4.3
 * BlindSign, with the input length and range checks and the s^e = m verification). It never
 * signs through the pure-JavaScript library path.
 *
 * Messages are packed into one buffer per chunk in each direction, and the answer's buffer is
 * transferred, not copied.
 */
import type { KeyObject } from "node:crypto";
import { parentPort } from "node:worker_threads";
import { NativeBlindSigner, PrivacyPassError } from "@oblivious/privacypass";
import type { FromWorker, ToWorker } from "./signer-pool.js";

if (parentPort === null) throw new Error("signer-worker runs as a worker thread only");
const port = parentPort;
let signers = new Map<string, NativeBlindSigner>();

function loadKeys(keys: readonly { readonly id: string; readonly privateKey: KeyObject }[]): void {
  const next = new Map<string, NativeBlindSigner>();
  for (const k of keys) next.set(k.id, signers.get(k.id) ?? new NativeBlindSigner(k.privateKey));
  signers = next;
}

function sign(job: number, keyId: string, packed: Uint8Array, count: number): FromWorker {
  const signer = signers.get(keyId);
  if (signer === undefined) return { job, error: "unknown_key" };
  const size = signer.modulusBytes;
  if (packed.length !== count * size) return { job, error: "invalid_input" };
  const out = new Uint8Array(count * size);
  try {
    for (let i = 0; i < count; i++) out.set(signer.sign(packed.subarray(i * size, (i + 1) * size)), i * size);
  } catch (e) {
    return { job, error: e instanceof PrivacyPassError ? "invalid_input" : "failed" };
  }
  return { job, sigs: out };
}

port.on("message", (message: ToWorker) => {
  if (message.type === "keys") {
    loadKeys(message.keys);
    return;
  }
  const answer = sign(message.job, message.keyId, message.packed, message.count);
  port.postMessage(answer, "sigs" in answer ? [answer.sigs.buffer as ArrayBuffer] : []);
});
