import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { OhttpError } from "../src/errors.js";
import type { OhttpErrorCode } from "../src/errors.js";

/** Reads a vector file from test/vectors (tests run from dist/test). */
export function readVectors(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../test/vectors/${name}`, import.meta.url), "utf8"));
}

/** A string field of a parsed vector file. */
export function field(record: unknown, ...path: (string | number)[]): string {
  let value: unknown = record;
  for (const key of path) {
    assert.ok(typeof value === "object" && value !== null, `vector path ${path.join(".")}`);
    value = (value as Record<string | number, unknown>)[key];
  }
  assert.ok(typeof value === "string" || typeof value === "number", `vector path ${path.join(".")}`);
  return String(value);
}

/** The parsed value at a path, as an array. */
export function list(record: unknown, ...path: string[]): unknown[] {
  let value: unknown = record;
  for (const key of path) {
    assert.ok(typeof value === "object" && value !== null);
    value = (value as Record<string, unknown>)[key];
  }
  assert.ok(Array.isArray(value));
  return value;
}

/** An assert.throws matcher for an OhttpError with the given code. */
export function ohttpError(code: OhttpErrorCode): (error: unknown) => boolean {
  return (error: unknown) => error instanceof OhttpError && error.code === code;
}

/** Runs `fn` and returns the OhttpError it throws (failing if it throws anything else, or nothing). */
export function catchOhttp(fn: () => unknown): OhttpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof OhttpError) return error;
    throw error;
  }
  assert.fail("expected an OhttpError");
}
