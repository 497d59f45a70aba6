/**
 * The key CLI the gateway and the issuer share (`npm run -s gateway-keys -- <command>`,
 * `npm run -s issuer-keys -- <command>`):
 *
 *   generate --out FILE [--<group> G]...         a first key (of each group G), current now
 *   rotate   --file FILE [--<group> G] [--<lead> 24h] [--grace 7d] [--<max-age> 1h] [--<cache-bound> 5m]
 *                                                a new key, published now, current after the
 *                                                lead; older keys (of its group) retire after
 *                                                the grace; retired keys are pruned
 *   show     --file FILE                         public information only, as JSON
 *
 * A service whose keys fall in groups (the gateway's KEMs, `--kem`) names the group to rotate
 * when the file holds several; a group the file lacks gets a key current now.
 *
 * `rotate` refuses a lead or a grace shorter than the listing's max-age cap plus the bound of the
 * cache in front of the users (rotation-timing.ts), taken from the options, else from the
 * service's variables in the environment, else their defaults. `--now 2026-01-01T00:00:00Z`
 * replaces the clock (for rehearsing a rotation). Files are written atomically with 0600
 * permissions. Nothing ever prints a private key.
 */
import { parseArgs } from "node:util";
import { CodedError } from "@oblivious/wire";
import { parseDuration } from "./config.js";
import { KeyFileError, formatTime, generateKeyFile, readKeyFile, rotateKeys, writeKeyFile, type KeyFileSpec } from "./key-file.js";
import { keyStates } from "./key-lifecycle.js";
import { RotationTimingError, checkRotationTimes, formatDuration, timingTerm, type TimingTerm } from "./rotation-timing.js";

/** One term of the rotation-timing rule: its option, the service's variable and its default. */
export interface CliTimingTerm {
  readonly what: string;
  readonly option: string;
  readonly variable: string;
  readonly defaultMs: number;
}

/** The option that names a group of keys (the spec's `groups`): `--kem x-wing`. */
export interface CliGroupOption {
  readonly option: string;
  /** The values the option takes, in usage text order. */
  readonly choices: readonly string[];
  /** The group an option value names (the spec's group name), undefined for none. */
  readonly parse: (value: string) => string | undefined;
  /** What `generate` makes without the option. */
  readonly generated: readonly string[];
}

export interface KeysCliSpec<E> {
  /** The command's name in messages: "gateway-keys". */
  readonly program: string;
  readonly file: KeyFileSpec<E>;
  readonly group?: CliGroupOption;
  /** The lead's option name, without dashes: "publish-lead". */
  readonly leadOption: string;
  readonly maxAge: CliTimingTerm;
  readonly cacheBound: CliTimingTerm;
  /** A key's public information (its identifiers, public key, algorithms). */
  readonly describeKey: (entry: E) => Record<string, unknown>;
  /** What the service publishes now from these keys, under `name`; `option` is an extra `show` option. */
  readonly listing: {
    readonly name: string;
    readonly option?: { readonly name: string; readonly default: string };
    readonly render: (entries: readonly E[], now: number, option: string | undefined) => unknown;
  };
}

const LEAD_DEFAULT_MS = 24 * 3_600_000;
const GRACE_DEFAULT_MS = 7 * 86_400_000;

const UsageErrorCode = { Usage: "usage" } as const;
type UsageErrorCode = (typeof UsageErrorCode)[keyof typeof UsageErrorCode];

/** A command line the CLI cannot run; the message says which argument. */
class UsageError extends CodedError<UsageErrorCode> {
  override readonly name = "UsageError";
  constructor(message: string) {
    super(UsageErrorCode.Usage, message);
  }
}

function usage<E>(spec: KeysCliSpec<E>): string {
  const d = formatDuration;
  const extra = spec.listing.option === undefined ? "" : ` [--${spec.listing.option.name} ${spec.listing.option.default}]`;
  const g = spec.group === undefined ? "" : ` [--${spec.group.option} ${spec.group.choices.join("|")}]`;
  return `usage:
  ${spec.program} generate --out FILE${g}${g === "" ? "" : "..."}
  ${spec.program} rotate --file FILE${g} [--${spec.leadOption} ${d(LEAD_DEFAULT_MS)}] [--grace ${d(GRACE_DEFAULT_MS)}] [--${spec.maxAge.option} ${d(spec.maxAge.defaultMs)}] [--${spec.cacheBound.option} ${d(spec.cacheBound.defaultMs)}]
  ${spec.program} show --file FILE${extra}
options: --now <UTC time, e.g. 2026-01-01T00:00:00Z> replaces the clock`;
}

function term(t: CliTimingTerm, value: string | undefined, env: Readonly<Record<string, string | undefined>>): TimingTerm {
  const found = timingTerm(t.what, { name: `--${t.option}`, value }, { name: t.variable, env, defaultMs: t.defaultMs });
  if (found === undefined) throw new UsageError(`${value === undefined ? t.variable : `--${t.option}`} must be a duration such as 1h or 5m`);
  return found;
}

