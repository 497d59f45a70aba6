/**
 * `npm run -s search -- [--locale xx] [--limit n] [--json] [--kem x-wing|x25519] [--token-type arc|2] [--verbose] QUERY`:
 * a sticker search as a client makes it, through the client SDK: the gateway's keys and the
 * issuer directory through the relay, tokens from the issuer with a device credential, the search
 * through relay and gateway. The request is sealed to the gateway's X-Wing key when it lists
 * one, else to its X25519 key; `--kem` insists on one. `--verbose` says which on stderr; the
 * JSON output carries it as `kem`.
 *
 * `--token-type`: by default the SDK's choice, ARC (one credential, then unlinkable presentations)
 * when the origin offers an ARC challenge whose key the issuer directory lists, type 2 otherwise;
 * `arc` insists on ARC (an origin without it is an error), `2` uses type 2 only. The JSON output
 * carries the type used as `tokenType`; `--verbose` says it on stderr.
 *
 * Against the local stack (`npm start`) by default, with a DEVELOPMENT credential minted for a
 * throwaway device id; SEARCH_CREDENTIAL gives a real one. RELAY_URL and ISSUER_URL point
 * elsewhere (defaults http://127.0.0.1:8080 and http://127.0.0.1:8082).
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createClient, type KemName } from "@oblivious/client";
import { createDevAttester } from "@oblivious/issuer/dev";
import { localUrl } from "@oblivious/service-kit";
import { explainFailure } from "./explain.js";
import { ROOT } from "./stack.js";

const USAGE = "usage: npm run -s search -- [--locale xx] [--limit n] [--json] [--kem x-wing|x25519] [--token-type arc|2] [--verbose] QUERY";
const KEMS: readonly KemName[] = ["x-wing", "x25519"];
const KEM_TITLES: Readonly<Record<KemName, string>> = {
  "x-wing": "X-Wing (MLKEM768-X25519, post-quantum hybrid)",
  "ml-kem-768": "ML-KEM-768",
  x25519: "DHKEM(X25519, HKDF-SHA256)",
};

const endpoints = {
  relayUrl: process.env["RELAY_URL"] || localUrl("relay"),
  issuerUrl: process.env["ISSUER_URL"] || localUrl("issuer"),
};

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        locale: { type: "string", default: "en" },
        limit: { type: "string", default: "10" },
        json: { type: "boolean", default: false },
        kem: { type: "string" },
        "token-type": { type: "string" },
        verbose: { type: "boolean", default: false },
      },
    });
  } catch {
    console.error(USAGE);
    return 2;
  }
  const query = parsed.positionals.join(" ").trim();
  const limit = Number(parsed.values.limit);
  const kem = KEMS.find((k) => k === parsed.values.kem);
  const tokenTypeArg = parsed.values["token-type"];
  const tokenType = tokenTypeArg === "arc" || tokenTypeArg === "2" ? tokenTypeArg : undefined;
  if (query === "" || !Number.isInteger(limit) || limit < 1 || limit > 50 || (parsed.values.kem !== undefined && kem === undefined) || (tokenTypeArg !== undefined && tokenType === undefined)) {
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
    ...(kem === undefined ? {} : { kem }),
    ...(tokenType === undefined ? {} : { tokenType }),
  });
  const locale = parsed.values.locale;
  const result = await client.searchStickers({ q: query, locale, limit });
  const used = client.kem;
  const usedTokenType = client.stats().credentialsIssued > 0 ? "arc" : "2";
  if (parsed.values.verbose && used !== undefined) console.error(`search: sealed to the gateway's ${KEM_TITLES[used]} key, through ${endpoints.relayUrl}`);
  if (parsed.values.verbose) console.error(`search: token type ${usedTokenType === "arc" ? "ARC (0xE5AC), one presentation of a credential" : "2 (blind RSA)"}`);
  if (parsed.values.json) {
    console.log(JSON.stringify({ ...result, kem: used, tokenType: usedTokenType }, null, 2));
    return 0;
  }
  if (result.hits.length === 0) {
    console.log(`No stickers for "${query}" (${locale}).`);
    return 0;
  }
  console.log(`${result.total} sticker(s) for "${query}" (${locale}), through relay and gateway with ${usedTokenType === "arc" ? "an ARC" : "a type-2"} token:`);
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
