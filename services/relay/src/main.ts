/**
 * The relay process: configuration from the environment, then the service until SIGTERM
 * (service-kit's runProcess: declared log events only; a ConfigError names variables on stderr,
 * never values; exit 1 on failure).
 */
import { runProcess } from "@oblivious/service-kit";
import { loadRelayConfig } from "./config.js";
import { startRelay } from "./server.js";

await runProcess({ service: "relay", load: loadRelayConfig, start: (config) => startRelay(config, { handleSignals: true }) });
