/**
 * The telemetry process: configuration from the environment, then the service until SIGTERM
 * (service-kit's runProcess: declared log events only; a ConfigError names variables on stderr,
 * never values; exit 1 on failure).
 */
import { runProcess } from "@oblivious/service-kit";
import { loadTelemetryConfig } from "./config.js";
import { startTelemetry } from "./server.js";

await runProcess({ service: "telemetry", load: loadTelemetryConfig, start: (config) => startTelemetry(config, { handleSignals: true }) });
