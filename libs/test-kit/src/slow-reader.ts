import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";

/** The memory a probed process reports after two full garbage collections, in bytes. */
export interface ProbedMemory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
}

export interface ProbedProcess {
  readonly port: number;
  readonly adminPort: number;
  /** The resident set now, from /proc (no collection first). */
  rss(): number;
  /** Collects garbage in the process, then reports its memory (SIGUSR2 to a preloaded hook). */
  memory(): Promise<ProbedMemory>;
  stop(): Promise<void>;
}

// Test-only: makes the service collect garbage and print process.memoryUsage() on SIGUSR2.
const PROBE =
  'data:text/javascript,process.on("SIGUSR2",()=>{globalThis.gc();globalThis.gc();process.stderr.write("memory "+JSON.stringify(process.memoryUsage())+"\\n")})';

/**
 * Starts a service's process entry (`main`) as the project's start scripts do, with a probe for
 * its memory, and waits for its `service.listening` lines (public and admin ports).
 */
export async function spawnProbed(main: string, env: Readonly<Record<string, string>>): Promise<ProbedProcess> {
  const child = spawn(process.execPath, ["--expose-gc", "--import", PROBE, main], { env: { PATH: process.env["PATH"] ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const waiters: (() => void)[] = [];
  // Log lines are read as fast as they come (a slow reader would make the service buffer them),
  // and kept only until the ports are known.
  let listening = false;
  child.stdout.on("data", (c: Buffer) => {
    if (!listening) out += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    err += c.toString();
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const deadline = Date.now() + 15_000;
  let ports: { port: number; admin: boolean }[] = [];
  while (ports.length < 2) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`not listening: ${err}`);
    await new Promise((r) => setTimeout(r, 25));
    ports = out
      .split("\n")
      .filter((l) => l.includes('"service.listening"'))
      .map((l) => JSON.parse(l) as { port: number; admin: boolean });
  }
  listening = true;
  const pid = child.pid ?? 0;
  return {
    port: ports.find((p) => !p.admin)?.port ?? 0,
    adminPort: ports.find((p) => p.admin)?.port ?? 0,
    rss: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024,
    memory: async () => {
      const before = err.length;
      child.kill("SIGUSR2");
      for (let i = 0; i < 400; i++) {
        const line = /memory (\{.*\})\n/.exec(err.slice(before));
        if (line?.[1] !== undefined) return JSON.parse(line[1]) as ProbedMemory;
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      throw new Error("no memory report");
    },
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

export interface NonReader {
  readonly socket: Socket;
  /** Bytes the kernel took (written minus still queued in this process). */
  accepted(): number;
  /**
   * Whether the server cut the connection within `ms`. A client that does not read does not see
   * the server's close, so this writes a CRLF every 100 ms: on a cut connection, that write fails.
   */
  cutWithin(ms: number): Promise<boolean>;
}

/**
 * A client that pipelines `request` up to `totalBytes` and never reads an answer: it writes while
 * its socket drains, and stops at the total or when nothing drained for `stallMs`. `sample` is
 * called between writes (to watch the server's memory).
 */
export async function pipelineWithoutReading(port: number, request: Buffer, totalBytes: number, stallMs: number, sample: () => void = () => undefined): Promise<NonReader> {
  const socket = connect({ port, host: "127.0.0.1" });
  socket.pause();
  socket.on("error", () => undefined);
  await new Promise((r) => socket.once("connect", r));
  const batch = Buffer.concat(Array<Buffer>(Math.max(1, Math.floor(65_536 / request.length))).fill(request));
  let written = 0;
  let drained = true;
  socket.on("drain", () => (drained = true));
  let lastProgress = Date.now();
  while (written < totalBytes && Date.now() - lastProgress < stallMs && !socket.destroyed) {
    if (drained) {
      drained = socket.write(batch);
      written += batch.length;
      lastProgress = Date.now();
    } else {
      await new Promise((r) => setTimeout(r, 10));
    }
    sample();
  }
  const cutWithin = async (ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (!socket.destroyed && Date.now() < deadline) {
      socket.write("\r\n");
      await new Promise((r) => setTimeout(r, 100));
    }
    return socket.destroyed;
  };
  return { socket, accepted: () => socket.bytesWritten - socket.writableLength, cutWithin };
}
