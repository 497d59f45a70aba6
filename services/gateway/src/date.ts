/**
 * The inner `Date` check of RFC 9458 §6.5.1: "The Oblivious Gateway Resource can reject any
 * request that is the same as one that was previously answered within that time window or if the
 * Date header field from the decrypted request is outside of the current time window." A request
 * outside the window gets the `date` problem type with the gateway's own `Date` (§6.5.2), so an
 * honest client with a wrong clock can retry once with a fresh encapsulation.
 *
 * HTTP-date is RFC 9110 §5.6.7: IMF-fixdate, which senders use (service-kit's formatHttpDate), and
 * the two obsolete forms, which recipients accept.
 */
import { fieldValues, type Field } from "@oblivious/bhttp";

const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const LONG_DAY = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;
const MONTH = `(${MONTHS.join("|")})`;
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})";

/** Sun, 06 Nov 1994 08:49:37 GMT */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
/** Sunday, 06-Nov-94 08:49:37 GMT */
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
/** Sun Nov  6 08:49:37 1994 */
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

function build(year: number, month: string, day: number, h: number, m: number, s: number): number | undefined {
  const mon = MONTHS.indexOf(month as (typeof MONTHS)[number]);
  if (mon < 0 || h > 23 || m > 59 || s > 60) return undefined;
  const ms = Date.UTC(year, mon, day, h, m, Math.min(s, 59));
  // Rejects 31 Feb and the like, which Date.UTC would roll over into the next month.
  return new Date(ms).getUTCDate() === day ? ms : undefined;
}

/**
 * The last IMF-fixdate parsed and its value. Clients stamp their requests with the current
 * second, so at thousands of requests a second nearly every request repeats the text before it;
 * the value of an IMF-fixdate does not depend on the clock, so the repeat is free.
 */
let lastFixdate = "";
let lastFixdateMs: number | undefined;

/** Milliseconds since the epoch, or `undefined` when `text` is no HTTP-date. */
export function parseHttpDate(text: string, now: number): number | undefined {
  if (text === lastFixdate) return lastFixdateMs;
  let m = IMF_FIXDATE.exec(text);
  if (m) {
    const ms = build(Number(m[3]), m[2] ?? "", Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
    lastFixdate = text;
    lastFixdateMs = ms;
    return ms;
  }
  m = RFC850_DATE.exec(text);
  if (m) {
    // RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is in the past century.
    const currentYear = new Date(now).getUTCFullYear();
    let year = Math.floor(currentYear / 100) * 100 + Number(m[3]);
    if (year > currentYear + 50) year -= 100;
    return build(year, m[2] ?? "", Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = ASCTIME_DATE.exec(text);
  if (m) return build(Number(m[6]), m[1] ?? "", Number((m[2] ?? "").trim()), Number(m[3]), Number(m[4]), Number(m[5]));
  return undefined;
}

export const DateVerdict = { Ok: "ok", Missing: "missing", Invalid: "invalid", Outside: "outside" } as const;
export type DateVerdict = (typeof DateVerdict)[keyof typeof DateVerdict];

export interface DatePolicy {
  /** How far the inner `Date` may be from the gateway's clock, either way. */
  readonly windowMs: number;
  /** Refuse a request without `Date` (the replay defence then rests on the `enc` cache alone). */
  readonly required: boolean;
}

/** Checks the inner request's `Date` fields against the clock. More than one line is invalid. */
export function checkDate(headers: readonly Field[], now: number, policy: DatePolicy): DateVerdict {
  const values = fieldValues(headers, "date");
  if (values.length === 0) return policy.required ? DateVerdict.Missing : DateVerdict.Ok;
  if (values.length > 1) return DateVerdict.Invalid;
  const date = parseHttpDate(values[0] ?? "", now);
  if (date === undefined) return DateVerdict.Invalid;
  return Math.abs(date - now) <= policy.windowMs ? DateVerdict.Ok : DateVerdict.Outside;
}

/**
 * How long an `enc` must stay in the replay cache. `checkDate` accepts a request at `t` when
 * |Date - t| <= window, bounds included. A request first accepted at `t0` has Date >= t0 - window,
 * and a copy passes the check again only while `t <= Date + window <= t0 + 2 × window`. So an
 * entry claimed at `t0` (the instant of the check, not a later one) for `2 × window` and live up
 * to and including its expiry instant (replay.ts) refuses every copy that passes the check; the
 * first instant it may expire is the first at which no copy can pass. RFC 9458 §6.5.1.
 */
export function replayTtlMs(policy: DatePolicy): number {
  return 2 * policy.windowMs;
}
