/**
 * CPU time from /proc, for the benchmarks that load a service running in its own process: what
 * the process (or one of its threads) used, and how busy a core was, in seconds (Linux only).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());

/** User + system CPU seconds a process has used, every thread (fields 14 and 15 of /proc/PID/stat). */
export function cpuSeconds(pid: string | number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** The same for the process's main thread alone (its event loop; worker threads are other tasks). */
export function mainThreadCpuSeconds(pid: string | number): number {
  return cpuSeconds(`${pid}/task/${pid}`);
}

/** Busy seconds of one core: every /proc/stat column but idle and iowait (and guest, already in user). */
export function coreBusySeconds(core: string): number {
  const line = readFileSync("/proc/stat", "latin1")
    .split("\n")
    .find((l) => l.startsWith(`cpu${core} `));
  if (line === undefined) throw new Error(`no cpu${core} in /proc/stat`);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}
