/**
 * `npm run -s issuer-keys -- <command>`: the issuer's key file, by hand (service-kit's key CLI,
 * whose header describes the commands).
 *
 *   generate --out FILE                    a first RSA-2048 key, signing from now
 *   rotate   --file FILE [--lead 24h] [--grace 7d] [--directory-max-age 1h] [--directory-refresh 5m]
 *   show     --file FILE [--request-uri URI]
 *   arc generate|rotate|show ...           the same for one origin's ARC key file (ISSUER_ARC_KEYS_FILES,
 *                                          src/arc-keys.ts); a new key's truncated issuer key id
 *                                          differs from those of the file's keys; the issuer refuses
 *                                          a file that collides with another origin's (rotate again)
 *
 * `rotate` refuses a lead or a grace shorter than the directory's max-age cap plus the origins'
 * directory refresh bound, from the options, else ISSUER_DIRECTORY_MAX_AGE and
 * TOKEN_DIRECTORY_REFRESH, else their defaults. Every new key's truncated token key id differs
 * from those of the keys kept. `show` prints public information only, and the directory served now.
 */
import { encodeIssuerDirectory } from "@oblivious/privacypass";
import { localUrl, runKeysCli } from "@oblivious/service-kit";
import { DIRECTORY_MAX_AGE_DEFAULT_MS, TOKEN_DIRECTORY_REFRESH_DEFAULT_MS, directoryOf } from "./directory.js";
import { ISSUER_KEY_FILE } from "./key-file.js";
import { arcKeyFileSpec, arcSnapshot } from "./arc-keys.js";
import { directoryFromSnapshot } from "./directory.js";
import { snapshot } from "./keys.js";

const REQUEST_URI = localUrl("issuer", "/token-request");
const timing = {
  leadOption: "lead",
  maxAge: { what: "the directory's max-age cap", option: "directory-max-age", variable: "ISSUER_DIRECTORY_MAX_AGE", defaultMs: DIRECTORY_MAX_AGE_DEFAULT_MS },
  cacheBound: {
    what: "the origins' directory refresh bound",
    option: "directory-refresh",
    variable: "TOKEN_DIRECTORY_REFRESH",
    defaultMs: TOKEN_DIRECTORY_REFRESH_DEFAULT_MS,
  },
};
const io = { env: process.env, out: (line: string) => console.log(line), err: (line: string) => console.error(line) };
const args = process.argv.slice(2);

process.exitCode =
  args[0] === "arc"
    ? runKeysCli(
        {
          program: "issuer-keys arc",
          file: arcKeyFileSpec(),
          ...timing,
          describeKey: (k) => ({
            truncatedIssuerKeyId: k.truncatedIssuerKeyId,
            issuerKeyId: k.id,
            tokenType: k.tokenType,
            tokenKey: Buffer.from(k.tokenKey).toString("base64url"),
          }),
          listing: {
            // The ARC entries GET /.well-known/private-token-issuer-directory serves now for this file.
            name: "directory",
            option: { name: "request-uri", default: REQUEST_URI },
            render: (keys, now, uri) =>
              JSON.parse(encodeIssuerDirectory(directoryFromSnapshot(snapshot([], now), uri ?? REQUEST_URI, [arcSnapshot(keys, now)]))) as unknown,
          },
        },
        args.slice(1),
        io,
      )
    : runKeysCli(
        {
          program: "issuer-keys",
          file: ISSUER_KEY_FILE,
          ...timing,
          describeKey: (k) => ({
            truncatedTokenKeyId: k.truncatedTokenKeyId,
            tokenKeyId: k.id,
            tokenType: k.tokenType,
            tokenKey: Buffer.from(k.tokenKey).toString("base64url"),
          }),
          listing: {
            // What GET /.well-known/private-token-issuer-directory serves now.
            name: "directory",
            option: { name: "request-uri", default: REQUEST_URI },
            render: (keys, now, uri) => JSON.parse(encodeIssuerDirectory(directoryOf(keys, now, uri ?? REQUEST_URI))) as unknown,
          },
        },
        args,
        io,
      );
