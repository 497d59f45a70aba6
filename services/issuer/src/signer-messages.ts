/**
 * The messages between the signer pool (signer-pool.ts) and its workers (signer-worker.ts):
 * structured-clone data, so a KeyObject crosses by cloning and blinded messages travel packed
 * one after the other in one buffer.
 */
import type { KeyObject } from "node:crypto";
import type { SignFailureCode } from "./signer.js";

/** One chunk of a sign message: `count` blinded messages of `bytes` bytes in all, for key `keyId`. */
export interface SignPart {
  readonly keyId: string;
  readonly count: number;
  readonly bytes: number;
}

/** Messages to a worker. `packed` holds the parts' blinded messages one after the other. */
export type ToWorker =
  | { readonly type: "keys"; readonly keys: readonly { readonly id: string; readonly privateKey: KeyObject }[] }
  | { readonly type: "sign"; readonly id: number; readonly parts: readonly SignPart[]; readonly packed: Uint8Array };

/**
 * Answers from a worker: the signatures at the offsets of their messages in `packed`, and, if a
 * part failed, an outcome per part (null: signed).
 */
export interface FromWorker {
  readonly id: number;
  readonly sigs: Uint8Array;
  readonly errors?: readonly (SignFailureCode | null)[];
}
