/**
 * HTTP/1.1 field syntax shared by the services' own wire code: the hot-path listener
 * (http1-front.ts), the client (http1-client.ts) and what the gateway forwards to its targets.
 */

/** A field line as sent or received: its name (case kept) and its value. */
export type Http1Field = readonly [name: string, value: string];

/** A token (RFC 9110 §5.6.2): a method or a field name. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A field value that HTTP/1.1 can carry (RFC 9110 §5.5): visible bytes, obs-text, spaces and tabs. */
export const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * One field line (RFC 9112 §5): a token, a colon with no space before it, the value without its
 * surrounding spaces and tabs. Undefined for anything else (obs-fold included: its line starts
 * with a space, which no token holds).
 */
export function fieldLine(line: string): Http1Field | undefined {
  const colon = line.indexOf(":");
  if (colon <= 0) return undefined;
  const name = line.slice(0, colon);
  // Spaces and tabs only (String.prototype.trim would also take other whitespace); a loop, since
  // a trimming regular expression tries its pattern at every position of every line.
  let start = colon + 1;
  let end = line.length;
  while (start < end && isBlank(line.charCodeAt(start))) start++;
  while (end > start && isBlank(line.charCodeAt(end - 1))) end--;
  const value = line.slice(start, end);
  return TOKEN.test(name) && FIELD_VALUE.test(value) ? [name, value] : undefined;
}

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
