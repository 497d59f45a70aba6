// Assertions on the package's coded errors (PrivacyPassError, PrivacyPassError), one implementation for both.
import assert from "node:assert/strict";
import type { CodedError } from "@oblivious/wire";

type CodedErrorClass<C extends string> = abstract new (...args: never[]) => CodedError<C>;

/** An assert.throws matcher for an error of class `type` with the given code. */
export function codedErrorMatcher<C extends string>(type: CodedErrorClass<C>, code: C): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof type, `not a ${type.name}: ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

/** Runs `fn`; passes if it returns or throws an error of class `type`, fails on anything else. */
export function valueOrCodedError(type: CodedErrorClass<string>, fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof type, `not a ${type.name}: ${String(error)}`);
  }
}
