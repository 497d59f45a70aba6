/**
 * Throwaway Redis deployments for failover and persistence tests, from Debian's `redis-server`
 * and `redis-cli` (both must be on the PATH), on free loopback ports, in a temporary directory:
 *
 * - `startRedisNode`: one redis-server with the given settings (append-only file, replica of...),
 *   that a test kills (SIGKILL, as a crash), freezes (SIGSTOP) and starts again on the same port
 *   and directory;
 * - `startRedisSentinelSet`: one primary, one replica and three sentinels (`redis-server FILE
 *   --sentinel`, quorum 2) with short timeouts, so a killed primary is replaced in a few seconds;
 *   more replicas on request.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { freePort } from "./ports.js";

const START_TIMEOUT_MS = 10_000;
const PROBE_INTERVAL_MS = 50;

/** One command through `redis-cli --raw`; its output lines, or throws when it fails. */
export function redisCli(port: number, args: readonly string[], password?: string): Promise<string[]> {
  const auth = password === undefined ? [] : ["--no-auth-warning", "-a", password];
  return new Promise((resolve, reject) => {
    execFile("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...auth, "--raw", ...args], { timeout: 5000 }, (error, stdout) => {
      if (error !== null) reject(error);
      else if (stdout.startsWith("ERR") || stdout.startsWith("NOAUTH") || stdout.startsWith("WRONGPASS")) reject(new Error(stdout.trim()));
      else resolve(stdout.split(/\r?\n/).filter((l) => l !== ""));
    });
  });
}

export interface RedisNode {
  readonly port: number;
  /** Its working directory (append-only file, RDB). */
  readonly dir: string;
  /** The running process's id, or undefined when stopped. */
  readonly pid: number | undefined;
  /** SIGKILL, as a crash; resolves once it exited. Nothing when it is not running. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a node that hangs without closing its connections. */
  freeze(): void;
  thaw(): void;
  /** Starts it again on the same port and directory, with the same settings. */
  start(): Promise<void>;
}

export interface RedisNodeOptions {
  readonly port?: number;
  /** Its directory; a fresh temporary one by default. */
  readonly dir?: string;
  /** More `redis-server` arguments, e.g. `["--appendonly", "yes"]` or `["--replicaof", "127.0.0.1", "6380"]`. */
  readonly args?: readonly string[];
  /** A config file to start from (sentinels need one they can rewrite); `args` follow it. */
  readonly configFile?: string;
}

export async function startRedisNode(options: RedisNodeOptions = {}): Promise<RedisNode> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "redis-node-")));
  const args = [
    ...(options.configFile === undefined ? [] : [options.configFile]),
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    ...(options.configFile === undefined ? ["--save", ""] : []),
    ...(options.args ?? []),
  ];
  let child: ChildProcess | undefined;
  const node: RedisNode = {
    port,
    dir,
    get pid() {
      return child?.pid;
    },
    async kill() {
      const running = child;
      child = undefined;
      if (running !== undefined) await killChild(running);
    },
    freeze() {
      child?.kill("SIGSTOP");
    },
    thaw() {
      child?.kill("SIGCONT");
    },
    async start() {
      if (child !== undefined) throw new Error(`redis-server on port ${port} is already running`);
      child = await spawnNode(port, args);
    },
  };
  await node.start();
  return node;
}

async function spawnNode(port: number, args: readonly string[]): Promise<ChildProcess> {
  const child = spawn("redis-server", args, { stdio: "ignore" });
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    // INFO names the process: a server someone else left on the port would answer too.
    const pid = await redisCli(port, ["INFO", "server"]).then(
      (lines) => lines.find((l) => l.startsWith("process_id:"))?.slice("process_id:".length).trim(),
      () => undefined,
    );
    // A node loading a large append-only file answers -LOADING; redis-cli prints it, no process_id.
    if (pid !== undefined && Number(pid) === child.pid) return child;
    if (spawnError !== undefined || child.exitCode !== null || Date.now() > deadline) {
      await killChild(child);
      throw new Error(`redis-server did not start on port ${port}${spawnError === undefined ? "" : `: ${spawnError.message}`}`);
    }
    await delay(PROBE_INTERVAL_MS);
  }
}

function killChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    // A frozen process dies of SIGKILL too.
    child.kill("SIGKILL");
  });
}

