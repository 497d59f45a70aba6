/**
 * The inner Date parser on its own (RFC 9110 §5.6.7): the three forms, impossible dates, and the
 * same text again (the parser keeps the last IMF-fixdate it read).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseHttpDate } from "../src/date.js";

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);

test("the three HTTP-date forms give the same instant; anything else gives none", () => {
  const expected = Date.UTC(1994, 10, 6, 8, 49, 37);
  assert.equal(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT", NOW), expected);
  assert.equal(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", NOW), expected);
  assert.equal(parseHttpDate("Sun Nov  6 08:49:37 1994", NOW), expected);
  for (const text of ["", "yesterday", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT"]) {
    assert.equal(parseHttpDate(text, NOW), undefined, text);
  }
});

test("an impossible day is refused, also when the same text comes again", () => {
  for (let i = 0; i < 3; i++) assert.equal(parseHttpDate("Tue, 31 Feb 2026 12:00:00 GMT", NOW), undefined);
  assert.equal(parseHttpDate("Sat, 28 Feb 2026 12:00:00 GMT", NOW), Date.UTC(2026, 1, 28, 12));
  assert.equal(parseHttpDate("Tue, 31 Feb 2026 12:00:00 GMT", NOW), undefined);
});

test("repeated and alternating texts each keep their own value", () => {
  const a = "Sun, 01 Mar 2026 12:00:00 GMT";
  const b = "Sun, 01 Mar 2026 12:00:01 GMT";
  for (let i = 0; i < 4; i++) {
    assert.equal(parseHttpDate(a, NOW), NOW);
    assert.equal(parseHttpDate(a, NOW), NOW);
    assert.equal(parseHttpDate(b, NOW), NOW + 1000);
    assert.equal(parseHttpDate("Sunday, 01-Mar-26 12:00:00 GMT", NOW), NOW);
  }
});

test("an RFC 850 two-digit year follows the clock, whatever was parsed before", () => {
  assert.equal(parseHttpDate("Sun, 01 Mar 2026 12:00:00 GMT", NOW), NOW);
  // More than 50 years ahead of the clock's year is in the past century (RFC 9110 §5.6.7).
  assert.equal(new Date(parseHttpDate("Monday, 01-Mar-77 12:00:00 GMT", NOW) ?? 0).getUTCFullYear(), 2077 - 100);
  assert.equal(new Date(parseHttpDate("Monday, 01-Mar-77 12:00:00 GMT", Date.UTC(2050, 0, 1)) ?? 0).getUTCFullYear(), 2077);
});
