/**
 * What the audit reads after driving the flows: each service's log lines (its stdout and stderr),
 * each `/metrics` page, and every Redis key under the run's prefix with its value.
 */
import type { ChildProcess } from "node:child_process";
import { Redis } from "ioredis";

export class LineCapture {
  readonly lines: string[] = [];
  #partial = "";
  attach(child: ChildProcess): void {
    const take = (chunk: Buffer): void => {
      const text = this.#partial + chunk.toString("latin1");
      const parts = text.split("\n");
      this.#partial = parts.pop() ?? "";
      for (const p of parts) if (p !== "") this.lines.push(p);
    };
    child.stdout?.on("data", take);
    child.stderr?.on("data", take);
    child.once("exit", () => {
      if (this.#partial !== "") this.lines.push(this.#partial);
      this.#partial = "";
    });
  }
}

export async function fetchMetrics(adminUrl: string): Promise<string> {
  const res = await fetch(`${adminUrl}/metrics`);
  if (!res.ok) throw new Error(`GET ${adminUrl}/metrics: ${res.status}`);
  return res.text();
}

export interface StoredEntry {
  readonly key: string;
  /** The value in a readable form (strings as is, hashes and sets flattened). */
  readonly value: string;
  /** Milliseconds to expiry; -1 without an expiry. */
  readonly pttlMs: number;
}

/** Every key under `prefix` with its value; binary values are read as latin1 so bytes still match. */
export async function dumpRedis(url: string, prefix: string): Promise<StoredEntry[]> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const entries: StoredEntry[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await redis.scanBuffer(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next.toString();
      for (const keyBuf of keys) {
        const key = keyBuf.toString("latin1");
        const type = await redis.type(key);
        let value = "";
        if (type === "string") value = ((await redis.getBuffer(key)) ?? Buffer.alloc(0)).toString("latin1");
        else if (type === "hash") value = Object.entries(await redis.hgetallBuffer(key)).map(([f, v]) => `${f}=${v.toString("latin1")}`).join(" ");
        else if (type === "set") value = (await redis.smembersBuffer(key)).map((b) => b.toString("latin1")).join(" ");
        else if (type === "zset") value = (await redis.zrangeBuffer(key, 0, -1)).map((b) => b.toString("latin1")).join(" ");
        else if (type === "list") value = (await redis.lrangeBuffer(key, 0, -1)).map((b) => b.toString("latin1")).join(" ");
        entries.push({ key, value, pttlMs: await redis.pttl(key) });
      }
    } while (cursor !== "0");
    return entries;
  } finally {
    redis.disconnect();
  }
}

export async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
