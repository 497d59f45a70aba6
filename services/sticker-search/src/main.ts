/**
 * The sticker-search process: configuration from the environment, then the service until
 * SIGTERM (service-kit's runProcess: declared log events only; a ConfigError names variables on
 * stderr, never values; exit 1 on failure). A catalogue error names a position in the file and
 * what is wrong there, never its text, so its message is printed.
 */
import { runProcess } from "@oblivious/service-kit";
import { CatalogueError } from "./catalogue.js";
import { loadStickerSearchConfig } from "./config.js";
import { startStickerSearch } from "./server.js";

await runProcess({
  service: "sticker-search",
  load: loadStickerSearchConfig,
  start: (config) => startStickerSearch(config, { handleSignals: true }),
  invalidData: (error) => error instanceof CatalogueError,
});
