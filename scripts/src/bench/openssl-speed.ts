/**
 * The physical limit of RSA-2048 private-key operations on one core: `openssl speed rsa2048`,
 * pinned with taskset, on the OpenSSL this machine has (node:crypto links the same library here;
 * `process.versions.openssl` is recorded beside it).
 *
 * - `openssl speed rsa2048` is the right measurement in OpenSSL 3.x: it signs through
 *   EVP_PKEY_sign (the provider path, the one node:crypto takes). `-evp` only takes a cipher,
 *   digest or MAC name (`-evp rsa2048` is "an unknown cipher or digest").
 * - Its divisor is the process's user CPU time, not wall time (`-elapsed` would switch), so
 *   "sign/s" is signs per CPU-second of one core even when another process shares the core; the
 *   issuer's rate is divided by its own CPU time for the same reason.
 * - `-mr` (machine-readable) gives `+R1:<signs>:2048:<cpu seconds>` on stderr and
 *   `+F2:<index>:2048:<sign/s>:<verify/s>` on stdout; both are parsed, and must agree.
 */
import { execFile } from "node:child_process";

export interface OpensslSpeed {
  readonly signPerSecond: number;
  readonly verifyPerSecond: number;
  readonly signs: number;
  readonly signCpuSeconds: number;
  /** CPU time over wall time while signing: below 1 when something else ran on the core. */
  readonly coreShare: number;
  readonly version: string;
  readonly command: string;
}

function run(file: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 120_000 }, (error, stdout, stderr) => (error ? reject(error) : resolve({ stdout, stderr })));
  });
}

/** Runs `openssl speed -seconds <seconds> -mr rsa2048` pinned to `core`. */
export async function opensslSpeedRsa2048(seconds: number, core: number): Promise<OpensslSpeed> {
  const wall = Math.max(1, Math.round(seconds));
  const args = ["-c", String(core), "openssl", "speed", "-seconds", String(wall), "-mr", "rsa2048"];
  const { stdout, stderr } = await run("taskset", args);
  const rates = /^\+F2:\d+:2048:([\d.]+):([\d.]+)$/m.exec(stdout);
  const signs = /^\+R1:(\d+):2048:([\d.]+)$/m.exec(stderr);
  if (rates === null || signs === null) throw new Error("openssl speed: no rsa 2048 result in its output");
  const version = (await run("openssl", ["version"])).stdout.trim();
  return {
    signPerSecond: Number(rates[1]),
    verifyPerSecond: Number(rates[2]),
    signs: Number(signs[1]),
    signCpuSeconds: Number(signs[2]),
    coreShare: Number(signs[2]) / wall,
    version,
    command: `taskset ${args.join(" ")}`,
  };
}

export interface OpensslEd25519Speed {
  readonly verifyPerSecond: number;
  /** CPU time over wall time while verifying. */
  readonly coreShare: number;
  readonly command: string;
}

/**
 * Runs `openssl speed -seconds <seconds> -mr ed25519` pinned to `core`: the cost of the one check
 * every token request carries besides its signatures, the device credential's Ed25519 signature.
 * `-mr` gives `+R9:<verifies>:253:Ed25519:<cpu seconds>` on stderr and
 * `+F6:<index>:253:Ed25519:<sign/s>:<verify/s>` on stdout.
 */
export async function opensslSpeedEd25519(seconds: number, core: number): Promise<OpensslEd25519Speed> {
  const wall = Math.max(1, Math.round(seconds));
  const args = ["-c", String(core), "openssl", "speed", "-seconds", String(wall), "-mr", "ed25519"];
  const { stdout, stderr } = await run("taskset", args);
  const rates = /^\+F6:\d+:253:Ed25519:([\d.]+):([\d.]+)$/m.exec(stdout);
  const verifies = /^\+R9:(\d+):253:Ed25519:([\d.]+)$/m.exec(stderr);
  if (rates === null || verifies === null) throw new Error("openssl speed: no Ed25519 result in its output");
  return { verifyPerSecond: Number(rates[2]), coreShare: Number(verifies[2]) / wall, command: `taskset ${args.join(" ")}` };
}
