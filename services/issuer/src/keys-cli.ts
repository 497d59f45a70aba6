/**
 * `node services/issuer/dist/src/keys-cli.js <command>`: the issuer's key file, by hand.
 *
 *   generate --out FILE                              a first RSA-2048 key, signing from now
 *   rotate   --file FILE [--lead 24h] [--grace 7d] [--directory-max-age 1h] [--directory-refresh 5m]
 *                                                    a new key, listed now, signing after the lead;
 *                                                    older keys leave the directory after the
 *                                                    grace; retired keys are pruned
 *   show     --file FILE                             public information only, as JSON
 *
 * `--now 2026-01-01T00:00:00Z` replaces the clock (for rehearsing a rotation). Files are written
 * atomically with 0600 permissions. Every new key's truncated token key id differs from those of
 * the keys kept. Nothing ever prints a private key.
 *
 * `rotate` refuses a lead or a grace shorter than the directory's max-age cap plus the origins'
 * directory refresh bound (service-kit's rotation-timing.ts), taken from the options, else from
 * ISSUER_DIRECTORY_MAX_AGE and TOKEN_DIRECTORY_REFRESH in the environment, else their defaults.
 */
import { parseArgs } from "node:util";
import { encodeIssuerDirectory } from "@oblivious/privacypass";
import { RotationTimingError, checkRotationTimes, parseDuration, timingTerm, type TimingTerm } from "@oblivious/service-kit";
import { generateIssuerKeyFile, readKeyFile, rotateKeys, writeKeyFile } from "./key-file.js";
import { DIRECTORY_MAX_AGE_DEFAULT_MS, TOKEN_DIRECTORY_REFRESH_DEFAULT_MS, directoryOf } from "./directory.js";
import { KeyFileError, keyState, type IssuerKey } from "./keys.js";

const USAGE = `usage:
  issuer-keys generate --out FILE
  issuer-keys rotate --file FILE [--lead 24h] [--grace 7d] [--directory-max-age 1h] [--directory-refresh 5m]
  issuer-keys show --file FILE [--request-uri URI]
options: --now <UTC time, e.g. 2026-01-01T00:00:00Z> replaces the clock`;

class UsageError extends Error {}

function term(what: string, option: string, value: string | undefined, variable: string, defaultMs: number): TimingTerm {
  const t = timingTerm(what, { name: `--${option}`, value }, { name: variable, env: process.env, defaultMs });
  if (t === undefined) throw new UsageError(`${value === undefined ? variable : `--${option}`} must be a duration such as 1h or 5m`);
  return t;
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString().replace(".000Z", "Z");
}

function describe(keys: readonly IssuerKey[], now: number, requestUri: string): object {
  return {
    now: iso(now),
    keys: keys.map((k) => ({
      truncatedTokenKeyId: k.truncatedTokenKeyId,
      tokenKeyId: k.id,
      state: keyState(keys, k, now),
      tokenType: k.tokenType,
      tokenKey: Buffer.from(k.tokenKey).toString("base64url"),
      notBefore: iso(k.notBefore),
      retireAt: iso(k.retireAt),
    })),
    /** What GET /.well-known/private-token-issuer-directory serves now. */
    directory: JSON.parse(encodeIssuerDirectory(directoryOf(keys, now, requestUri))) as unknown,
  };
}

function duration(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--${name} must be a duration such as 24h or 7d`);
  return ms;
}

function run(argv: readonly string[]): void {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      out: { type: "string" },
      file: { type: "string" },
      lead: { type: "string" },
      grace: { type: "string" },
      "directory-max-age": { type: "string" },
      "directory-refresh": { type: "string" },
      now: { type: "string" },
      "request-uri": { type: "string" },
    },
  });
  const now = values.now === undefined ? Date.now() : Date.parse(values.now);
  if (!Number.isFinite(now)) throw new UsageError("--now must be a time such as 2026-01-01T00:00:00Z");
  const requestUri = values["request-uri"] ?? "http://127.0.0.1:8082/token-request";
  const [command, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError("unexpected arguments");
  switch (command) {
    case "generate": {
      if (values.out === undefined) throw new UsageError("generate needs --out FILE");
      generateIssuerKeyFile(values.out, new Date(now));
      console.log(JSON.stringify(describe(readKeyFile(values.out, now), now, requestUri), null, 2));
      return;
    }
    case "rotate": {
      if (values.file === undefined) throw new UsageError("rotate needs --file FILE");
      const leadMs = duration(values.lead, 24 * 3_600_000, "lead");
      const graceMs = duration(values.grace, 7 * 86_400_000, "grace");
      checkRotationTimes(
        { leadMs, graceMs },
        {
          maxAge: term("the directory's max-age cap", "directory-max-age", values["directory-max-age"], "ISSUER_DIRECTORY_MAX_AGE", DIRECTORY_MAX_AGE_DEFAULT_MS),
          cacheBound: term("the origins' directory refresh bound", "directory-refresh", values["directory-refresh"], "TOKEN_DIRECTORY_REFRESH", TOKEN_DIRECTORY_REFRESH_DEFAULT_MS),
        },
        { lead: "--lead", grace: "--grace" },
      );
      const keys = readKeyFile(values.file, now);
      const rotation = rotateKeys(keys, { now, leadMs, graceMs });
      writeKeyFile(values.file, rotation.keys);
      console.log(
        JSON.stringify({ added: rotation.added.truncatedTokenKeyId, pruned: rotation.pruned, ...describe(rotation.keys, now, requestUri) }, null, 2),
      );
      return;
    }
    case "show": {
      if (values.file === undefined) throw new UsageError("show needs --file FILE");
      console.log(JSON.stringify(describe(readKeyFile(values.file, now), now, requestUri), null, 2));
      return;
    }
    default:
      throw new UsageError(command === undefined ? "no command" : "unknown command");
  }
}

try {
  run(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError || (e instanceof TypeError && (e as { code?: unknown }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION")) {
    console.error(`issuer-keys: ${e.message}\n${USAGE}`);
    process.exitCode = 2;
  } else if (e instanceof RotationTimingError) {
    console.error(`issuer-keys: rotation refused, nothing written: ${e.message}`);
    process.exitCode = 1;
  } else if (e instanceof KeyFileError) {
    console.error(`issuer-keys: key file ${e.message}`);
    process.exitCode = 1;
  } else {
    const code = typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : "error";
    console.error(`issuer-keys: failed (${code})`);
    process.exitCode = 1;
  }
}
