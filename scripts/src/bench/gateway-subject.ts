/**
 * A gateway subject for the benchmarks: started pinned to core 0 with its own key file, target
 * port and ports, ready to be loaded by gateway-load.ts on core 1 (`npm run bench` loads one at
 * a time, gateway-ab.ts two at once).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyFile } from "@oblivious/gateway";
import type { KemId } from "@oblivious/ohttp";
import { stop, waitFor } from "./pinned.js";
import { freePort } from "@oblivious/test-kit";

export interface SubjectPorts {
  readonly port: number;
  readonly admin: number;
  readonly targetPort: number;
  readonly keysFile: string;
}

/** How to start one subject: it must serve the key listing at `/ohttp-keys` and requests at `/gateway` on `port`. */
export type SubjectCommand = (ports: SubjectPorts) => { argv: string[]; env: Record<string, string>; ready: string };

export interface StartedSubject {
  readonly child: ChildProcess;
  /** gateway-load.ts's arguments for this subject: gatewayUrl, keysUrl, targetPort, pid. */
  readonly load: readonly [string, string, string, string];
  close(): Promise<void>;
}

/** The gateway service itself from the entry point `main` (services/gateway/dist/src/main.js of some build). */
export function gatewayService(main: string): SubjectCommand {
  return ({ port, admin, targetPort, keysFile }) => ({
    argv: [main],
    env: {
      GATEWAY_PORT: String(port),
      GATEWAY_ADMIN_PORT: String(admin),
      GATEWAY_KEYS_FILE: keysFile,
      GATEWAY_TARGETS: `https://bench-target.internal=http://127.0.0.1:${targetPort}`,
    },
    ready: `http://127.0.0.1:${admin}/readyz`,
  });
}

/** `kems`: the subject's keys (X25519 alone unless told); the load seals to the first listed. */
export async function startSubject(command: SubjectCommand, kems?: readonly KemId[]): Promise<StartedSubject> {
  const dir = mkdtempSync(join(tmpdir(), "bench-gateway-"));
  const keysFile = join(dir, "keys.json");
  generateKeyFile(keysFile, new Date(Date.now() - 60_000), kems);
  const ports = { port: await freePort(), admin: await freePort(), targetPort: await freePort(), keysFile };
  const subject = command(ports);
  const child = spawn("taskset", ["-c", "0", process.execPath, ...subject.argv], { env: { ...process.env, ...subject.env }, stdio: ["ignore", "ignore", "inherit"] });
  const close = async (): Promise<void> => {
    await stop(child, 10_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(subject.ready, child);
  } catch (e) {
    await close();
    throw e;
  }
  return {
    child,
    load: [`http://127.0.0.1:${ports.port}/gateway`, `http://127.0.0.1:${ports.port}/ohttp-keys`, String(ports.targetPort), String(child.pid)],
    close,
  };
}
