/** parseProblem: what an app may show of an RFC 9457 problem, whatever the body holds. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseProblem } from "../src/http.js";

const PROBLEM = "application/problem+json";
const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));

test("parseProblem: type, title and detail of a problem body; about:blank when the type is absent", () => {
  assert.deepEqual(parseProblem(PROBLEM, bytes({ type: "tag:x,2026:problem/a", title: "A", status: 422, detail: "d" })), { type: "tag:x,2026:problem/a", title: "A", detail: "d" });
  assert.deepEqual(parseProblem(`${PROBLEM}; charset=utf-8`, bytes({ title: "Not Found", status: 404 })), { type: "about:blank", title: "Not Found" });
});

test("parseProblem: not a problem when the media type or the JSON says otherwise", () => {
  assert.equal(parseProblem("application/json", bytes({ type: "a" })), undefined);
  assert.equal(parseProblem(undefined, bytes({ type: "a" })), undefined);
  for (const body of ["not json", "[]", "null", "42", '"s"', JSON.stringify({ type: 7 })]) assert.equal(parseProblem(PROBLEM, bytes(body)), undefined, body);
});

test("parseProblem: a title or detail that is long or holds control bytes is left out, never shown", () => {
  const long = "x".repeat(201);
  assert.deepEqual(parseProblem(PROBLEM, bytes({ type: "t", title: long, detail: "a\u001b[2Jb" })), { type: "t" });
  assert.deepEqual(parseProblem(PROBLEM, bytes({ type: "t", title: "ok\n", detail: "x".repeat(200) })), { type: "t", detail: "x".repeat(200) });
  assert.deepEqual(parseProblem(PROBLEM, bytes({ type: "t", title: "abc\u202edef" })), { type: "t" }, "no bidirectional override");
  assert.equal(parseProblem(PROBLEM, bytes({ type: long })), undefined);
});

test("parseProblem: any bytes give a summary of short printable strings, or undefined, never a throw", () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.json().map(bytes), fc.record({ type: fc.string(), title: fc.string(), detail: fc.string() }).map(bytes)), (body) => {
      const summary = parseProblem(PROBLEM, body);
      if (summary === undefined) return;
      for (const text of [summary.type, summary.title, summary.detail]) {
        if (text === undefined) continue;
        assert.ok(text.length > 0 && text.length <= 200);
        for (const char of text) {
          const code = char.codePointAt(0) ?? 0;
          assert.ok(code >= 0x20 && (code < 0x7f || code >= 0xa0), `no control character: U+${code.toString(16)}`);
        }
      }
    }),
    { seed: 9457, numRuns: 500 },
  );
});
