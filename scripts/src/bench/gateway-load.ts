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
 * gateway on a fast minute of the machine busy, which leaves the gateway's rate per CPU-second
 * measured off saturation (docs/decisions/0015-benchmark-method.md).
 *
 * The gateway's own CPU time over the measured window is read from /proc/PID/stat, so the result
 * also gives requests per CPU-second of the gateway's one core: its capacity on that core, which
 * is what to compare with the raw HPKE rate when the generator cannot keep the core busy.
 *
 * Several gateways at once (gateway-ab.ts): each further group of four arguments names one more
 * gateway, with its own target stub and the same concurrency. They are loaded at the same time,
 * so that the machine's drift from minute to minute hits all of them alike (0015); the
 * result then lists one entry per gateway, in argument order.
 *
 * argv: gatewayUrl keysUrl targetPort durationMs concurrency gatewayPid [gatewayUrl keysUrl targetPort gatewayPid]...
 */
import { createServer, type Server, type Socket } from "node:net";
import { encodeRequest, decodeResponse } from "@oblivious/bhttp";
import { decodeKeyConfigs, encapsulateRequest, type ClientResponseContext, type KeyConfig } from "@oblivious/ohttp";
import { Http1Client } from "@oblivious/http1";
import { cpuSeconds } from "./proc-cpu.js";

const [gatewayUrl = "", keysUrl = "", targetPortText = "0", durationText = "8000", concurrencyText = "32", gatewayPid = "", ...more] = process.argv.slice(2);
const durationMs = Number(durationText);
const concurrency = Number(concurrencyText);

const body = Buffer.from(JSON.stringify({ ok: true, items: [1, 2, 3] }));
const canned = Buffer.concat([
  Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nkeep-alive: timeout=60\r\n\r\n`),
  body,
]);

/**
 * The target a gateway forwards to. It is not what is measured, and it shares its core with the
 * client, so it is a bare HTTP/1.1 responder on node:net rather than a node:http server (whose
 * per-request cost the generator would pay, docs/decisions/0002-http1-stack.md): it reads each request's head and any declared
 * body, and answers with one canned response.
 */
const targetSockets = new Set<Socket>();
async function startTarget(port: number): Promise<Server> {
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
  await new Promise<void>((r) => target.listen(port, "127.0.0.1", r));
  return target;
}

/** One gateway under load. */
interface Subject {
  readonly url: URL;
  readonly pid: string;
  readonly config: KeyConfig;
  readonly client: Http1Client;
  readonly target: Server;
}

async function subject(gateway: string, keys: string, targetPort: string, pid: string): Promise<Subject> {
  const target = await startTarget(Number(targetPort));
  const config = decodeKeyConfigs(new Uint8Array(await (await fetch(keys)).arrayBuffer()))[0];
  if (config === undefined) throw new Error(`${gateway}: no key configuration published`);
  const url = new URL(gateway);
  const client = new Http1Client(new URL(url.origin), { connections: Math.min(concurrency, 16), maxResponseBytes: 1 << 20 });
  return { url, pid, config, client, target };
}

const groups: [string, string, string, string][] = [[gatewayUrl, keysUrl, targetPortText, gatewayPid]];
for (let i = 0; i + 3 < more.length; i += 4) groups.push(more.slice(i, i + 4) as [string, string, string, string]);
const subjects = await Promise.all(groups.map((g) => subject(...g)));

interface Prepared {
  readonly bytes: Uint8Array;
  readonly context: ClientResponseContext;
}
function prepare(s: Subject, n: number): Prepared[] {
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
    const { encapsulatedRequest, context } = encapsulateRequest(s.config, inner);
    out.push({ bytes: encapsulatedRequest, context });
  }
  return out;
}

// A request that gets no answer stalls its loop; the whole run gives up after 120 s per gateway.
setTimeout(() => {
  process.stderr.write("gateway load: gave up\n");
  process.exit(2);
}, 120_000 * subjects.length).unref();

const REQUEST_FIELDS = ["content-type", "message/ohttp-req"];

function one(s: Subject, p: Prepared): Promise<number> {
  return new Promise((resolve, reject) => {
    s.client.request({ method: "POST", path: s.url.pathname, headers: REQUEST_FIELDS, body: p.bytes }, (result) => {
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

interface Outcome {
  readonly ok: number;
  readonly errors: Record<string, number>;
  readonly seconds: number;
}

/** Every gateway at `concurrency` requests in flight, until the deadline or its prepared requests run out. */
async function run(prepared: readonly Prepared[][], forMs: number): Promise<Outcome[]> {
  const start = performance.now();
  const deadline = start + forMs;
  const loads = subjects.map(async (s, k): Promise<Outcome> => {
    const list = prepared[k] ?? [];
    let next = 0;
    let ok = 0;
    const errors: Record<string, number> = {};
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline && next < list.length) {
        const p = list[next++] as Prepared;
        try {
          const status = await one(s, p);
          if (status === 200) ok++;
          else errors[String(status)] = (errors[String(status)] ?? 0) + 1;
        } catch {
          errors["transport"] = (errors["transport"] ?? 0) + 1;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { ok, errors, seconds: (performance.now() - start) / 1000 };
  });
  return Promise.all(loads);
}

// Warm up (JIT, connections, the gateways' caches) and estimate the rates to size the real run.
const progress = (text: string): boolean => process.stderr.write(`  gateway load: ${text}\n`);
progress("warming up");
const warm = await run(
  subjects.map((s) => prepare(s, Math.ceil(6000 / subjects.length))),
  2000,
);
const sizes = warm.map((w) => Math.ceil((w.ok / w.seconds) * 2.5 * (durationMs / 1000)) + 5000);
progress(`preparing ${sizes.join(" + ")} encapsulated requests`);
const t0 = performance.now();
const prepared = subjects.map((s, k) => prepare(s, sizes[k] ?? 0));
const prepareSeconds = (performance.now() - t0) / 1000;
// Preparing held the event loop for longer than a gateway keeps an idle connection: let the
// client see those closes before the clock starts, rather than count them as failed requests.
await new Promise((resolve) => setTimeout(resolve, 200));
progress(`measuring for ${durationMs} ms`);
const cpuBefore = subjects.map((s) => cpuSeconds(s.pid));
const measured = await run(prepared, durationMs);
const gatewayCpu = subjects.map((s, k) => cpuSeconds(s.pid) - (cpuBefore[k] ?? 0));
const clientCpuPerRequestUs = (prepareSeconds / sizes.reduce((a, b) => a + b, 0)) * 1e6;

const results = measured.map((m, k) => {
  // Running out of prepared requests only shortens the measured window; the rate stays valid.
  if (m.seconds < Math.min(1, durationMs / 1000)) throw new Error("the measured window was too short");
  const cpu = gatewayCpu[k] ?? 0;
  return {
    requestsPerSecond: m.ok / m.seconds,
    gatewayCoreUtilization: cpu / m.seconds,
    requestsPerGatewayCpuSecond: m.ok / cpu,
    gatewayCpuUsPerRequest: (cpu / m.ok) * 1e6,
    ok: m.ok,
    errors: m.errors,
    seconds: m.seconds,
    concurrency,
    generatorPrepareUsPerRequest: clientCpuPerRequestUs,
  };
});
process.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : { subjects: results })}\n`);
for (const s of subjects) {
  s.client.close();
  // The gateway keeps its connections to the target alive; cut them, or they keep this process up.
  s.target.close();
}
for (const socket of targetSockets) socket.destroy();
