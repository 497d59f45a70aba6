/**
 * The telemetry process: configuration from the environment, then the service until SIGTERM.
 * It prints nothing but declared log events, except that an invalid configuration also writes
 * the ConfigError's message (variable names and reasons, never values) to stderr.
 */
import { ConfigError, createLogger } from "@oblivious/service-kit";
import { loadTelemetryConfig, type TelemetryConfig } from "./config.js";
import { telemetryEvents } from "./events.js";
import { startTelemetry } from "./server.js";

const log = createLogger({ service: "telemetry", events: telemetryEvents });

function startFailure(error: unknown): "address_in_use" | "address_not_available" | "permission" | "other" {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (code === "EADDRINUSE") return "address_in_use";
  if (code === "EADDRNOTAVAIL") return "address_not_available";
  if (code === "EACCES" || code === "EPERM") return "permission";
  return "other";
}

let config: TelemetryConfig | undefined;
try {
  config = loadTelemetryConfig(process.env);
} catch (error) {
  log.event("config.invalid");
  process.stderr.write(`${error instanceof ConfigError ? error.message : "invalid configuration"}\n`);
  process.exitCode = 1;
}
if (config !== undefined) {
  try {
    await startTelemetry(config, { handleSignals: true });
  } catch (error) {
    log.event("service.start_failed", { reason: startFailure(error) });
    process.exitCode = 1;
  }
}
