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
 *   arc origin-key --file FILE --out OUT [--at 2026-01-01T00:00:00Z]
 *                                          the origin's TOKEN_ARC_KEY_FILE: the key current at --at
 *                                          (default now), base64url, written atomically with 0600
 *
 * `rotate` refuses a lead or a grace shorter than the directory's max-age cap plus the origins'
 * directory refresh bound, from the options, else ISSUER_DIRECTORY_MAX_AGE and
 * TOKEN_DIRECTORY_REFRESH, else their defaults. Every new key's truncated token key id differs
 * from those of the keys kept. `show` prints public information only, and the directory served now.
 */
import { encodeIssuerDirectory } from "@oblivious/privacypass";
import { parseArgs } from "node:util";
import { KeyFileError, localUrl, readKeyFile, runKeysCli, writeFileAtomic } from "@oblivious/service-kit";
import { DIRECTORY_MAX_AGE_DEFAULT_MS, TOKEN_DIRECTORY_REFRESH_DEFAULT_MS, directoryOf } from "./directory.js";
import { ISSUER_KEY_FILE } from "./key-file.js";
import { arcKeyFileSpec, arcSnapshot, originKeyText } from "./arc-keys.js";
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

/** `arc origin-key`: the origin's copy of its current ARC key (never printed). */
function originKey(argv: readonly string[]): number {
  let values;
  try {
    values = parseArgs({ args: [...argv], options: { file: { type: "string" }, out: { type: "string" }, at: { type: "string" } } }).values;
  } catch {
    values = undefined;
  }
  const at = values?.at === undefined ? Date.now() : Date.parse(values.at);
  if (values?.file === undefined || values.out === undefined || !Number.isFinite(at)) {
    io.err("usage: issuer-keys arc origin-key --file FILE --out OUT [--at 2026-01-01T00:00:00Z]");
    return 2;
  }
  try {
    const text = originKeyText(readKeyFile(arcKeyFileSpec(), values.file, at), at);
    if (text === undefined) {
      io.err("issuer-keys arc origin-key: no key is current at that time");
      return 1;
    }
    writeFileAtomic(values.out, text);
    io.out(JSON.stringify({ wrote: values.out, at: new Date(at).toISOString() }));
    return 0;
  } catch (e) {
    io.err(`issuer-keys arc origin-key: ${e instanceof KeyFileError ? `key file ${e.message}` : "cannot read or write the files"}`);
    return 1;
  }
}

process.exitCode =
  args[0] === "arc" && args[1] === "origin-key"
    ? originKey(args.slice(2))
    : args[0] === "arc"
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
