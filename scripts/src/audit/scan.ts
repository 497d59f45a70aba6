/**
 * Finding canaries in captured text and bytes. A canary counts as found in any of the forms a
 * careless line of code would write it: as is, lower-cased, percent-encoded, hex, base64 and
 * base64url of its bytes. Tokens are found by their base64url (as sent) and by their nonce (ARC:
 * U and the tag); related byte strings also as raw bytes (binary bodies, read as latin1).
 */
import type { CanaryKind, Channel, Component } from "./contract.js";

export interface Canary {
  readonly kind: CanaryKind;
  /** The value the audit sent. */
  readonly value: string;
  /** Further byte strings that also betray it (a token's nonce, say). */
  readonly related?: readonly Uint8Array[];
}

export interface Finding {
  readonly component: Component;
  readonly channel: Channel;
  readonly canary: CanaryKind;
  /** Where, for the report: a log line number, a Redis key, a recorder, ... (never the value). */
  readonly where: string;
}

function forms(canary: Canary): string[] {
  const bytes = [Buffer.from(canary.value, "utf8"), ...(canary.related ?? []).map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))];
  const out = new Set<string>([canary.value, canary.value.toLowerCase(), encodeURIComponent(canary.value)]);
  for (const b of canary.related ?? []) out.add(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1"));
  for (const b of bytes) {
    out.add(b.toString("hex"));
    // base64 of a substring can start at any of three alignments; whole values are what leaks here.
    out.add(b.toString("base64").replace(/=+$/, ""));
    out.add(b.toString("base64url"));
  }
  return [...out].filter((f) => f.length >= 8);
}

export class Scanner {
  readonly #patterns: { readonly kind: CanaryKind; readonly forms: readonly string[] }[];
  constructor(canaries: readonly Canary[]) {
    this.#patterns = canaries.map((c) => ({ kind: c.kind, forms: forms(c) }));
  }

  /** The canary kinds present in `text` (also searched as latin1, so raw bytes work). */
  kindsIn(text: string): CanaryKind[] {
    const lower = text.toLowerCase();
    return this.#patterns.filter((p) => p.forms.some((f) => text.includes(f) || lower.includes(f.toLowerCase()))).map((p) => p.kind);
  }

  findings(component: Component, channel: Channel, where: string, text: string): Finding[] {
    return this.kindsIn(text).map((canary) => ({ component, channel, canary, where }));
  }
}
