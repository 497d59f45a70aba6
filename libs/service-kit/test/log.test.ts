import { test } from "node:test";
import assert from "node:assert/strict";
import { LineCapture } from "@oblivious/test-kit";
import { createLogger, defineEvents, field, type Logger } from "../src/index.js";

const events = defineEvents({
  "demo.done": { level: "info", fields: { outcome: field.enum("ok", "failed"), count: field.int(0, 10), ms: field.duration(), cached: field.bool() } },
});

test("log: a declared event is one JSON line with service, level, time and its fields", () => {
  const out = new LineCapture();
  const log = createLogger({ service: "demo", events, destination: out });
  log.event("demo.done", { outcome: "ok", count: 3, ms: 1.23456789, cached: false });
  assert.equal(out.lines.length, 1);
  const r = out.records[0];
  assert.equal(r?.["service"], "demo");
  assert.equal(r?.["level"], "info");
  assert.equal(r?.["event"], "demo.done");
  assert.equal(r?.["outcome"], "ok");
  assert.equal(r?.["count"], 3);
  assert.equal(r?.["ms"], 1.235);
  assert.equal(r?.["cached"], false);
  assert.match(String(r?.["time"]), /^\d{4}-\d\d-\d\dT/);
});

test("log: undeclared fields, free text and out-of-range values are dropped and counted", () => {
  const out = new LineCapture();
  const drops: string[] = [];
  const log = createLogger({ service: "demo", events, destination: out, onDrop: (r) => drops.push(r) });
  const canary = "canary-query-7f3a9c";
  // A cast stands for JavaScript callers or a careless `as`: the compiler would refuse these.
  const loose = log as unknown as Logger<Record<string, { level: "info"; fields: Record<string, never> }>>;
  loose.event("demo.done", { outcome: canary, count: 11, query: canary, ms: -1 } as never);
  loose.event("not.declared", { query: canary } as never);
  assert.doesNotMatch(out.text, new RegExp(canary));
  assert.deepEqual(log.dropped, { undeclared_event: 1, undeclared_field: 1, invalid_value: 3 });
  assert.equal(drops.length, 5);
  assert.equal(out.lines.length, 1, "the declared event is still logged, without the bad fields");
});
