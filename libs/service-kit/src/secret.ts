/**
 * A value that must never be printed: key material given inline from a secret, a Redis URL that
 * may hold a password. It redacts itself in `String()`, JSON and `util.inspect`; `reveal()` is the
 * one way to read it, at the one place that needs it.
 */
import { inspect } from "node:util";

export class Secret<T> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return "[redacted]";
  }

  toJSON(): string {
    return "[redacted]";
  }

  [inspect.custom](): string {
    return "Secret [redacted]";
  }
}
