import { test } from "node:test";
import { spawn } from "node:child_process";
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
  assert.deepEqual(log.dropped, { undeclared_event: 1, undeclared_field: 1, invalid_value: 3, backlog: 0 });
  assert.equal(drops.length, 5);
  assert.equal(out.lines.length, 1, "the declared event is still logged, without the bad fields");
});

test("log: stdout that nobody reads holds at most LOG_BACKLOG_BYTES; later lines are dropped and counted", async () => {
  // A child logs 40,000 lines (about 6 MB) to a pipe this process never reads (the pipe holds 64 KiB).
  const kit = new URL("../src/index.js", import.meta.url).href;
  const script = `
    import { createLogger, defineEvents, field, LOG_BACKLOG_BYTES } from ${JSON.stringify(kit)};
    const events = defineEvents({ "demo.done": { level: "info", fields: { outcome: field.enum("ok", "failed"), count: field.int(0, 1000000) } } });
    const log = createLogger({ service: "demo", events });
    globalThis.gc();
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 40000; i++) log.event("demo.done", { outcome: "ok", count: i });
    await new Promise((r) => setTimeout(r, 300));
    globalThis.gc();
    const grown = process.memoryUsage().arrayBuffers - before;
    process.stderr.write(JSON.stringify({ dropped: log.dropped.backlog, grown, bound: LOG_BACKLOG_BYTES }) + "\\n");
    setInterval(() => {}, 1000); // the parent kills it: an exit would wait on the full pipe
  `;
  const child = spawn(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pause(); // never read: the pipe fills and stays full
  let stderr = "";
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no report within 60 s: ${stderr}`)), 60_000);
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("\n")) {
        clearTimeout(timer);
        resolve();
      }
    });
  }).finally(() => child.kill("SIGKILL"));
  await exited;
  child.stdout.destroy();
  const report = JSON.parse(stderr.trim().split("\n").at(-1) ?? "{}") as { dropped: number; grown: number; bound: number };
  assert.ok(report.dropped > 20_000, `most lines dropped: ${stderr}`);
  assert.ok(report.grown <= report.bound + 256 * 1024, `buffered memory stays within the backlog bound: ${stderr}`);
});
