/** HTTP/1.1 field lines (http1.ts) and the sender's HTTP-date (http-date.ts). */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FIELD_VALUE, TOKEN, currentHttpDate, fieldLine, formatHttpDate } from "../src/index.js";

test("fieldLine: a token, a colon, the value without its surrounding spaces and tabs; nothing else", () => {
  assert.deepEqual(fieldLine("Content-Type:  message/ohttp-req \t"), ["Content-Type", "message/ohttp-req"]);
  assert.deepEqual(fieldLine("x-empty:"), ["x-empty", ""]);
  assert.deepEqual(fieldLine("X-Inner: a  b"), ["X-Inner", "a  b"]);
  for (const bad of ["", ":v", "Name : v", " folded", "Na me: v", "X: a\x00b", "X: a\rb", "X: a\nb", "no colon"]) {
    assert.equal(fieldLine(bad), undefined, JSON.stringify(bad));
  }
});

test("fieldLine: any string gives a line of a token and a sendable value, or undefined, never a throw", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 80 }), (line) => {
      const field = fieldLine(line);
      if (field === undefined) return;
      const [name, value] = field;
      assert.match(name, TOKEN);
      assert.match(value, FIELD_VALUE);
      assert.doesNotMatch(value, /^[ \t]|[ \t]$/);
    }),
    { numRuns: 500 },
  );
});

test("fieldLine: trims exactly what RFC 9112's OWS is (spaces and tabs), as the trimming expression it replaced", () => {
  const reference = (line: string): readonly [string, string] | undefined => {
    const colon = line.indexOf(":");
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    return TOKEN.test(name) && FIELD_VALUE.test(value) ? [name, value] : undefined;
  };
  assert.deepEqual(fieldLine("X:\t \t a \t b\t \t"), ["X", "a \t b"]);
  assert.deepEqual(fieldLine("X: \t "), ["X", ""]);
  // Other whitespace is not OWS: it stays, and a value holding it is refused.
  assert.equal(fieldLine("X: \va"), undefined);
  assert.deepEqual(fieldLine("X: a\u00a0"), ["X", "a\u00a0"]);
  const alphabet = fc.constantFrom(" ", "\t", "\v", "\f", "\r", ":", "a", "Z", "-", "\u00a0", "\u00ff", "\u0100");
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 24 }), (parts) => {
      const line = `N${parts.join("")}`;
      assert.deepEqual(fieldLine(line), reference(line));
    }),
    { numRuns: 2000 },
  );
});

test("HTTP-date: IMF-fixdate (RFC 9110 §5.6.7), and the current one is this second's", () => {
  assert.equal(formatHttpDate(784111777000), "Sun, 06 Nov 1994 08:49:37 GMT");
  const before = Math.floor(Date.now() / 1000) * 1000;
  const now = currentHttpDate();
  const after = Date.now();
  assert.ok([formatHttpDate(before), formatHttpDate(after)].includes(now), now);
  assert.equal(currentHttpDate(), currentHttpDate());
});
