/**
 * Which address a request counts against, for the rate limiter only. The result is never
 * forwarded, logged or exported; the limiter keeps only a keyed hash of it.
 */
import { isIPv4, isIPv6 } from "node:net";

/**
 * The client's address: the socket's peer, or, behind `trustProxy` reverse proxies, the entry
 * those proxies appended to `X-Forwarded-For`. Each proxy appends the address it received the
 * connection from, so with N trusted proxies the client is the Nth entry from the right; entries
 * further left were written by the client and prove nothing. With fewer entries than proxies the
 * leftmost one is used (the request passed through fewer proxies). An entry that is not an IP
 * address (a misconfigured proxy) falls back to the socket's peer, so such requests share one
 * budget rather than trusting text.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | undefined, trustProxy: number): string {
  const peer = socketAddress ?? "";
  if (trustProxy === 0 || forwardedFor === undefined) return peer;
  const hops = forwardedFor.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const entry = hops.length === 0 ? undefined : hops[Math.max(0, hops.length - trustProxy)];
  const address = entry === undefined ? undefined : stripPort(entry);
  return address !== undefined && (isIPv4(address) || isIPv6(address)) ? address : peer;
}

/** `192.0.2.1:443` → `192.0.2.1`, `[2001:db8::1]:443` → `2001:db8::1`; a bare address is kept. */
function stripPort(entry: string): string {
  if (entry.startsWith("[")) {
    const end = entry.indexOf("]");
    return end === -1 ? entry : entry.slice(1, end);
  }
  const colon = entry.indexOf(":");
  return colon !== -1 && colon === entry.lastIndexOf(":") ? entry.slice(0, colon) : entry;
}

/** The eight 16-bit groups of a valid IPv6 address. */
function ipv6Groups(address: string): number[] {
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  const last = text.slice(lastColon + 1);
  if (last.includes(".")) {
    // An embedded IPv4 address (RFC 4291, Section 2.2, form 3) is the last two groups.
    const [a = 0, b = 0, c = 0, d = 0] = last.split(".").map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    text = text.slice(0, lastColon);
    if (text.endsWith(":")) text += ":";
  }
  const parse = (part: string): number[] => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const gap = text.indexOf("::");
  const head = parse(gap === -1 ? text : text.slice(0, gap));
  const rest = gap === -1 ? [] : parse(text.slice(gap + 2));
  const zeros = new Array<number>(8 - tail.length - head.length - rest.length).fill(0);
  return [...head, ...zeros, ...rest, ...tail];
}

/**
 * What one budget is kept for: an IPv4 address, or an IPv6 /64. A single IPv6 host usually holds
 * a whole /64 (RFC 7421), so per-address budgets would be free to multiply. IPv4-mapped IPv6
 * addresses count as their IPv4 address. Anything else (an empty or unusual peer) is kept as is.
 */
export function rateLimitSubject(address: string): string {
  const bare = address.split("%")[0] ?? address;
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return bare;
  const g = ipv6Groups(bare.toLowerCase());
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    const [hi = 0, lo = 0] = g.slice(6);
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return `${g.slice(0, 4).map((x) => x.toString(16)).join(":")}::/64`;
}
