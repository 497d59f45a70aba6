/**
 * The gateway process: configuration from the environment, then the service until SIGTERM
 * (service-kit's runProcess: declared log events only; a ConfigError names variables on stderr,
 * never values; exit 1 on failure).
 */
import { runProcess } from "@oblivious/service-kit";
import { loadGatewayConfig } from "./config.js";
import { startGateway } from "./server.js";

await runProcess({ service: "gateway", load: loadGatewayConfig, start: (config) => startGateway(config, { handleSignals: true }) });
