/**
 * The pure side: decodeBatchBody and validateBatch against the catalogue. Each drop reason, each
 * refused batch, the bucket edges, prototype-named keys, and property tests that arbitrary input
 * gives a result (never an exception) whose kept values all come from the declared sets.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { schemaTable } from "../src/schema-doc.js";
import { EVENT_SCHEMAS, eventSchema, fieldLabels, type AcceptedEvent, type FieldSchema } from "../src/schemas.js";
import { BatchErrorCode, MAX_DEPTH, MAX_STRING_LENGTH, decodeBatchBody, emptyDropCounts, validateBatch, type BatchResult, type EventDropReason } from "../src/validate.js";

const LIMITS = { maxEvents: 10 };

function ok(result: BatchResult): Extract<BatchResult, { ok: true }> {
  assert.ok(result.ok, `refused: ${result.ok ? "" : result.error}`);
  return result;
}

function dropped(counts: Partial<Record<EventDropReason, number>>): Record<EventDropReason, number> {
  return { ...emptyDropCounts(), ...counts };
}

const START = { type: "app.start", platform: "ios", version_major: 7 };
const CALL = { type: "ohttp.call", feature: "sticker_search", status_class: "2xx", latency_ms: 12 };

test("a valid event of every type is kept, numbers replaced by their bucket", () => {
  const result = ok(
    validateBatch(
      {
        events: [
          { ...START, cold: true },
          { type: "sticker_search.result", outcome: "results", results: 3, latency_ms: 700 },
          { ...CALL, retries: 2, latency_ms: 12.5 },
          { type: "token.wallet", event: "topup", batch: 10 },
        ],
      },
      LIMITS,
    ),
  );
  assert.deepEqual(result.dropped, emptyDropCounts());
  assert.equal(result.received, 4);
  const expected: AcceptedEvent[] = [
    { type: "app.start", fields: { platform: "ios", version_major: 7, cold: true } },
    { type: "sticker_search.result", fields: { outcome: "results", results: "le_5", latency_ms: "le_1000" } },
    { type: "ohttp.call", fields: { feature: "sticker_search", status_class: "2xx", retries: 2, latency_ms: "le_25" } },
    { type: "token.wallet", fields: { event: "topup", batch: "le_10" } },
  ];
  assert.deepEqual(result.events, expected);
});

test("bucket edges: a value on a bound is in that bucket; past the last bound or below min is out_of_range", () => {
  const cases: [number, string | EventDropReason][] = [
    [0, "le_25"],
    [25, "le_25"],
    [25.000001, "le_50"],
    [30_000, "le_30000"],
    [30_000.5, "out_of_range"],
    [-0.001, "out_of_range"],
    [Number.POSITIVE_INFINITY, "out_of_range"], // what JSON.parse makes of 1e400
  ];
  for (const [latency, expected] of cases) {
    const result = ok(validateBatch({ events: [{ ...CALL, latency_ms: latency }] }, LIMITS));
    if (expected.startsWith("le_")) {
      assert.deepEqual(result.events[0]?.fields, { feature: "sticker_search", status_class: "2xx", latency_ms: expected }, `${latency}`);
    } else {
      // latency_ms is required: losing it drops the event too.
      assert.deepEqual(result.dropped, dropped({ [expected]: 1, missing_field: 1 }), `${latency}`);
      assert.equal(result.events.length, 0);
    }
  }
  const zero = ok(validateBatch({ events: [{ type: "sticker_search.result", outcome: "no_results", results: 0, latency_ms: 1 }] }, LIMITS));
  assert.equal(zero.events[0]?.type === "sticker_search.result" ? zero.events[0].fields.results : undefined, "le_0");
  const huge = decodeBatchBody(Buffer.from('{"events":[{"type":"ohttp.call","feature":"telemetry","status_class":"2xx","latency_ms":1,"retries":1e400}]}'));
  assert.ok(huge.ok);
  assert.deepEqual(ok(validateBatch(huge.value, LIMITS)).dropped, dropped({ out_of_range: 1 }));
});

test("each drop reason, counted per dropped field or event", () => {
  const cases: { name: string; event: unknown; dropped: Partial<Record<EventDropReason, number>>; kept: boolean }[] = [
    { name: "unknown type", event: { type: "chat.message", text: "hello" }, dropped: { unknown_type: 1 }, kept: false },
    { name: "undeclared fields (identifiers)", event: { ...START, device_id: "d-1", account_id: "a-1", session: 4 }, dropped: { undeclared_field: 3 }, kept: true },
    { name: "free text in an enum", event: { ...START, platform: "my phone, in Paris" }, dropped: { invalid_value: 1, missing_field: 1 }, kept: false },
    { name: "free text in an optional enum-like field", event: { ...CALL, retries: "twice" }, dropped: { invalid_type: 1 }, kept: true },
    { name: "enum value of the wrong case", event: { ...CALL, status_class: "2XX" }, dropped: { invalid_value: 1, missing_field: 1 }, kept: false },
    { name: "integer out of range", event: { ...CALL, retries: 4 }, dropped: { out_of_range: 1 }, kept: true },
    { name: "negative integer", event: { ...START, version_major: -1 }, dropped: { out_of_range: 1, missing_field: 1 }, kept: false },
    { name: "fraction where an integer is declared", event: { ...CALL, retries: 1.5 }, dropped: { invalid_value: 1 }, kept: true },
    { name: "number as a string", event: { ...CALL, latency_ms: "12" }, dropped: { invalid_type: 1, missing_field: 1 }, kept: false },
    { name: "bool as a string", event: { ...START, cold: "true" }, dropped: { invalid_type: 1 }, kept: true },
    { name: "null value", event: { ...START, cold: null }, dropped: { invalid_type: 1 }, kept: true },
    { name: "nested object value", event: { ...START, cold: { nested: true } }, dropped: { invalid_type: 1 }, kept: true },
    { name: "array value", event: { ...START, platform: ["ios"] }, dropped: { invalid_type: 1, missing_field: 1 }, kept: false },
    { name: "missing required field", event: { type: "app.start", platform: "ios" }, dropped: { missing_field: 1 }, kept: false },
    { name: "missing type", event: { platform: "ios", version_major: 7 }, dropped: { missing_field: 1 }, kept: false },
    { name: "type not a string", event: { ...START, type: 3 }, dropped: { invalid_type: 1 }, kept: false },
    { name: "event not an object", event: "app.start", dropped: { invalid_type: 1 }, kept: false },
    { name: "event is null", event: null, dropped: { invalid_type: 1 }, kept: false },
    { name: "event is an array", event: [START], dropped: { invalid_type: 1 }, kept: false },
  ];
  for (const c of cases) {
    const result = ok(validateBatch({ events: [c.event] }, LIMITS));
    assert.deepEqual(result.dropped, dropped(c.dropped), c.name);
    assert.equal(result.events.length, c.kept ? 1 : 0, c.name);
  }
});

test("dropped values appear nowhere in the result", () => {
  const canaries = ["canary-device-5b1e", "canary-account-77aa", "canary free text 9d2f", "canary-type-c0de", "canary-key-f00d"];
  const [device, account, text, type, key] = canaries;
  const result = ok(
    validateBatch(
      {
        device_id: device,
        events: [
          { ...START, device_id: device, account_id: account, [key ?? ""]: 1 },
          { ...CALL, status_class: text },
          { type, platform: "ios" },
          { ...CALL, latency_ms: 1234.5678 },
        ],
      },
      LIMITS,
    ),
  );
  assert.deepEqual(result.dropped, dropped({ undeclared_field: 4, invalid_value: 1, missing_field: 1, unknown_type: 1 }));
  const text2 = JSON.stringify(result);
  for (const c of [...canaries, "1234.5678"]) assert.ok(!text2.includes(c), c);
});

test("prototype-named keys are not declared: no type, field or value is taken from Object.prototype", () => {
  for (const type of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
    const parsed = decodeBatchBody(Buffer.from(`{"events":[{"type":"${type}","platform":"ios"}]}`));
    assert.ok(parsed.ok);
    assert.deepEqual(ok(validateBatch(parsed.value, LIMITS)).dropped, dropped({ unknown_type: 1 }), type);
    assert.equal(eventSchema(type), undefined);
  }
  const parsed = decodeBatchBody(Buffer.from('{"__proto__":{"events":[1]},"events":[{"type":"app.start","platform":"ios","version_major":1,"__proto__":{"cold":true},"constructor":1}]}'));
  assert.ok(parsed.ok);
  const result = ok(validateBatch(parsed.value, LIMITS));
  assert.deepEqual(result.dropped, dropped({ undeclared_field: 3 }));
  assert.deepEqual(result.events, [{ type: "app.start", fields: { platform: "ios", version_major: 1 } }]);
});

test("refused batches: not an object, no events array, empty, too many", () => {
  const cases: [unknown, BatchErrorCode][] = [
    [null, BatchErrorCode.NotObject],
    [[START], BatchErrorCode.NotObject],
    ["events", BatchErrorCode.NotObject],
    [42, BatchErrorCode.NotObject],
    [{}, BatchErrorCode.EventsNotArray],
    [{ events: START }, BatchErrorCode.EventsNotArray],
    [{ events: "[]" }, BatchErrorCode.EventsNotArray],
    [{ events: [] }, BatchErrorCode.EmptyBatch],
    [{ events: Array.from({ length: 11 }, () => START) }, BatchErrorCode.TooManyEvents],
  ];
  for (const [batch, error] of cases) assert.deepEqual(validateBatch(batch, LIMITS), { ok: false, error }, JSON.stringify(batch).slice(0, 40));
  assert.equal(ok(validateBatch({ events: Array.from({ length: 10 }, () => START) }, LIMITS)).events.length, 10);
});

test("decodeBatchBody: UTF-8 JSON, nesting and string length", () => {
  const decode = (text: string | Uint8Array) => decodeBatchBody(typeof text === "string" ? Buffer.from(text) : text);
  assert.deepEqual(decode("{"), { ok: false, error: BatchErrorCode.MalformedJson });
  assert.deepEqual(decode(""), { ok: false, error: BatchErrorCode.MalformedJson });
  assert.deepEqual(decode('{"events":[]} x'), { ok: false, error: BatchErrorCode.MalformedJson });
  assert.deepEqual(decode(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), { ok: false, error: BatchErrorCode.MalformedJson }, "invalid UTF-8");
  assert.deepEqual(decode(new Uint8Array([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d])), { ok: false, error: BatchErrorCode.MalformedJson }, "a UTF-8 surrogate");
  const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
  assert.deepEqual(decode(nested(MAX_DEPTH + 1)), { ok: false, error: BatchErrorCode.TooDeep });
  assert.deepEqual(decode(nested(100_000)), { ok: false, error: BatchErrorCode.TooDeep });
  assert.equal(decode(nested(MAX_DEPTH)).ok, true);
  assert.equal(decode(`{"events":[{"type":"app.start","cold":{"a":1}}]}`).ok, true, "a nested value at the 4th level is a field for validation");
  assert.deepEqual(decode(`{"events":[{"type":"app.start","cold":{"a":[1]}}]}`), { ok: false, error: BatchErrorCode.TooDeep });
  // Brackets and escaped quotes inside strings are not nesting.
  assert.equal(decode(`{"events":[{"type":"[[[[[[\\"{{{{{{"}]}`).ok, true);
  const long = "x".repeat(MAX_STRING_LENGTH + 1);
  assert.deepEqual(decode(JSON.stringify({ events: [{ ...START, note: long }] })), { ok: false, error: BatchErrorCode.StringTooLong });
  assert.deepEqual(decode(JSON.stringify({ events: [{ ...START, [long]: 1 }] })), { ok: false, error: BatchErrorCode.StringTooLong }, "a long key");
  assert.deepEqual(decode(JSON.stringify({ [long]: 1, events: [] })), { ok: false, error: BatchErrorCode.StringTooLong });
  assert.equal(decode(JSON.stringify({ events: [{ ...START, note: "x".repeat(MAX_STRING_LENGTH) }] })).ok, true);
  // Escapes count as the characters they stand for.
  assert.equal(decode(`{"events":[{"type":"${"\\u0041".repeat(MAX_STRING_LENGTH)}"}]}`).ok, true);
  const bom = decode(new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('{"events":[1]}')]));
  assert.equal(bom.ok, true, "a byte order mark is ignored (RFC 8259 §8.1)");
});

function isAllowed(spec: FieldSchema, value: unknown): boolean {
  return fieldLabels(spec).includes(String(value));
}

const jsonValue = fc.jsonValue({ maxDepth: 4 });
/** Events that look like the real ones: declared types and names mixed with junk. */
const eventLike = fc.dictionary(
  fc.oneof(fc.constantFrom("type", "platform", "version_major", "cold", "outcome", "results", "latency_ms", "feature", "status_class", "retries", "event", "batch"), fc.string()),
  fc.oneof(
    fc.constantFrom(...Object.keys(EVENT_SCHEMAS), "ios", "2xx", "topup", "results", "telemetry", true, false, 0, 3, 25, 30_000),
    fc.integer({ min: -10, max: 100_000 }),
    fc.double(),
    jsonValue,
  ),
);

