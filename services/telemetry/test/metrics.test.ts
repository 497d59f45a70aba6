/**
 * Accepted events become aggregates on the registry: counts by type, counts by declared field
 * value, and a histogram per bucketed field whose buckets are the declared bounds and whose sum
 * is made of bounds, never of raw measurements.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { bucketMetricName, createTelemetryMetrics } from "../src/metrics.js";
import { EVENT_SCHEMAS, EVENT_TYPES, fieldLabels, type FieldSchema } from "../src/schemas.js";
import { metricValue, startTestTelemetry } from "./helpers.js";

test("three calls with latency 12, 48 and 700 ms land in le_25, le_50 and le_1000", async () => {
  const t = await startTestTelemetry();
  try {
    const call = (latency: number, status: string) => ({ type: "ohttp.call", feature: "sticker_search", status_class: status, latency_ms: latency });
    const answer = await t.send({ events: [call(12, "2xx"), call(48, "2xx"), call(700, "timeout")] });
    assert.deepEqual(answer.json()["accepted"], 3);
    const m = await t.metrics();
    const value = (field: string, v: string) => metricValue(m, `telemetry_event_values_total{type="ohttp.call",field="${field}",value="${v}"}`);
    assert.equal(metricValue(m, 'telemetry_events_total{type="ohttp.call"}'), 3);
    assert.equal(value("latency_ms", "le_25"), 1);
    assert.equal(value("latency_ms", "le_50"), 1);
    assert.equal(value("latency_ms", "le_100"), 0);
    assert.equal(value("latency_ms", "le_1000"), 1);
    assert.equal(value("status_class", "2xx"), 2);
    assert.equal(value("status_class", "timeout"), 1);
    assert.equal(value("feature", "sticker_search"), 3);
    assert.equal(value("retries", "0"), 0, "an optional field not sent is not counted");

    const h = bucketMetricName("ohttp.call", "latency_ms");
    assert.equal(h, "telemetry_ohttp_call_latency_ms");
    const bucket = (le: string) => metricValue(m, `${h}_bucket{le="${le}"}`);
    assert.equal(bucket("25"), 1);
    assert.equal(bucket("50"), 2);
    assert.equal(bucket("500"), 2);
    assert.equal(bucket("1000"), 3);
    assert.equal(bucket("+Inf"), 3);
    assert.equal(metricValue(m, `${h}_count`), 3);
    assert.equal(metricValue(m, `${h}_sum`), 25 + 50 + 1000, "the sum is of bucket bounds, not of 12 + 48 + 700");
  } finally {
    await t.stop();
  }
});

test("every declared series exists from the start at 0, and no other telemetry_ label value can appear", async () => {
  const registry = new Registry();
  const metrics = createTelemetryMetrics(registry);
  const json = await registry.getMetricsAsJSON();
  const values = json.find((m) => m.name === "telemetry_event_values_total");
  assert.ok(values);
  let expected = 0;
  for (const type of EVENT_TYPES) {
    for (const spec of Object.values<FieldSchema>(EVENT_SCHEMAS[type].fields)) expected += fieldLabels(spec).length;
  }
  assert.equal(values.values.length, expected);
  assert.ok(values.values.every((v) => v.value === 0));
  // The recorder only takes validated events; even so, a label is never invented for a bucket
  // histogram from a value outside the declared bounds.
  metrics.accepted([{ type: "token.wallet", fields: { event: "topup", batch: "le_20" } }]);
  const text = await registry.metrics();
  assert.equal(metricValue(text, 'telemetry_token_wallet_batch_bucket{le="20"}'), 1);
  assert.equal(metricValue(text, 'telemetry_token_wallet_batch_bucket{le="10"}'), 0);
});
