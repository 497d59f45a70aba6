/**
 * Device credentials for issuance, with the issuer's quota in mind: each credential may be issued
 * at most `quota` tokens per period (ISSUER_QUOTA, default 100), so a run spreads its tokens over
 * as many credentials as it needs and never asks one for more than it has left.
 *
 * - Local stack: fresh device ids (random per run, so runs do not eat each other's quota), each
 *   with a credential from the development attester under the stack's dev directory.
 * - Deployed stack: `--credentials FILE`, one JWT per line, each assumed to have its full quota.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createDevAttester } from "@oblivious/issuer/dev";
import type { Grant } from "./mint.js";

export interface CredentialSource {
  /** Grants adding up to `tokens`, any number of tokens per credential. */
  grants(tokens: number): Promise<Grant[]>;
  /** One credential per request of `size` tokens, each with room for the whole request. */
  perRequest(requests: number, size: number): Promise<string[]>;
  /** Tokens still available, or Infinity for a source that makes new credentials. */
  readonly remaining: number;
}

interface Slot {
  readonly credential: string;
  left: number;
}

class QuotaLedger implements CredentialSource {
  readonly #slots: Slot[] = [];
  readonly #quota: number;
  readonly #more: (() => Promise<string>) | undefined;

  constructor(quota: number, initial: readonly string[], more: (() => Promise<string>) | undefined) {
    this.#quota = quota;
    this.#more = more;
    for (const credential of initial) this.#slots.push({ credential, left: quota });
  }

  get remaining(): number {
    return this.#more === undefined ? this.#slots.reduce((s, x) => s + x.left, 0) : Number.POSITIVE_INFINITY;
  }

  async #slotWith(room: number): Promise<Slot> {
    const found = this.#slots.find((s) => s.left >= room);
    if (found !== undefined) return found;
    if (this.#more === undefined) throw new Error(`the credentials have no room left for ${room} more tokens (quota ${this.#quota} each)`);
    const slot = { credential: await this.#more(), left: this.#quota };
    this.#slots.push(slot);
    return slot;
  }

  async grants(tokens: number): Promise<Grant[]> {
    const out: Grant[] = [];
    for (let left = tokens; left > 0; ) {
      const slot = await this.#slotWith(1);
      const n = Math.min(left, slot.left);
      slot.left -= n;
      left -= n;
      out.push({ credential: slot.credential, count: n });
    }
    return out;
  }

  async perRequest(requests: number, size: number): Promise<string[]> {
    if (size > this.#quota) throw new Error(`an issuance request of ${size} tokens exceeds the quota of ${this.#quota}`);
    const out: string[] = [];
    for (let i = 0; i < requests; i++) {
      const slot = await this.#slotWith(size);
      slot.left -= size;
      out.push(slot.credential);
    }
    return out;
  }
}

export async function devCredentials(devDir: string, quota: number): Promise<CredentialSource> {
  const attester = await createDevAttester(devDir);
  const run = randomBytes(6).toString("hex");
  let n = 0;
  return new QuotaLedger(quota, [], () => attester.mint(`load-${run}-${n++}`, 6 * 3600));
}

export function fileCredentials(path: string, quota: number): CredentialSource {
  const lines = readFileSync(path, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  if (lines.length === 0) throw new Error(`${path} holds no credential`);
  return new QuotaLedger(quota, lines, undefined);
}