function duration(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--${name} must be a duration such as 24h or 7d`);
  return ms;
}

/** The groups named by `--<group>` options, or undefined when there are none. */
function groupsOf<E>(spec: KeysCliSpec<E>, values: readonly string[] | undefined): string[] | undefined {
  const g = spec.group;
  if (g === undefined || values === undefined || values.length === 0) return undefined;
  return values.map((v) => {
    const group = g.parse(v);
    if (group === undefined) throw new UsageError(`--${g.option} must be one of ${g.choices.join("|")}`);
    return group;
  });
}

function describe<E>(spec: KeysCliSpec<E>, entries: readonly E[], now: number, option: string | undefined): object {
  const { file } = spec;
  const states = keyStates(entries.map(file.times), now, file.groups === undefined ? undefined : entries.map(file.groups.of));
  const names = file.timeFields;
  return {
    now: formatTime(now),
    keys: entries.map((e, i) => {
      const t = file.times(e);
      const time = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : formatTime(ms));
      return {
        ...spec.describeKey(e),
        state: states[i],
        ...(names.publishFrom === undefined ? {} : { [names.publishFrom]: time(t.publishFrom) }),
        [names.activeFrom]: time(t.activeFrom),
        [names.retireAt]: time(t.retireAt),
      };
    }),
    [spec.listing.name]: spec.listing.render(entries, now, option),
  };
}

function run<E>(spec: KeysCliSpec<E>, argv: readonly string[], env: Readonly<Record<string, string | undefined>>, out: (line: string) => void): void {
  const listingOption = spec.listing.option?.name;
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      out: { type: "string" },
      file: { type: "string" },
      [spec.leadOption]: { type: "string" },
      grace: { type: "string" },
      [spec.maxAge.option]: { type: "string" },
      [spec.cacheBound.option]: { type: "string" },
      now: { type: "string" },
      ...(listingOption === undefined ? {} : { [listingOption]: { type: "string" } }),
      ...(spec.group === undefined ? {} : { [spec.group.option]: { type: "string", multiple: true } }),
    },
  });
  const value = (name: string): string | undefined => {
    const v = (values as Record<string, string | boolean | undefined>)[name];
    return typeof v === "string" ? v : undefined;
  };
  const nowText = value("now");
  const now = nowText === undefined ? Date.now() : Date.parse(nowText);
  if (!Number.isFinite(now)) throw new UsageError("--now must be a time such as 2026-01-01T00:00:00Z");
  const option = listingOption === undefined ? undefined : value(listingOption);
  const groups = spec.group === undefined ? undefined : groupsOf(spec, (values as Record<string, string[] | undefined>)[spec.group.option]);
  const print = (extra: object, entries: readonly E[]): void => out(JSON.stringify({ ...extra, ...describe(spec, entries, now, option) }, null, 2));
  const [command, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError("unexpected arguments");
  const file = value("file");
  switch (command) {
    case "generate": {
      const path = value("out");
      if (path === undefined) throw new UsageError("generate needs --out FILE");
      generateKeyFile(spec.file, path, new Date(now), groups ?? spec.group?.generated ?? []);
      print({}, readKeyFile(spec.file, path, now));
      return;
    }
    case "rotate": {
      if (file === undefined) throw new UsageError("rotate needs --file FILE");
      if (groups !== undefined && groups.length > 1) throw new UsageError(`rotate takes one --${spec.group?.option ?? "group"}`);
      const leadMs = duration(value(spec.leadOption), LEAD_DEFAULT_MS, spec.leadOption);
      const graceMs = duration(value("grace"), GRACE_DEFAULT_MS, "grace");
      checkRotationTimes(
        { leadMs, graceMs },
        { maxAge: term(spec.maxAge, value(spec.maxAge.option), env), cacheBound: term(spec.cacheBound, value(spec.cacheBound.option), env) },
        { lead: `--${spec.leadOption}`, grace: "--grace" },
      );
      const rotation = rotateKeys(spec.file, readKeyFile(spec.file, file, now), { now, leadMs, graceMs, ...(groups?.[0] === undefined ? {} : { group: groups[0] }) });
      writeKeyFile(spec.file, file, rotation.entries);
      print({ added: spec.file.id(rotation.added), pruned: rotation.pruned }, rotation.entries);
      return;
    }
    case "show": {
      if (file === undefined) throw new UsageError("show needs --file FILE");
      print({}, readKeyFile(spec.file, file, now));
      return;
    }
    default:
      throw new UsageError(command === undefined ? "no command" : "unknown command");
  }
}

function codeOf(e: unknown): string | undefined {
  const code = typeof e === "object" && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : undefined;
}

/** Runs the CLI; returns the exit status: 0 done, 1 refused or failed, 2 usage. */
export function runKeysCli<E>(
  spec: KeysCliSpec<E>,
  argv: readonly string[],
  io: { readonly env: Readonly<Record<string, string | undefined>>; readonly out: (line: string) => void; readonly err: (line: string) => void },
): number {
  try {
    run(spec, argv, io.env, io.out);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && codeOf(e) === "ERR_PARSE_ARGS_UNKNOWN_OPTION")) {
      io.err(`${spec.program}: ${e.message}\n${usage(spec)}`);
      return 2;
    }
    if (e instanceof RotationTimingError) io.err(`${spec.program}: rotation refused, nothing written: ${e.message}`);
    else if (e instanceof KeyFileError) io.err(`${spec.program}: key file ${e.message}`);
    else io.err(`${spec.program}: failed (${codeOf(e) ?? "error"})`);
    return 1;
  }
}
