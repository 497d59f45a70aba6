/**
 * Each search engine on one synthetic catalogue (100,000 stickers by default, words from the
 * real multilingual vocabulary): the time to load it, then one query at a time (a client's view:
 * latency, not throughput) over a fixed mix of exact, prefix, typo, German and Japanese queries.
 * The embedded engine runs in this process; Meilisearch is the real server (the unofficial build
 * from the dev dependencies) on loopback, queried through the service's own engine class.
 *
 * argv: count queriesPerEngine    prints one JSON line: { catalogue, engines: [{ name, loadMs, p50Ms, p99Ms, ... }] }
 */
import { performance } from "node:perf_hooks";
import { EmbeddedSearchEngine, MeiliSearchEngine, generateSyntheticCatalogue, type SearchEngine } from "@oblivious/sticker-search";
import { startMeiliProcess } from "@oblivious/test-kit";
import { percentile } from "../load/stats.js";

const [countText = "100000", queriesText = "2000"] = process.argv.slice(2);
const count = Number(countText);
const queries = Number(queriesText);

/** The mix: what people type, half-typed words and typos included. */
const MIX: readonly { q: string; locale: string }[] = [
  { q: "cat", locale: "en" },
  { q: "happy face", locale: "en" },
  { q: "ele", locale: "en" },
  { q: "elefnat", locale: "en" },
  { q: "pizza", locale: "en" },
  { q: "Katze", locale: "de" },
  { q: "herz", locale: "de" },
  { q: "猫", locale: "ja" },
  { q: "犬", locale: "ja" },
  { q: "thumbs up", locale: "en" },
];

async function measure(engine: SearchEngine): Promise<{ p50Ms: number; p99Ms: number; meanHits: number }> {
  // Warm-up: compiled code paths and, for Meilisearch, its caches, before the clock.
  for (let i = 0; i < 200; i++) {
    const m = MIX[i % MIX.length] ?? { q: "cat", locale: "en" };
    await engine.search({ q: m.q, locale: m.locale, limit: 20, offset: 0 });
  }
  const times: number[] = [];
  let hits = 0;
  for (let i = 0; i < queries; i++) {
    const m = MIX[i % MIX.length] ?? { q: "cat", locale: "en" };
    const t0 = performance.now();
    const r = await engine.search({ q: m.q, locale: m.locale, limit: 20, offset: 0 });
    times.push(performance.now() - t0);
    hits += r.hits.length;
  }
  times.sort((a, b) => a - b);
  return { p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99), meanHits: hits / queries };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const catalogue = generateSyntheticCatalogue({ count });
  const generateMs = performance.now() - t0;
  const results: Record<string, unknown>[] = [];

  const embedded = new EmbeddedSearchEngine();
  let t = performance.now();
  await embedded.load(catalogue);
  results.push({ name: "embedded", loadMs: performance.now() - t, ...(await measure(embedded)) });
  await embedded.close();

  const meili = await startMeiliProcess();
  try {
    const engine = new MeiliSearchEngine({ url: meili.url, adminKey: meili.masterKey, importTimeoutMs: 30 * 60_000 });
    t = performance.now();
    await engine.load(catalogue);
    results.push({ name: "meilisearch", loadMs: performance.now() - t, ...(await measure(engine)) });
    await engine.close();
  } finally {
    await meili.destroy();
  }
  console.log(JSON.stringify({ catalogue: { stickers: catalogue.stickers.length, locales: catalogue.locales, generateMs }, queries, engines: results }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