export interface RedisSentinelSet {
  /** The monitored master's name (REDIS_SENTINEL_NAME). */
  readonly name: string;
  /** The sentinels as REDIS_SENTINELS wants them: `127.0.0.1:port,...`. */
  readonly sentinelsEnv: string;
  readonly sentinels: readonly RedisNode[];
  /** The data nodes: [0] starts as the primary, the others as its replicas. */
  readonly nodes: readonly RedisNode[];
  /** The primary's port as the sentinels report it (the first sentinel that answers). */
  primaryPort(): Promise<number>;
  /** Resolves with the new primary's port once the sentinels report one other than `oldPort`. */
  waitForPromotion(oldPort: number, timeoutMs?: number): Promise<number>;
  /** Kills every process and removes the directory. */
  stop(): Promise<void>;
}

export interface RedisSentinelOptions {
  readonly name?: string;
  /** Sentinel's down-after-milliseconds; 1000 by default. */
  readonly downAfterMs?: number;
  /** Sentinel's failover-timeout; 3000 by default. */
  readonly failoverTimeoutMs?: number;
  /** How many replicas; 1 by default. */
  readonly replicas?: number;
}

/** One primary, one replica (or more), three sentinels (quorum 2); resolves once the sentinels see each other and the replicas. */
export async function startRedisSentinelSet(options: RedisSentinelOptions = {}): Promise<RedisSentinelSet> {
  const name = options.name ?? "oblivious";
  const root = await mkdtemp(join(tmpdir(), "redis-sentinel-"));
  const started: RedisNode[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((n) => n.kill()));
    await rm(root, { recursive: true, force: true });
  };
  try {
    const replicaCount = options.replicas ?? 1;
    const primaryDir = join(root, "primary");
    await mkdir(primaryDir);
    // No 5 s wait before a full sync (the default diskless-sync delay), nor after a promotion.
    const sync = ["--repl-diskless-sync-delay", "0"];
    const primary = await startRedisNode({ dir: primaryDir, args: ["--appendonly", "no", ...sync] });
    started.push(primary);
    const nodes = [primary];
    for (let i = 0; i < replicaCount; i += 1) {
      const dir = join(root, `replica-${i}`);
      await mkdir(dir);
      const replica = await startRedisNode({ dir, args: ["--appendonly", "no", ...sync, "--replicaof", "127.0.0.1", String(primary.port)] });
      started.push(replica);
      nodes.push(replica);
      await until(async () => (await redisCli(replica.port, ["INFO", "replication"])).includes("master_link_status:up"), "the replica to sync");
    }
    const sentinels: RedisNode[] = [];
    for (let i = 0; i < 3; i += 1) {
      const dir = join(root, `sentinel-${i}`);
      await mkdir(dir);
      const file = join(dir, "sentinel.conf");
      // Sentinel rewrites its own file (it records the other sentinels, the replicas, each failover).
      await writeFile(
        file,
        [
          `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 3000}`,
          `sentinel parallel-syncs ${name} 1`,
          "",
        ].join("\n"),
      );
      const sentinel = await startRedisNode({ dir, configFile: file, args: ["--sentinel"] });
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    const set: RedisSentinelSet = {
      name,
      sentinelsEnv: sentinels.map((s) => `127.0.0.1:${s.port}`).join(","),
      sentinels,
      nodes,
      async primaryPort() {
        for (const s of sentinels) {
          const lines = await redisCli(s.port, ["SENTINEL", "get-master-addr-by-name", name]).catch(() => []);
          const port = Number(lines[1]);
          if (Number.isInteger(port) && port > 0) return port;
        }
        throw new Error("no sentinel names a primary");
      },
      async waitForPromotion(oldPort, timeoutMs = 30_000) {
        let port = oldPort;
        await until(
          async () => {
            port = await set.primaryPort();
            return port !== oldPort;
          },
          "a promotion",
          timeoutMs,
        );
        return port;
      },
      stop,
    };
    // Ready for a failover: each sentinel knows the replicas and the two other sentinels.
    await until(async () => {
      for (const s of sentinels) {
        const info = await redisCli(s.port, ["SENTINEL", "master", name]);
        const field = (key: string): number => Number(info[info.indexOf(key) + 1]);
        if (field("num-slaves") < replicaCount || field("num-other-sentinels") < 2) return false;
      }
      return true;
    }, "the sentinels to discover each other");
    return set;
  } catch (e) {
    await stop();
    throw e;
  }
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}
