// @oblivious/sticker-search: token-gated sticker search. See README.md. The names other packages
// use: start it, load its configuration, its problem table (docs/errors.md), and the engines and
// the synthetic catalogue for the search benchmark.
export { startStickerSearch } from "./server.js";
export type { StartStickerSearchOptions, RunningStickerSearch } from "./server.js";
export { loadStickerSearchConfig } from "./config.js";
export type { StickerSearchConfig } from "./config.js";
export { StickerSearchProblems } from "./errors.js";
export type { SearchEngine } from "./engine.js";
export { EmbeddedSearchEngine } from "./engine-embedded.js";
export { MeiliSearchEngine } from "./engine-meilisearch.js";
export { generateSyntheticCatalogue } from "./catalogue-synthetic.js";
