import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { startFailure } from "../src/process.js";

const INDEX = new URL("../src/index.js", import.meta.url).href;

/** Runs a process entry built with runProcess; `start` is the body of its start function. */
function run(load: string, start: string): { status: number | null; events: string[]; stderr: string } {
  const script = `import { runProcess, ConfigError } from ${JSON.stringify(INDEX)};
await runProcess({ service: "demo", load: () => { ${load} }, start: async () => { ${start} }, invalidData: (e) => e instanceof TypeError });`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "" } });
  const events = r.stdout
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => (JSON.parse(l) as { event: string }).event);
  return { status: r.status, events, stderr: r.stderr };
}

test("runProcess: a ConfigError is one declared event and one line naming the variable, never the value; exit 1", () => {
  const r = run(`throw new ConfigError([{ variable: "DEMO_PORT", reason: "must be a port" }]);`, "");
  assert.equal(r.status, 1);
  assert.deepEqual(r.events, ["config.invalid"]);
  assert.match(r.stderr, /^demo: .*DEMO_PORT.*must be a port\n$/);
});

test("runProcess: a start-up failure is logged with a reason from a closed set; its message is printed only for the service's own data", () => {
  const inUse = run("return {};", `throw Object.assign(new Error("listen EADDRINUSE: 127.0.0.1:8080 canary"), { code: "EADDRINUSE" });`);
  assert.equal(inUse.status, 1);
  assert.deepEqual(inUse.events, ["service.start_failed"]);
  assert.equal(inUse.stderr, "demo: start-up failed (address_in_use)\n");
  const data = run("return {};", `throw new TypeError("catalogue: sticker 3 has no emoji");`);
  assert.equal(data.stderr, "demo: start-up failed (invalid_data): catalogue: sticker 3 has no emoji\n");
});

test("startFailure: error codes to reasons", () => {
  const withCode = (code: string): Error => Object.assign(new Error("x"), { code });
  assert.equal(startFailure(withCode("EADDRINUSE")), "address_in_use");
  assert.equal(startFailure(withCode("EADDRNOTAVAIL")), "address_not_available");
  assert.equal(startFailure(withCode("EACCES")), "permission");
  assert.equal(startFailure(withCode("EPERM")), "permission");
  assert.equal(startFailure(new Error("x")), "other");
  assert.equal(startFailure("not even an error"), "other");
});
