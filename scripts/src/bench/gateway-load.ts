/**
 * Load on the gateway over real HTTP, from its own process (pinned to the other core by
 * `npm run bench`): a target stub the gateway forwards to, and a client that posts pre-built
 * encapsulated requests at a fixed concurrency and opens every answer.
 *
 * Every request needs a fresh HPKE encapsulation (the gateway refuses a repeated `enc`), and
 * building one costs about as much as the gateway's own work; so requests are built before the
 * clock starts, and the generator's own time per request is reported as its headroom.
 *
 * The client is service-kit's Http1Client (the one the gateway and relay use), not undici: this
 * process also opens every answer and serves the target, and with undici it could not keep a
 * gateway on a fast minute of this machine busy (about 90 % of its core at 8,000 requests a
 * second), which leaves the gateway's rate per CPU-second measured off saturation.
 *
 * The gateway's own CPU time over the measured window is read from /proc/PID/stat, so the result
 * also gives requests per CPU-second of the gateway's one core: its capacity on that core, which
 * is what to compare with the raw HPKE rate when the generator cannot keep the core busy.
 *
 * argv: gatewayUrl keysUrl targetPort durationMs concurrency gatewayPid
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { encodeRequest, decodeResponse } from "@oblivious/bhttp";
import { decodeKeyConfigs, encapsulateRequest, type ClientResponseContext } from "@oblivious/ohttp";
import { Http1Client } from "@oblivious/service-kit";

const [gatewayUrl = "", keysUrl = "", targetPortText = "0", durationText = "8000", concurrencyText = "32", gatewayPid = ""] = process.argv.slice(2);
const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

/** User + system CPU seconds the process has used (fields 14 and 15 of /proc/PID/stat). */
function cpuSeconds(pid: string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const durationMs = Number(durationText);
const concurrency = Number(concurrencyText);

const body = Buffer.from(JSON.stringify({ ok: true, items: [1, 2, 3] }));
const canned = Buffer.concat([
  Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nkeep-alive: timeout=60\r\n\r\n`),
  body,
]);

/**
 * The target the gateway forwards to. It is not what is measured, and it shares its core with the
 * client, so it is a bare HTTP/1.1 responder on node:net rather than a node:http server (which
 * would cost the generator ~40 µs a request): it reads each request's head and any declared
 * body, and answers with one canned response.
 */
const targetSockets = new Set<Socket>();
const target = createServer((socket) => {
  targetSockets.add(socket);
  socket.once("close", () => targetSockets.delete(socket));
  let pending: Buffer = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      const end = pending.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = pending.subarray(0, end).toString("latin1").toLowerCase();
      const length = /\r\ncontent-length:\s*(\d+)/.exec(head);
      const total = end + 4 + (length ? Number(length[1]) : 0);
      if (pending.length < total) return;
      pending = pending.subarray(total);
      socket.write(canned);
    }
  });
  socket.on("error", () => socket.destroy());
});
await new Promise<void>((r) => target.listen(Number(targetPortText), "127.0.0.1", r));

const config = decodeKeyConfigs(new Uint8Array(await (await fetch(keysUrl)).arrayBuffer()))[0];
if (config === undefined) throw new Error("gateway published no key configuration");

interface Prepared {
  readonly bytes: Uint8Array;
  readonly context: ClientResponseContext;
}
function prepare(n: number): Prepared[] {
  const out: Prepared[] = [];
  const date = new Date().toUTCString();
  for (let i = 0; i < n; i++) {
    const inner = encodeRequest({
      method: "GET",
      scheme: "https",
      authority: "bench-target.internal",
      path: `/v1/items?page=${i}`,
      headers: [["date", date]],
      content: new Uint8Array(0),
      trailers: [],
    });
    const { encapsulatedRequest, context } = encapsulateRequest(config as NonNullable<typeof config>, inner);
    out.push({ bytes: encapsulatedRequest, context });
  }
  return out;
}

const url = new URL(gatewayUrl);
const client = new Http1Client(new URL(url.origin), { connections: Math.min(concurrency, 16), maxResponseBytes: 1 << 20 });
// A request that gets no answer stalls its loop; the whole run gives up after 120 s.
setTimeout(() => {
  process.stderr.write("gateway load: gave up after 120 s\n");
  process.exit(2);
}, 120_000).unref();

const REQUEST_FIELDS = ["content-type", "message/ohttp-req"];

function one(p: Prepared): Promise<number> {
  return new Promise((resolve, reject) => {
    client.request({ method: "POST", path: url.pathname, headers: REQUEST_FIELDS, body: p.bytes }, (result) => {
      if (!result.ok) {
        reject(new Error(result.failure));
        return;
      }
      const { status, body: answer } = result.answer;
      if (status !== 200) {
        resolve(status);
        return;
      }
      try {
        const inner = decodeResponse(p.context.decapsulateResponse(answer));
        resolve(inner.status === 200 && Buffer.from(inner.content).equals(body) ? 200 : 1000 + inner.status);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

async function run(prepared: Prepared[], forMs: number): Promise<{ ok: number; errors: Record<string, number>; seconds: number; used: number }> {
  let next = 0;
  let ok = 0;
  const errors: Record<string, number> = {};
  const start = performance.now();
  const deadline = start + forMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline && next < prepared.length) {
      const p = prepared[next++] as Prepared;
      try {
        const status = await one(p);
        if (status === 200) ok++;
        else errors[String(status)] = (errors[String(status)] ?? 0) + 1;
      } catch {
        errors["transport"] = (errors["transport"] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ok, errors, seconds: (performance.now() - start) / 1000, used: next };
}

// Warm up (JIT, connections, the gateway's caches) and estimate the rate to size the real run.
const progress = (text: string): boolean => process.stderr.write(`  gateway load: ${text}\n`);
progress("warming up");
const warm = await run(prepare(6000), 2000);
const estimate = warm.ok / warm.seconds;
const n = Math.ceil(estimate * 2.5 * (durationMs / 1000)) + 5000;
progress(`preparing ${n} encapsulated requests`);
const t0 = performance.now();
const prepared = prepare(n);
const prepareSeconds = (performance.now() - t0) / 1000;
// Preparing held the event loop for longer than the gateway keeps an idle connection: let the
// client see those closes before the clock starts, rather than count them as failed requests.
await new Promise((resolve) => setTimeout(resolve, 200));
progress(`measuring for ${durationMs} ms`);
const cpuBefore = cpuSeconds(gatewayPid);
const measured = await run(prepared, durationMs);
const gatewayCpu = cpuSeconds(gatewayPid) - cpuBefore;
// Running out of prepared requests only shortens the measured window; the rate stays valid.
if (measured.seconds < Math.min(1, durationMs / 1000)) throw new Error("the measured window was too short");
const clientCpuPerRequestUs = (prepareSeconds / n) * 1e6;

process.stdout.write(
  `${JSON.stringify({
    requestsPerSecond: measured.ok / measured.seconds,
    gatewayCoreUtilization: gatewayCpu / measured.seconds,
    requestsPerGatewayCpuSecond: measured.ok / gatewayCpu,
    gatewayCpuUsPerRequest: (gatewayCpu / measured.ok) * 1e6,
    ok: measured.ok,
    errors: measured.errors,
    seconds: measured.seconds,
    concurrency,
    generatorPrepareUsPerRequest: clientCpuPerRequestUs,
  })}\n`,
);
client.close();
// The gateway keeps its connections to the target alive; cut them, or they keep this process up.
target.close();
for (const socket of targetSockets) socket.destroy();
