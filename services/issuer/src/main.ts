/**
 * The issuer process: environment → configuration → start, with signal handling. A ConfigError
 * prints only its message (it names variables, never values) and exits 1.
 */
import { ConfigError } from "@oblivious/service-kit";
import { loadIssuerConfig } from "./config.js";
import { startIssuer } from "./server.js";

async function main(): Promise<void> {
  const config = loadIssuerConfig(process.env);
  await startIssuer(config, { handleSignals: true });
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) {
    process.stderr.write(`issuer: ${e.message}\n`);
  } else {
    // No message: it could carry an address or a path. The code (EADDRINUSE...) is enough.
    const code = typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" ? ` (${(e as { code: string }).code})` : "";
    process.stderr.write(`issuer: start-up failed${code}\n`);
  }
  process.exit(1);
});
