import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { freePort, freePorts } from "../src/index.js";

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

test("freePorts: distinct ports below the kernel's ephemeral range, each one bindable", async () => {
  const ephemeralLow = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
  const ports = await freePorts(40);
  assert.equal(new Set(ports).size, 40);
  for (const port of ports) assert.ok(port >= 10_000 && port < ephemeralLow, `${port} outside [10000, ${ephemeralLow})`);
  const servers = await Promise.all(ports.map(listen));
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

test("freePort never returns a port something listens on", async () => {
  // Hold many candidates: a pick among them would fail to bind and must be skipped.
  const held = await Promise.all((await freePorts(200)).map(listen));
  try {
    const taken = new Set(held.map((s) => (s.address() as { port: number }).port));
    for (let i = 0; i < 50; i++) {
      const port = await freePort();
      assert.ok(!taken.has(port), `${port} is held`);
    }
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
});
