/**
 * The gateway process: environment → configuration → start, with signal handling. A ConfigError
 * prints only its message (it names variables, never values) and exits 1.
 */
import { ConfigError } from "@oblivious/service-kit";
import { loadGatewayConfig } from "./config.js";
import { startGateway } from "./server.js";

async function main(): Promise<void> {
  const config = loadGatewayConfig(process.env);
  await startGateway(config, { handleSignals: true });
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) {
    process.stderr.write(`gateway: ${e.message}\n`);
  } else {
    // No message: it could carry an address or a path. The code (EADDRINUSE...) is enough.
    const code = typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" ? ` (${(e as { code: string }).code})` : "";
    process.stderr.write(`gateway: start-up failed${code}\n`);
  }
  process.exit(1);
});
