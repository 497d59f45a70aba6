/**
 * HTTP-date as senders write it (RFC 9110 §5.6.7: IMF-fixdate), for `Date` fields (§6.6.1).
 * Parsing, with the obsolete forms recipients must accept, is the gateway's (its inner `Date`
 * check); a sender only ever needs this one form.
 */

/** IMF-fixdate, as a `Date` header carries it: `Sun, 06 Nov 1994 08:49:37 GMT`. */
export function formatHttpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

let cachedSecond = 0;
let cachedValue = "";

/** The current time as IMF-fixdate, formatted at most once a second (an origin's clock resolution). */
export function currentHttpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedValue = formatHttpDate(now);
  }
  return cachedValue;
}
