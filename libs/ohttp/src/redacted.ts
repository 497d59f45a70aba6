import { INSPECT } from "./primitives.js";

/**
 * The base of every object here that holds a secret (a private key, a key schedule, a response
 * context): it prints as `<label> { [redacted] }` through String(), JSON and Node's inspect, so no
 * log line, error or debugger view shows the bytes.
 */
export abstract class Redacted {
  readonly #label: string;

  protected constructor(label: string) {
    this.#label = label;
  }

  toString(): string {
    return `${this.#label} { [redacted] }`;
  }

  toJSON(): { readonly redacted: true } {
    return { redacted: true };
  }

  [INSPECT](): string {
    return this.toString();
  }
}
