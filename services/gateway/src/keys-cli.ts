/**
 * `npm run -s gateway-keys -- <command>`: the gateway's key file, by hand (service-kit's key CLI,
 * whose header describes the commands).
 *
 *   generate --out FILE
 *   rotate   --file FILE [--publish-lead 24h] [--grace 7d] [--keys-max-age 1h] [--relay-keys-ttl 5m]
 *   show     --file FILE
 *
 * `rotate` refuses a lead or a grace shorter than the listing's max-age cap plus the relay's key
 * cache bound, from the options, else GATEWAY_KEYS_MAX_AGE and RELAY_KEYS_TTL, else their
 * defaults. `show` prints public information only, and the listing GET /ohttp-keys serves now.
 */
import { runKeysCli } from "@oblivious/service-kit";
import { KEYS_MAX_AGE_DEFAULT_MS, RELAY_KEYS_TTL_DEFAULT_MS } from "./config.js";
import { GATEWAY_KEY_FILE } from "./key-file.js";
import { KEM_NAME, snapshot } from "./keys.js";

process.exitCode = runKeysCli(
  {
    program: "gateway-keys",
    file: GATEWAY_KEY_FILE,
    leadOption: "publish-lead",
    maxAge: { what: "the key listing's max-age cap", option: "keys-max-age", variable: "GATEWAY_KEYS_MAX_AGE", defaultMs: KEYS_MAX_AGE_DEFAULT_MS },
    cacheBound: { what: "the relay's key cache bound", option: "relay-keys-ttl", variable: "RELAY_KEYS_TTL", defaultMs: RELAY_KEYS_TTL_DEFAULT_MS },
    describeKey: (e) => ({
      keyId: e.key.keyId,
      kem: KEM_NAME,
      publicKey: Buffer.from(e.key.publicKey).toString("base64url"),
      symmetric: e.key.symmetricAlgorithms.map((s) => ({ kdfId: s.kdfId, aeadId: s.aeadId })),
    }),
    listing: {
      // What GET /ohttp-keys serves now (application/ohttp-keys, base64url).
      name: "listing",
      render: (entries, now) => {
        const encoded = snapshot(entries, now).encoded;
        return encoded === undefined ? null : Buffer.from(encoded).toString("base64url");
      },
    },
  },
  process.argv.slice(2),
  { env: process.env, out: (line) => console.log(line), err: (line) => console.error(line) },
);
