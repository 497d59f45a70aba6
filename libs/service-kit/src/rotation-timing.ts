/**
 * The shortest publish lead and grace a key rotation may have, one rule for the gateway's keys
 * and the issuer's keys (docs/decisions/0027-key-cache-lifetimes.md).
 *
 * A listing of keys (the gateway's `application/ohttp-keys`, the issuer's directory) is served
 * with a `max-age` of at most its publisher's cap, and a cache between the publisher and the
 * users (the relay's key cache, the origins' directory refresh) keeps it at most its own bound.
 * A listing fetched just before a rotation is written, which does not know the rotation, can
 * therefore still be in use for up to cap + bound after it. Both times of the rotation must
 * cover that:
 * - the publish lead, because the new key must reach every copy of the listing before it is used;
 * - the grace, because a client holding a listing from before the rotation keeps using the old
 *   key, which must still be accepted until no such listing can be left.
 */
import { CodedError } from "@oblivious/wire";
import { parseDuration } from "./config.js";

/** One term of the rule, and where its value came from (an option, a variable or a default). */
export interface TimingTerm {
  readonly ms: number;
  /** What the value is, for the message: "the listing's max-age". */
  readonly what: string;
  /** Where it came from: "GATEWAY_KEYS_MAX_AGE", "--relay-keys-ttl", "default of RELAY_KEYS_TTL". */
  readonly source: string;
}

export interface ListingCaching {
  /** The publisher's cap of the listing's max-age. */
  readonly maxAge: TimingTerm;
  /** The longest a cache in front of the users keeps a listing. */
  readonly cacheBound: TimingTerm;
}

export const RotationTimingErrorCode = { LeadTooShort: "lead-too-short", GraceTooShort: "grace-too-short" } as const;
export type RotationTimingErrorCode = (typeof RotationTimingErrorCode)[keyof typeof RotationTimingErrorCode];

/** A rotation whose lead or grace is shorter than a listing may be cached. The message gives the numbers. */
export class RotationTimingError extends CodedError<RotationTimingErrorCode> {
  override readonly name = "RotationTimingError";
  readonly minimumMs: number;

  constructor(code: RotationTimingErrorCode, message: string, minimumMs: number) {
    super(code, message);
    this.minimumMs = minimumMs;
  }
}

/** `3_900_000` → `1h5m`, `40_000` → `40s`, `250` → `250ms`, `0` → `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join("");
}

/** The shortest lead and grace: the longest a listing from before the rotation may be in use. */
export function minimumRotationMs(caching: ListingCaching): number {
  return caching.maxAge.ms + caching.cacheBound.ms;
}

function describe(t: TimingTerm): string {
  return `${t.what} (${t.source}, ${formatDuration(t.ms)})`;
}

/**
 * Throws RotationTimingError when `leadMs` or `graceMs` is shorter than `minimumRotationMs`.
 * `names` are the options as the operator typed them (`--publish-lead`, `--grace`).
 */
export function checkRotationTimes(
  times: { readonly leadMs: number; readonly graceMs: number },
  caching: ListingCaching,
  names: { readonly lead: string; readonly grace: string },
): void {
  const minimum = minimumRotationMs(caching);
  const bound = `${formatDuration(minimum)}: ${describe(caching.maxAge)} plus ${describe(caching.cacheBound)}, the longest a listing fetched before the rotation may still be in use`;
  if (times.leadMs < minimum) {
    throw new RotationTimingError(
      RotationTimingErrorCode.LeadTooShort,
      `${names.lead} ${formatDuration(times.leadMs)} is shorter than ${bound}; the new key would be used before every copy of the listing has it`,
      minimum,
    );
  }
  if (times.graceMs < minimum) {
    throw new RotationTimingError(
      RotationTimingErrorCode.GraceTooShort,
      `${names.grace} ${formatDuration(times.graceMs)} is shorter than ${bound}; clients holding such a listing would keep using the old key after it is retired, and every request would be refused`,
      minimum,
    );
  }
}

/**
 * A duration for the rule from the option if given, else from the environment variable the
 * service itself reads, else that variable's default; undefined when the text is malformed.
 */
export function timingTerm(
  what: string,
  option: { readonly name: string; readonly value: string | undefined },
  variable: { readonly name: string; readonly env: Readonly<Record<string, string | undefined>>; readonly defaultMs: number },
): TimingTerm | undefined {
  if (option.value !== undefined) {
    const ms = parseDuration(option.value);
    return ms === undefined ? undefined : { ms, what, source: option.name };
  }
  const raw = variable.env[variable.name];
  if (raw !== undefined && raw !== "") {
    const ms = parseDuration(raw);
    return ms === undefined ? undefined : { ms, what, source: variable.name };
  }
  return { ms: variable.defaultMs, what, source: `default of ${variable.name}` };
}
