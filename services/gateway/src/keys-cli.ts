/**
 * `npm run -s gateway-keys -- <command>`: the gateway's key file, by hand (service-kit's key CLI,
 * whose header describes the commands, with the issuer's).
 *
 *   generate --out FILE [--kem K]...     a first key of each KEM, current now: X-Wing and X25519
 *                                        unless --kem names some
 *   rotate   --file FILE [--kem K] [--publish-lead 24h] [--grace 7d] [--keys-max-age 1h] [--relay-keys-ttl 5m]
 *                                        a new key of KEM K, published now, current after the
 *                                        lead; older keys of K retire after the grace; retired
 *                                        keys are pruned. K is needed when the file has several
 *                                        KEMs; a KEM the file lacks gets a key current now
 *   show     --file FILE                 public information only, and the listing served now
 *
 * K is x-wing, x25519 or ml-kem-768 (key-kems.ts); each KEM rotates on its own schedule.
 * `rotate` refuses a lead or a grace shorter than the listing's max-age cap plus the relay's key
 * cache bound (service-kit's rotation-timing.ts), taken from the options, else from
 * GATEWAY_KEYS_MAX_AGE and RELAY_KEYS_TTL in the environment, else from their defaults.
 */
import { runKeysCli } from "@oblivious/service-kit";
import { KEYS_MAX_AGE_DEFAULT_MS, RELAY_KEYS_TTL_DEFAULT_MS } from "./config.js";
import { GATEWAY_KEY_FILE } from "./key-file.js";
import { DEFAULT_GENERATED_KEMS, GATEWAY_KEMS, gatewayKem, kemByCliName } from "./key-kems.js";
import { snapshot } from "./keys.js";

process.exitCode = runKeysCli(
  {
    program: "gateway-keys",
    file: GATEWAY_KEY_FILE,
    group: {
      option: "kem",
      choices: GATEWAY_KEMS.map((k) => k.cliName),
      parse: (value) => kemByCliName(value)?.fileName,
      generated: DEFAULT_GENERATED_KEMS.map((k) => gatewayKem(k).fileName),
    },
    leadOption: "publish-lead",
    maxAge: { what: "the key listing's max-age cap", option: "keys-max-age", variable: "GATEWAY_KEYS_MAX_AGE", defaultMs: KEYS_MAX_AGE_DEFAULT_MS },
    cacheBound: { what: "the relay's key cache bound", option: "relay-keys-ttl", variable: "RELAY_KEYS_TTL", defaultMs: RELAY_KEYS_TTL_DEFAULT_MS },
    describeKey: (e) => ({
      keyId: e.key.keyId,
      kem: gatewayKem(e.key.kemId).fileName,
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
