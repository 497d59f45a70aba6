/**
 * The README's first command: `npm start` brings the stack up, prints its URLs, serves a real
 * OHTTP exchange through relay and gateway, and stops cleanly on Ctrl-C (SIGINT). Ports are moved
 * to free ones so the test cannot collide with a stack a developer is running.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "@oblivious/scripts/stack";
import { fetchBytes, innerRequest, post, seal } from "./harness.js";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

test("npm start: the stack starts, serves an OHTTP exchange and stops on SIGINT", { timeout: 60_000 }, async () => {
  const ports = { RELAY_PORT: await freePort(), RELAY_ADMIN_PORT: await freePort(), GATEWAY_PORT: await freePort(), GATEWAY_ADMIN_PORT: await freePort() };
  const keysDir = mkdtempSync(join(tmpdir(), "start-test-"));
  const child = spawn(process.execPath, [join(ROOT, "scripts/dist/start.js")], {
    env: { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), START_DEV_DIR: keysDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  try {
    const deadline = Date.now() + 40_000;
    while (!stderr.includes("The stack is ready") && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    assert.match(stderr, /The stack is ready/, stderr);
    assert.match(stderr, new RegExp(`relay\\s+http://127\\.0\\.0\\.1:${ports.RELAY_PORT}`));
    assert.match(stderr, new RegExp(`gateway\\s+http://127\\.0\\.0\\.1:${ports.GATEWAY_PORT}`));

    const relayUrl = `http://127.0.0.1:${ports.RELAY_PORT}`;
    const keys = await fetchBytes(`${relayUrl}/ohttp-keys`);
    // No backend runs in this stack yet: the gateway answers, inside the encryption, that the
    // allow-listed target could not be reached (502). That is a full round trip.
    const exchange = seal(keys, { ...innerRequest("/v1/search"), authority: "sticker-search.internal" });
    const answer = await post(`${relayUrl}/relay`, exchange.encapsulatedRequest, { "content-type": "message/ohttp-req" });
    assert.equal(answer.status, 200);
    const inner = exchange.open(new Uint8Array(answer.body));
    assert.equal(inner.status, 502);
  } finally {
    child.kill("SIGINT");
  }
  assert.equal(await exited, 0, "Ctrl-C stops the stack cleanly");
});
