/**
 * A service's process entry (`main.ts`): configuration from the environment, then the service
 * until SIGTERM. It prints nothing but declared log events, except two lines on stderr that a
 * person starting the service needs: an invalid configuration's ConfigError message (it names
 * variables and reasons, never values), and a start-up failure's message only when the service
 * vouches that it carries no value (`printable`). Either way the process exits 1.
 */
import { ConfigError } from "./config.js";
import { createLogger, lifecycleEvents } from "./log.js";

export type StartFailure = "address_in_use" | "address_not_available" | "permission" | "invalid_data" | "other";

/** Why start-up failed, from a closed set: an error's message could carry an address or a path. */
export function startFailure(error: unknown, invalidData: (e: unknown) => boolean = () => false): StartFailure {
  if (invalidData(error)) return "invalid_data";
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (code === "EADDRINUSE") return "address_in_use";
  if (code === "EADDRNOTAVAIL") return "address_not_available";
  if (code === "EACCES" || code === "EPERM") return "permission";
  return "other";
}

export interface ProcessOptions<C> {
  /** The `service` of the log lines and the prefix of the stderr lines. */
  readonly service: string;
  readonly load: (env: Readonly<Record<string, string | undefined>>) => C;
  readonly start: (config: C) => Promise<unknown>;
  /** A start-up error about the service's own data (a key file, a catalogue) whose message is safe to print. */
  readonly invalidData?: (error: unknown) => boolean;
}

export async function runProcess<C>(options: ProcessOptions<C>): Promise<void> {
  const log = createLogger({ service: options.service, events: lifecycleEvents });
  let config: C;
  try {
    config = options.load(process.env);
  } catch (error) {
    log.event("config.invalid");
    process.stderr.write(`${options.service}: ${error instanceof ConfigError ? error.message : "invalid configuration"}\n`);
    process.exitCode = 1;
    await log.flush();
    return;
  }
  try {
    await options.start(config);
  } catch (error) {
    const reason = startFailure(error, options.invalidData);
    log.event("service.start_failed", { reason });
    process.stderr.write(`${options.service}: start-up failed (${reason})${reason === "invalid_data" && error instanceof Error ? `: ${error.message}` : ""}\n`);
    process.exitCode = 1;
    await log.flush();
  }
}
