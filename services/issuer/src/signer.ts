/**
 * What the issuer needs of a blind signer, whichever runs it: the worker pool (signer-pool.ts)
 * or the event loop itself (inline-signer.ts). Its keys, its bounded queue, and the two ways a
 * signing can fail: overloaded (the caller answers 503) or failed with a code.
 */
import type { KeyObject } from "node:crypto";
import { PrivacyPassError, PrivacyPassErrorCode } from "@oblivious/privacypass";
import { CodedError } from "@oblivious/wire";

/** Why a signing failed. `overloaded` is the bounded queue refusing; the others come per message. */
export const SignerErrorCode = { Overloaded: "overloaded", UnknownKey: "unknown_key", InvalidInput: "invalid_input", Failed: "failed" } as const;
export type SignerErrorCode = (typeof SignerErrorCode)[keyof typeof SignerErrorCode];
/** The codes a worker reports for one message (never `overloaded`). */
export type SignFailureCode = Exclude<SignerErrorCode, typeof SignerErrorCode.Overloaded>;

/**
 * What a throw from NativeBlindSigner.sign means: bad input (wrong length, not below n) is the
 * client's (a 422); anything else, a signing fault caught by the s^e = m check included, is the
 * issuer's (a 500).
 */
export function signErrorCode(e: unknown): SignFailureCode {
  return e instanceof PrivacyPassError && e.code === PrivacyPassErrorCode.InvalidInput ? SignerErrorCode.InvalidInput : SignerErrorCode.Failed;
}

export class SignerError extends CodedError<SignerErrorCode> {
  override readonly name = "SignerError";
  constructor(code: SignerErrorCode) {
    super(code, code === SignerErrorCode.Overloaded ? "signer queue full" : `signing failed: ${code}`);
  }
}

export interface SignerKey {
  /** Hex of the token key id. */
  readonly id: string;
  readonly privateKey: KeyObject;
}

/** What the issuer needs of its signer: the worker pool (signer-pool.ts) or the event loop itself (inline-signer.ts). */
export interface Signers {
  /** Signing threads running now (0 while none can sign). */
  readonly size: number;
  /** Messages waiting to be signed. */
  readonly queued: number;
  /** Messages waiting or being signed. */
  readonly pending: number;
  /** Whether `n` more messages fit in the bounded queue. */
  hasCapacity(n: number): boolean;
  /** Replaces the keys that later jobs are signed with. */
  setKeys(keys: readonly SignerKey[]): void;
  /** Signs every message with the key `keyId`; the answers are in the order of `msgs`. */
  sign(keyId: string, msgs: readonly Uint8Array[]): Promise<Uint8Array[]>;
  /** Stops signing; jobs not done fail with SignerError `failed`. */
  close(): Promise<void>;
}
