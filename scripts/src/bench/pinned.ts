/**
 * What every benchmark subject needs beside its free ports (test-kit's freePort): a child pinned
 * to one core whose last stdout line is its JSON result, readiness polling, and a bounded stop.
 */
import { spawn, type ChildProcess } from "node:child_process";

/** Runs `node script args` pinned to `core`; resolves with its last stdout line parsed as JSON. */
export function runPinned(core: number, script: string, args: readonly string[], env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  return runCommand("taskset", ["-c", String(core), process.execPath, script, ...args], script, env);
}

function runCommand(command: string, argv: readonly string[], script: string, env: Record<string, string>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...argv], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.once("exit", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0) return reject(new Error(`${script} exited with ${code}`));
      try {
        resolve(JSON.parse(last) as Record<string, unknown>);
      } catch {
        reject(new Error(`${script} printed no result`));
      }
    });
  });
}

/** Runs `node script args` on every core; resolves with its last stdout line parsed as JSON. */
export function runUnpinned(script: string, args: readonly string[], env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  return runCommand(process.execPath, [script, ...args], script, env);
}

/** Polls `url` until it answers 2xx; fails early if `child` exits. */
export async function waitFor(url: string, child?: ChildProcess): Promise<void> {
  for (let i = 0; i < 200 && (child === undefined || child.exitCode === null); i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not answer`);
}

/** SIGTERM, then SIGKILL if it has not exited within `ms`; resolves when it has exited. */
export function stop(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
