/**
 * The sticker-search process: configuration from the environment, then the service until
 * SIGTERM. It prints nothing but declared log events, except that an invalid configuration also
 * writes the ConfigError's message (variable names and reasons, never values) to stderr.
 */
import { ConfigError, createLogger } from "@oblivious/service-kit";
import { CatalogueError } from "./catalogue.js";
import { loadStickerSearchConfig, type StickerSearchConfig } from "./config.js";
import { stickerSearchEvents } from "./events.js";
import { startStickerSearch } from "./server.js";

const log = createLogger({ service: "sticker-search", events: stickerSearchEvents });

function startFailure(error: unknown): "address_in_use" | "address_not_available" | "permission" | "catalogue" | "other" {
  if (error instanceof CatalogueError) return "catalogue";
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (code === "EADDRINUSE") return "address_in_use";
  if (code === "EADDRNOTAVAIL") return "address_not_available";
  if (code === "EACCES" || code === "EPERM") return "permission";
  return "other";
}

let config: StickerSearchConfig | undefined;
try {
  config = loadStickerSearchConfig(process.env);
} catch (error) {
  log.event("config.invalid");
  process.stderr.write(`${error instanceof ConfigError ? error.message : "invalid configuration"}\n`);
  process.exitCode = 1;
}
if (config !== undefined) {
  try {
    await startStickerSearch(config, { handleSignals: true });
  } catch (error) {
    log.event("service.start_failed", { reason: startFailure(error) });
    // A catalogue error names a position in the file and what is wrong there, never its text.
    if (error instanceof CatalogueError) process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}