test("property: any decoded value gives a result, never an exception; every kept value is a member of its declared set", () => {
  fc.assert(
    fc.property(fc.oneof(jsonValue, fc.record({ events: fc.array(fc.oneof(eventLike, jsonValue), { maxLength: 15 }) })), (batch) => {
      const result = validateBatch(batch, LIMITS);
      if (!result.ok) return;
      assert.ok(result.events.length <= result.received);
      for (const event of result.events) {
        const schema = eventSchema(event.type);
        assert.ok(schema);
        for (const [name, value] of Object.entries(event.fields)) {
          const spec = schema.fields[name];
          assert.ok(spec, `undeclared ${name} kept`);
          assert.ok(isAllowed(spec, value), `${event.type}.${name}=${String(value)}`);
        }
        for (const [name, spec] of Object.entries(schema.fields)) if (spec.required) assert.ok(Object.hasOwn(event.fields, name));
      }
    }),
    { numRuns: 2000 },
  );
});

test("property: decodeBatchBody takes any bytes and any JSON text without throwing", () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.json({ maxDepth: 8 }).map((s) => new Uint8Array(Buffer.from(s)))), (bytes) => {
      const decoded = decodeBatchBody(bytes);
      if (decoded.ok) validateBatch(decoded.value, LIMITS);
    }),
    { numRuns: 2000 },
  );
});

test("README: the schema table is the catalogue's own (schemaTable())", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const begin = "<!-- schemas:begin (generated by schemaTable(), checked by test/validate.test.ts) -->\n";
  const end = "\n<!-- schemas:end -->";
  const start = readme.indexOf(begin);
  const stop = readme.indexOf(end);
  assert.ok(start !== -1 && stop > start, "README.md has the schema markers");
  assert.equal(readme.slice(start + begin.length, stop), schemaTable(), `README schema table is stale; it should be:\n${schemaTable()}`);
});
