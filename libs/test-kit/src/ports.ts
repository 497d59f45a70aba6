import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { randomInt } from "node:crypto";

/**
 * Loopback ports that were free a moment ago: for a child process or a restart that needs a fixed
 * port, or for an address where nothing listens. A server of the test's own listens on port 0.
 *
 * They are drawn at random from below the kernel's ephemeral range, then checked by binding. A
 * port from `listen(0)` lies inside that range, where every outgoing connection and every other
 * `listen(0)` of the tests running beside this one draws its ports too: one of them can take the
 * port in the moment between the pick and the child binding it. CI saw that as a service's
 * `address_in_use` at start-up. Below the range only another explicit pick competes, one port in
 * about 22,000.
 */
export async function freePorts(count: number): Promise<number[]> {
  const [low, high] = candidateRange();
  const picked = new Set<number>();
  for (let attempt = 0; picked.size < count; attempt++) {
    if (attempt > 100 * count) throw new Error(`no free loopback port between ${low} and ${high}`);
    const port = randomInt(low, high + 1);
    if (!picked.has(port) && (await bindable(port))) picked.add(port);
  }
  return [...picked];
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error("no free loopback port");
  return port;
}

/** The lowest port drawn: above the ports local servers usually take (Redis's 6379, 8080...). */
const LOWEST = 10_000;
/** Linux's default ephemeral range, for a system that does not say (other kernels use 49152 up). */
const DEFAULT_EPHEMERAL_LOW = 32_768;

function candidateRange(): readonly [number, number] {
  let ephemeralLow = DEFAULT_EPHEMERAL_LOW;
  try {
    const [first] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/);
    const parsed = Number(first);
    if (Number.isInteger(parsed) && parsed > LOWEST + 1000) ephemeralLow = parsed;
  } catch {
    // Not Linux: its default range is the one to avoid.
  }
  return [LOWEST, ephemeralLow - 1];
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}
