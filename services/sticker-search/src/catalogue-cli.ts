/**
 * The catalogue command (a separate process from the service):
 *
 *   build     [--out FILE] [--locales en,de,...]          the real catalogue from emojibase-data
 *   synthetic --count N [--seed N] [--locales ...] [--out FILE]   a large deterministic one, for benchmarks
 *   import    --meili-url URL [--file FILE] [--index NAME]        push a catalogue into Meilisearch
 *
 * `import` reads the admin key from MEILI_API_KEY or the file named by MEILI_API_KEY_FILE, never
 * from the command line (where other users of the machine could read it). Without --out, JSON goes
 * to stdout.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Meilisearch } from "meilisearch";
import { readCatalogueFile, type Catalogue } from "./catalogue.js";
import { buildEmojiCatalogue, DEFAULT_LOCALES } from "./catalogue-emojibase.js";
import { generateSyntheticCatalogue, SYNTHETIC_DEFAULT_LOCALES } from "./catalogue-synthetic.js";
import { importIntoMeilisearch } from "./engine-meilisearch.js";

const USAGE = `usage:
  catalogue-cli build [--out FILE] [--locales en,de,...]
  catalogue-cli synthetic --count N [--seed N] [--locales en,de,ja] [--out FILE]
  catalogue-cli import --meili-url URL [--file FILE] [--index stickers] [--force]   (admin key: MEILI_API_KEY or MEILI_API_KEY_FILE)`;

function locales(value: string | undefined, fallback: readonly string[]): string[] {
  return value === undefined ? [...fallback] : value.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

function write(catalogue: Catalogue, out: string | undefined): void {
  const json = JSON.stringify(catalogue);
  if (out === undefined) process.stdout.write(`${json}\n`);
  else {
    writeFileSync(out, json);
    console.error(`wrote ${catalogue.stickers.length} stickers, ${catalogue.locales.length} locales, ${catalogue.packs.length} packs to ${out}`);
  }
}

function adminKey(): string {
  const inline = process.env["MEILI_API_KEY"];
  if (inline !== undefined && inline !== "") return inline;
  const file = process.env["MEILI_API_KEY_FILE"];
  if (file !== undefined && file !== "") return readFileSync(file, "utf8").trim();
  throw new Error("set MEILI_API_KEY or MEILI_API_KEY_FILE");
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      out: { type: "string" },
      locales: { type: "string" },
      count: { type: "string" },
      seed: { type: "string" },
      file: { type: "string" },
      index: { type: "string" },
      "meili-url": { type: "string" },
      force: { type: "boolean" },
    },
    strict: true,
  });
  switch (command) {
    case "build":
      write(buildEmojiCatalogue(locales(values.locales, DEFAULT_LOCALES)), values.out);
      return;
    case "synthetic": {
      const count = Number(values.count);
      const seed = values.seed === undefined ? 1 : Number(values.seed);
      if (!Number.isSafeInteger(count) || !Number.isSafeInteger(seed)) throw new Error("--count and --seed must be integers");
      write(generateSyntheticCatalogue({ count, seed, locales: locales(values.locales, SYNTHETIC_DEFAULT_LOCALES) }), values.out);
      return;
    }
    case "import": {
      const url = values["meili-url"];
      if (url === undefined) throw new Error("--meili-url is required");
      const catalogue = values.file === undefined ? buildEmojiCatalogue() : await readCatalogueFile(values.file);
      const admin = new Meilisearch({ host: url, apiKey: adminKey(), timeout: 30_000 });
      const started = performance.now();
      const imported = await importIntoMeilisearch(admin, values.index ?? "stickers", catalogue, { force: values.force === true });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.error(imported ? `imported ${catalogue.stickers.length} stickers in ${seconds} s` : "index already holds this catalogue");
      return;
    }
    default:
      throw new Error(USAGE);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
