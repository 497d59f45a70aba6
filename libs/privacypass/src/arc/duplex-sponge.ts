/**
 * The SHAKE128 duplex sponge of draft-irtf-cfrg-fiat-shamir (Section "Duplex sponge interface",
 * SHAKE128 instantiation), at the revision ARC's vectors use: the state starts with the 64-byte
 * IV followed by 104 zero bytes (one 168-byte SHAKE128 block), `absorb` appends to the input and
 * `squeeze(n)` returns the first n bytes of the XOF output over everything absorbed so far without
 * changing the state (a squeeze then an absorb continues the same input stream).
 */
import { shake128 } from "@noble/hashes/sha3.js";
import { PrivacyPassError, PrivacyPassErrorCode } from "../errors.js";

const IV_LENGTH = 64;
const SHAKE128_RATE = 168;

export class Shake128Sponge {
  readonly #state: ReturnType<typeof shake128.create>;

  constructor(iv: Uint8Array) {
    if (iv.length !== IV_LENGTH) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "sponge IV must be 64 bytes");
    this.#state = shake128.create({});
    const block = new Uint8Array(SHAKE128_RATE);
    block.set(iv);
    this.#state.update(block);
  }

  absorb(input: Uint8Array): this {
    this.#state.update(input);
    return this;
  }

  squeeze(length: number): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    return this.#state.clone().xof(length);
  }
}

/** `label` as ASCII, right-padded with zero bytes to 64 bytes (the drafts' `.ljust(64, b"\0")`). */
export function paddedLabel(label: string): Uint8Array {
  const bytes = new TextEncoder().encode(label);
  if (bytes.length > IV_LENGTH) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "label longer than 64 bytes");
  const out = new Uint8Array(IV_LENGTH);
  out.set(bytes);
  return out;
}
