// The field lookup helpers: case-insensitive names, order kept, RFC 9110 §5.3 combination.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type Field, fieldValues, getField } from "../src/index.js";

const fields: Field[] = [
  ["Accept", "text/html"],
  ["cookie", "a=1"],
  ["accept", "application/json"],
  ["Cookie", "b=2"],
  ["set-cookie", "x=1; Path=/"],
  ["set-cookie", "y=2, z=3"],
  ["empty", ""],
];

test("fieldValues: every value of a name, in order, names compared ASCII case-insensitively", () => {
  assert.deepEqual(fieldValues(fields, "ACCEPT"), ["text/html", "application/json"]);
  assert.deepEqual(fieldValues(fields, "set-cookie"), ["x=1; Path=/", "y=2, z=3"]);
  assert.deepEqual(fieldValues(fields, "missing"), []);
  assert.deepEqual(fieldValues(fields, "empty"), [""]);
});

test("getField: lines joined with ', ', cookies with '; ' (RFC 9113 §8.2.3), undefined when absent", () => {
  assert.equal(getField(fields, "accept"), "text/html, application/json");
  assert.equal(getField(fields, "COOKIE"), "a=1; b=2");
  assert.equal(getField(fields, "empty"), "");
  assert.equal(getField(fields, "missing"), undefined);
});

test("name comparison folds ASCII letters only", () => {
  const odd: Field[] = [["key", "1"], ["a@", "2"]];
  // U+212A KELVIN SIGN lowercases to "k" in Unicode, but is not the ASCII letter.
  assert.equal(getField(odd, "\u212aey"), undefined);
  // "@" (0x40) and "`" (0x60) differ in the bit that case-folds letters.
  assert.equal(getField(odd, "a`"), undefined);
  assert.equal(getField(odd, "A@"), "2");
});
