/**
 * A throwaway `redis-server` (it must be on the PATH) on a loopback port, with no persistence,
 * that a test kills and starts again on the same port: to a client that is an outage and then a
 * recovery at the same address, with every key lost.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { freePort } from "./ports.js";

const START_TIMEOUT_MS = 5000;
const PROBE_INTERVAL_MS = 50;

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Kills the server with SIGKILL, as a crash would, and resolves once it has exited. Does nothing when it is not running. */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves once it answers. */
  start(): Promise<void>;
}

/** Starts a server on `port` (a free one by default); resolves once it answers. */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  const at = port ?? (await freePort());
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    port: at,
    url: `redis://127.0.0.1:${at}`,
    async start() {
      if (child !== undefined) throw new Error(`redis-server on port ${at} is already running`);
      child = await spawnRedis(at);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running !== undefined) await kill(running);
    },
  };
  await server.start();
  return server;
}

async function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await answersAs(port, child))) {
    if (spawnError !== undefined || child.exitCode !== null || Date.now() > deadline) {
      await kill(child);
      throw new Error(`redis-server did not start on port ${port}${spawnError === undefined ? "" : `: ${spawnError.message}`}`);
    }
    await delay(PROBE_INTERVAL_MS);
  }
  return child;
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    // No pid: the spawn itself failed, so there is no process and no "exit" will come.
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/**
 * Whether the server on `port` is up and is `child` (its INFO names the process): a server left on
 * the port by someone else would answer a plain PING too. One inline command on a fresh connection
 * (RESP allows them), so the kit needs no Redis client.
 */
function answersAs(port: number, child: ChildProcess): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("end", () => done(false));
    socket.once("connect", () => socket.write("INFO server\r\n"));
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString("latin1");
      const pid = /\r\nprocess_id:(\d+)\r\n/.exec(answer)?.[1];
      if (pid !== undefined) done(Number(pid) === child.pid);
      else if (answer.startsWith("-")) done(false);
    });
  });
}
