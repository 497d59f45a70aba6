/**
 * Which address a request counts against, for the rate limiter only. The result is never
 * forwarded, logged or exported; the limiter keeps only a keyed hash of it.
 */
import { BlockList, isIP, isIPv4, isIPv6 } from "node:net";

/** One `RELAY_TRUSTED_PROXIES` entry: an address and prefix length (a bare address is a /32 or /128). */
export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: "ipv4" | "ipv6";
}

/** `10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`; undefined if malformed (prefix out of range, not an address). */
export function parseCidr(text: string): Cidr | undefined {
  const [address = "", prefixText, extra] = text.trim().split("/");
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0 || address.includes("%")) return undefined;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

/** A comma-separated list of CIDRs; undefined if any entry is malformed or the list is empty. */
export function parseCidrList(text: string): Cidr[] | undefined {
  const entries = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const cidrs = entries.map(parseCidr);
  return cidrs.length === 0 || cidrs.some((c) => c === undefined) ? undefined : (cidrs as Cidr[]);
}

/**
 * The reverse proxies whose `X-Forwarded-For` entries the relay believes: how many there are in
 * a row (`RELAY_TRUST_PROXY`) and where they connect from (`RELAY_TRUSTED_PROXIES`).
 */
export class TrustedProxies {
  readonly hops: number;
  readonly #list = new BlockList();
  readonly #empty: boolean;

  constructor(hops: number, cidrs: readonly Cidr[]) {
    this.hops = hops;
    for (const c of cidrs) this.#list.addSubnet(c.address, c.prefix, c.family);
    this.#empty = cidrs.length === 0;
  }

  /** No proxy is trusted: `X-Forwarded-For` is never read. */
  get none(): boolean {
    return this.hops === 0 || this.#empty;
  }

  /** Whether `address` is one of the proxies. IPv4-mapped IPv6 matches its IPv4 address (BlockList does). */
  trusts(address: string): boolean {
    const bare = address.split("%")[0] ?? address;
    if (isIPv4(bare)) return this.#list.check(bare, "ipv4");
    return isIPv6(bare) && this.#list.check(bare, "ipv6");
  }
}

/**
 * The client's address: the socket's peer, or, when that peer is a trusted proxy, the address
 * the proxies recorded in `X-Forwarded-For`. Each proxy appends the address it received the
 * connection from, so the relay walks the entries from the right: while the address in hand is a
 * trusted proxy and fewer than `hops` entries were taken, the next entry to the left is the one
 * that connected to it. The first address that is not a trusted proxy is the client; entries
 * further left were written by the client and prove nothing. A peer that is not a trusted proxy
 * (a client that reaches the relay directly) is its own address whatever it sends, so it cannot
 * pick its bucket. With fewer entries than proxies the leftmost one is used. An entry that is not
 * an IP address (a misconfigured proxy) falls back to the socket's peer, so such requests share
 * one budget rather than trusting text.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | undefined, proxies: TrustedProxies): string {
  const peer = socketAddress ?? "";
  if (proxies.none || forwardedFor === undefined || !proxies.trusts(peer)) return peer;
  const entries = forwardedFor.split(",").map((s) => s.trim()).filter((s) => s !== "");
  let address = peer;
  for (let taken = 0; taken < proxies.hops && (taken === 0 || proxies.trusts(address)); taken++) {
    const entry = entries[entries.length - 1 - taken];
    if (entry === undefined) break;
    const next = stripPort(entry);
    if (!isIPv4(next) && !isIPv6(next)) return peer;
    address = next;
  }
  return address;
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
