/**
 * `POST /v1/events` over HTTP with genuine tokens: every kind of bad batch gets its own 4xx
 * problem, dropped fields are counted by reason in the answer and in the metric, and fuzzed
 * batches never get a 5xx.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import fc from "fast-check";
import { PROBLEM_MEDIA_TYPE } from "@oblivious/service-kit";
import { TELEMETRY_PROBLEMS, type TelemetryError } from "../src/errors.js";
import { EVENT_DROP_REASONS, MAX_STRING_LENGTH } from "../src/validate.js";
import { metricValue, startTestTelemetry, type TestTelemetry } from "./helpers.js";

let t: TestTelemetry;
before(async () => {
  t = await startTestTelemetry({ TELEMETRY_MAX_BATCH: "5", TELEMETRY_MAX_BODY: "2048" });
});
after(async () => {
  await t.stop();
});

const START = { type: "app.start", platform: "android", version_major: 12 };

test("each kind of bad batch gets its own 4xx problem, counted by outcome", async () => {
  const cases: { name: string; body: string | Uint8Array; contentType?: string | null; error: TelemetryError }[] = [
    { name: "text/plain", body: JSON.stringify({ events: [START] }), contentType: "text/plain", error: "unsupported_media_type" },
    { name: "form", body: "events=1", contentType: "application/x-www-form-urlencoded", error: "unsupported_media_type" },
    { name: "no content type", body: JSON.stringify({ events: [START] }), contentType: null, error: "unsupported_media_type" },
    { name: "body too large", body: JSON.stringify({ events: [START], pad: "x".repeat(3000) }), error: "too_large" },
    { name: "not JSON", body: "events: [app.start]", error: "malformed_json" },
    { name: "truncated JSON", body: '{"events":[{"type":"app.start"', error: "malformed_json" },
    { name: "invalid UTF-8", body: new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]), error: "malformed_json" },
    { name: "empty body", body: "", error: "malformed_json" },
    { name: "too deep", body: JSON.stringify({ events: [{ ...START, cold: [[true]] }] }), error: "too_deep" },
    { name: "huge string", body: JSON.stringify({ events: [{ ...START, note: "y".repeat(MAX_STRING_LENGTH + 1) }] }), error: "string_too_long" },
    { name: "not an object", body: JSON.stringify([START]), error: "not_object" },
    { name: "a bare string", body: '"app.start"', error: "not_object" },
    { name: "null", body: "null", error: "not_object" },
    { name: "events missing", body: JSON.stringify({ event: START }), error: "events_not_array" },
    { name: "events not an array", body: JSON.stringify({ events: START }), error: "events_not_array" },
    { name: "empty batch", body: JSON.stringify({ events: [] }), error: "empty_batch" },
    { name: "too many events", body: JSON.stringify({ events: Array.from({ length: 6 }, () => START) }), error: "too_many_events" },
  ];
  const types = new Set<string>();
  const before = await t.metrics();
  for (const c of cases) {
    const answer = await t.post(c.body, c.contentType === undefined ? {} : { contentType: c.contentType });
    const problem = TELEMETRY_PROBLEMS[c.error];
    assert.equal(answer.status, problem.status, c.name);
    assert.ok(answer.status >= 400 && answer.status < 500, c.name);
    assert.equal(answer.headers.get("content-type"), PROBLEM_MEDIA_TYPE, c.name);
    assert.equal(answer.headers.get("cache-control"), "no-store", c.name);
    assert.deepEqual(answer.json(), problem, c.name);
    types.add(problem.type);
  }
  assert.equal(types.size, new Set(cases.map((c) => c.error)).size, "one problem type per kind");
  assert.deepEqual(new Set(cases.map((c) => TELEMETRY_PROBLEMS[c.error].status)), new Set([400, 413, 415, 422]));
  const after = await t.metrics();
  for (const error of new Set(cases.map((c) => c.error))) {
    const series = `telemetry_batches_total{outcome="${error}"}`;
    const delta = (metricValue(after, series) ?? 0) - (metricValue(before, series) ?? 0);
    assert.equal(delta, cases.filter((c) => c.error === error).length, series);
  }
});

test("a declared Content-Length over the limit is refused before the body is read", async () => {
  const answer = await t.post(new Uint8Array(10_000).fill(0x20));
  assert.equal(answer.status, 413);
  assert.deepEqual(answer.json(), TELEMETRY_PROBLEMS.too_large);
});

test("a chunked body (no Content-Length) is cut off at the limit: 413", async () => {
  const token = await t.token();
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${t.service.url}/v1/events`, { method: "POST", headers: { "content-type": "application/json", authorization: token.header } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.write('{"events":[');
    for (let i = 0; i < 40; i++) req.write(`${JSON.stringify(START)},`);
    req.end(`${JSON.stringify(START)}]}`);
  });
  assert.equal(answer.status, 413);
  assert.deepEqual(JSON.parse(answer.body), TELEMETRY_PROBLEMS.too_large);
});

test("application/json with parameters is accepted", async () => {
  const answer = await t.post(JSON.stringify({ events: [START] }), { contentType: "Application/JSON; charset=utf-8" });
  assert.equal(answer.status, 200);
});

test("dropped fields and events are counted by reason in the answer and in telemetry_dropped_total", async () => {
  const before = await t.metrics();
  const answer = await t.send({
    device_id: "d-42",
    events: [
      { ...START, cold: false, account_id: "a-1", location: "Paris" },
      { type: "ohttp.call", feature: "sticker_search", status_class: "gateway broke, see logs", latency_ms: 5 },
      { type: "ohttp.call", feature: "telemetry", status_class: "5xx", retries: 9, latency_ms: 60_000 },
      { type: "keyboard.typed", text: "hello" },
      { type: "token.wallet", event: "empty", batch: "ten" },
    ],
  });
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get("content-type"), "application/json");
  assert.equal(answer.headers.get("cache-control"), "no-store");
  const expected = { undeclared_field: 3, invalid_value: 1, out_of_range: 2, missing_field: 2, unknown_type: 1, invalid_type: 1 };
  assert.deepEqual(answer.json(), { accepted: 2, dropped: expected });
  const after = await t.metrics();
  for (const reason of EVENT_DROP_REASONS) {
    const series = `telemetry_dropped_total{reason="${reason}"}`;
    assert.equal((metricValue(after, series) ?? 0) - (metricValue(before, series) ?? 0), expected[reason], reason);
  }
  const events = (type: string, text: string) => metricValue(text, `telemetry_events_total{type="${type}"}`) ?? 0;
  assert.equal(events("app.start", after) - events("app.start", before), 1);
  assert.equal(events("token.wallet", after) - events("token.wallet", before), 1);
  assert.equal(events("ohttp.call", after) - events("ohttp.call", before), 0);
});

test("an all-dropped batch is still a 200 that says so", async () => {
  const answer = await t.send({ events: [{ type: "nope" }, 7] });
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.json(), { accepted: 0, dropped: { unknown_type: 1, undeclared_field: 0, invalid_type: 1, invalid_value: 0, out_of_range: 0, missing_field: 0 } });
});

test("other methods get 405 with Allow: POST; other paths 404; both problem+json", async () => {
  for (const method of ["GET", "PUT", "DELETE"]) {
    const res = await fetch(`${t.service.url}/v1/events`, { method });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get("allow"), "POST");
    assert.equal(res.headers.get("content-type"), PROBLEM_MEDIA_TYPE);
    await res.arrayBuffer();
  }
  const res = await fetch(`${t.service.url}/v1/search`, { method: "POST" });
  assert.equal(res.status, 404);
  assert.equal(res.headers.get("content-type"), PROBLEM_MEDIA_TYPE);
  await res.arrayBuffer();
});

test("fuzz: random bodies and content types, each with a genuine token, never get a 5xx", async () => {
  const near = fc.record({
    events: fc.array(
      fc.dictionary(
        fc.oneof(fc.constantFrom("type", "platform", "version_major", "cold", "latency_ms", "feature", "status_class"), fc.string({ maxLength: 8 })),
        fc.oneof(fc.constantFrom("app.start", "ohttp.call", "ios", "2xx", true, 12, -1, 1e308), fc.jsonValue({ maxDepth: 2 })),
      ),
      { maxLength: 7 },
    ),
  });
  const body = fc.oneof(
    near.map((b) => JSON.stringify(b)),
    fc.json({ maxDepth: 6 }),
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 300 }),
    fc.uint8Array({ minLength: 2049, maxLength: 3000 }),
  );
  const contentType = fc.constantFrom<string | null>("application/json", "application/json", "application/json; charset=utf-8", "text/plain", null);
  await fc.assert(
    fc.asyncProperty(body, contentType, async (b, ct) => {
      const answer = await t.post(b, { contentType: ct });
      assert.ok([200, 400, 413, 415, 422].includes(answer.status), `status ${answer.status}`);
      const type = answer.headers.get("content-type");
      assert.equal(type, answer.status === 200 ? "application/json" : PROBLEM_MEDIA_TYPE);
    }),
    { numRuns: 150 },
  );
  const metrics = await t.metrics();
  assert.match(metrics, /http_request_duration_seconds_count\{route="events",method="POST",status_class="2xx"\}/);
  assert.doesNotMatch(metrics, /status_class="5xx"/);
  assert.equal(t.out.events("error.unexpected").length, 0);
});
