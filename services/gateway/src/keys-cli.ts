/**
 * `npm run -s gateway-keys -- <command>`: the gateway's key file, by hand.
 *
 *   generate --out FILE [--kem K]...                     a first key of each KEM, current now:
 *                                                        X-Wing and X25519 unless --kem names some
 *   rotate   --file FILE [--kem K] [--publish-lead 24h] [--grace 7d] [--keys-max-age 1h] [--relay-keys-ttl 5m]
 *                                                        a new key of KEM K, published now, current
 *                                                        after the lead; older keys of K retire
 *                                                        after the grace; retired keys are pruned.
 *                                                        K is needed when the file has several KEMs;
 *                                                        a KEM the file lacks gets a key current now
 *
 * K is x-wing, x25519 or ml-kem-768 (key-kems.ts); each KEM rotates on its own schedule.
 *
 * `rotate` refuses a lead or a grace shorter than the listing's max-age cap plus the relay's key
 * cache bound (service-kit's rotation-timing.ts), taken from the options, else from
 * GATEWAY_KEYS_MAX_AGE and RELAY_KEYS_TTL in the environment, else from their defaults.
 *   show     --file FILE                                 public information only, as JSON
 *
 * `--now 2026-01-01T00:00:00Z` replaces the clock (for rehearsing a rotation). Files are written
 * atomically with 0600 permissions. Nothing ever prints a private key.
 */
import { parseArgs } from "node:util";
import { RotationTimingError, checkRotationTimes, parseDuration, timingTerm, type TimingTerm } from "@oblivious/service-kit";
import { KEYS_MAX_AGE_DEFAULT_MS, RELAY_KEYS_TTL_DEFAULT_MS } from "./config.js";
import type { KemId } from "@oblivious/ohttp";
import { CodedError } from "@oblivious/wire";
import { generateKeyFile, readKeyFile, rotateKeyEntries, writeKeyFile } from "./key-file.js";
import { DEFAULT_GENERATED_KEMS, GATEWAY_KEMS, gatewayKem, kemByCliName } from "./key-kems.js";
import { KeyFileError, keyStates, snapshot, type KeyEntry } from "./keys.js";

const KEM_CHOICES = GATEWAY_KEMS.map((k) => k.cliName).join("|");

const USAGE = `usage:
  gateway-keys generate --out FILE [--kem ${KEM_CHOICES}]...
  gateway-keys rotate --file FILE [--kem ${KEM_CHOICES}] [--publish-lead 24h] [--grace 7d] [--keys-max-age 1h] [--relay-keys-ttl 5m]
  gateway-keys show --file FILE
options: --now <UTC time, e.g. 2026-01-01T00:00:00Z> replaces the clock`;

const UsageErrorCode = { Usage: "usage" } as const;
type UsageErrorCode = (typeof UsageErrorCode)[keyof typeof UsageErrorCode];

class UsageError extends CodedError<UsageErrorCode> {
  override readonly name = "UsageError";
  constructor(message: string) {
    super(UsageErrorCode.Usage, message);
  }
}

function term(what: string, option: string, value: string | undefined, variable: string, defaultMs: number): TimingTerm {
  const t = timingTerm(what, { name: `--${option}`, value }, { name: variable, env: process.env, defaultMs });
  if (t === undefined) throw new UsageError(`${value === undefined ? variable : `--${option}`} must be a duration such as 1h or 5m`);
  return t;
}

function kems(values: readonly string[] | undefined): KemId[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  return values.map((v) => {
    const kem = kemByCliName(v);
    if (kem === undefined) throw new UsageError(`--kem must be one of ${KEM_CHOICES}`);
    return kem.id;
  });
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString().replace(".000Z", "Z");
}

function describe(entries: readonly KeyEntry[], now: number): object {
  const states = keyStates(entries, now);
  const listing = snapshot(entries, now).encoded;
  return {
    now: iso(now),
    keys: entries.map((e, i) => ({
      keyId: e.key.keyId,
      state: states[i],
      kem: gatewayKem(e.key.kemId).fileName,
      publicKey: Buffer.from(e.key.publicKey).toString("base64url"),
      symmetric: e.key.symmetricAlgorithms.map((s) => ({ kdfId: s.kdfId, aeadId: s.aeadId })),
      publishFrom: iso(e.publishFrom),
      activeFrom: iso(e.activeFrom),
      retireAt: iso(e.retireAt),
    })),
    /** What GET /ohttp-keys serves now (application/ohttp-keys, base64url). */
    listing: listing === undefined ? null : Buffer.from(listing).toString("base64url"),
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
      kem: { type: "string", multiple: true },
      "publish-lead": { type: "string" },
      grace: { type: "string" },
      "keys-max-age": { type: "string" },
      "relay-keys-ttl": { type: "string" },
      now: { type: "string" },
    },
  });
  const now = values.now === undefined ? Date.now() : Date.parse(values.now);
  if (!Number.isFinite(now)) throw new UsageError("--now must be a time such as 2026-01-01T00:00:00Z");
  const [command, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError("unexpected arguments");
  switch (command) {
    case "generate": {
      if (values.out === undefined) throw new UsageError("generate needs --out FILE");
      generateKeyFile(values.out, new Date(now), kems(values.kem) ?? DEFAULT_GENERATED_KEMS);
      console.log(JSON.stringify(describe(readKeyFile(values.out), now), null, 2));
      return;
    }
    case "rotate": {
      if (values.file === undefined) throw new UsageError("rotate needs --file FILE");
      const kem = kems(values.kem);
      if (kem !== undefined && kem.length > 1) throw new UsageError("rotate takes one --kem");
      const publishLeadMs = duration(values["publish-lead"], 24 * 3_600_000, "publish-lead");
      const graceMs = duration(values.grace, 7 * 86_400_000, "grace");
      checkRotationTimes(
        { leadMs: publishLeadMs, graceMs },
        {
          maxAge: term("the key listing's max-age cap", "keys-max-age", values["keys-max-age"], "GATEWAY_KEYS_MAX_AGE", KEYS_MAX_AGE_DEFAULT_MS),
          cacheBound: term("the relay's key cache bound", "relay-keys-ttl", values["relay-keys-ttl"], "RELAY_KEYS_TTL", RELAY_KEYS_TTL_DEFAULT_MS),
        },
        { lead: "--publish-lead", grace: "--grace" },
      );
      const entries = readKeyFile(values.file);
      const rotation = rotateKeyEntries(entries, { now, publishLeadMs, graceMs, ...(kem?.[0] === undefined ? {} : { kemId: kem[0] }) });
      writeKeyFile(values.file, rotation.entries);
      console.log(JSON.stringify({ added: rotation.added.key.keyId, pruned: rotation.pruned, ...describe(rotation.entries, now) }, null, 2));
      return;
    }
    case "show": {
      if (values.file === undefined) throw new UsageError("show needs --file FILE");
      console.log(JSON.stringify(describe(readKeyFile(values.file), now), null, 2));
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
    console.error(`gateway-keys: ${e.message}\n${USAGE}`);
    process.exitCode = 2;
  } else if (e instanceof RotationTimingError) {
    console.error(`gateway-keys: rotation refused, nothing written: ${e.message}`);
    process.exitCode = 1;
  } else if (e instanceof KeyFileError) {
    console.error(`gateway-keys: key file ${e.message}`);
    process.exitCode = 1;
  } else {
    const code = typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : "error";
    console.error(`gateway-keys: failed (${code})`);
    process.exitCode = 1;
  }
}
