/**
 * `npm run -s search -- [--locale xx] [--limit n] [--json] QUERY`: a sticker search as a client
 * makes it, through the client SDK: the gateway's keys and the issuer directory through the
 * relay, tokens from the issuer with a device credential, the search through relay and gateway.
 *
 * Against the local stack (`npm start`) by default, with a DEVELOPMENT credential minted for a
 * throwaway device id; SEARCH_CREDENTIAL gives a real one. RELAY_URL and ISSUER_URL point
 * elsewhere (defaults http://127.0.0.1:8080 and http://127.0.0.1:8082).
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createClient } from "@oblivious/client";
import { createDevAttester } from "@oblivious/issuer/dev";
import { explainFailure } from "./explain.js";
import { ROOT } from "./stack.js";

const USAGE = "usage: npm run -s search -- [--locale xx] [--limit n] [--json] QUERY";

const endpoints = {
  relayUrl: process.env["RELAY_URL"] || "http://127.0.0.1:8080",
  issuerUrl: process.env["ISSUER_URL"] || "http://127.0.0.1:8082",
};

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { locale: { type: "string", default: "en" }, limit: { type: "string", default: "10" }, json: { type: "boolean", default: false } },
    });
  } catch {
    console.error(USAGE);
    return 2;
  }
  const query = parsed.positionals.join(" ").trim();
  const limit = Number(parsed.values.limit);
  if (query === "" || !Number.isInteger(limit) || limit < 1 || limit > 50) {
    console.error(USAGE);
    return 2;
  }
  const given = process.env["SEARCH_CREDENTIAL"];
  const devDir = process.env["START_DEV_DIR"] || join(ROOT, ".dev");
  const credential =
    given !== undefined && given !== ""
      ? (): string => given
      : await createDevAttester(devDir).then((attester) => () => attester.mint(`cli-${randomBytes(8).toString("hex")}`, 300));
  const client = createClient({
    ...endpoints,
    credential,
    // One search needs one token; a device keeps a wallet, this command lives for one query.
    batchSize: 1,
    lowWater: 0,
  });
  const locale = parsed.values.locale;
  const result = await client.searchStickers({ q: query, locale, limit });
  if (parsed.values.json) {
    console.log(JSON.stringify(result, null, 2));
    return 0;
  }
  if (result.hits.length === 0) {
    console.log(`No stickers for "${query}" (${locale}).`);
    return 0;
  }
  console.log(`${result.total} sticker(s) for "${query}" (${locale}), through relay and gateway with a token:`);
  for (const hit of result.hits) console.log(`  ${hit.emoji}  ${hit.keywords.slice(0, 4).join(", ")}   [${hit.pack}, ${hit.id}]`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`search: ${explainFailure(e, "the search", endpoints)}`);
    process.exit(1);
  },
);
