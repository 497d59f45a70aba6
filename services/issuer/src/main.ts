/**
 * The issuer process: configuration from the environment, then the service until SIGTERM
 * (service-kit's runProcess: declared log events only; a ConfigError names variables on stderr,
 * never values; exit 1 on failure).
 */
import { runProcess } from "@oblivious/service-kit";
import { loadIssuerConfig } from "./config.js";
import { startIssuer } from "./server.js";

await runProcess({ service: "issuer", load: loadIssuerConfig, start: (config) => startIssuer(config, { handleSignals: true }) });
