/**
 * The hostile clients the gateway's and the relay's front tests run against their real process
 * (spawnProbed): each returns the figures a test asserts on, so both services measure the same
 * way (method: docs/decisions/0025-http1-front-bounds.md).
 */
import { RawHttpClient } from "./raw-http.js";
import { pipelineWithoutReading, spawnProbed, type NonReader, type ProbedMemory, type ProbedProcess } from "./slow-reader.js";

export const MB = 1024 * 1024;

/** Heap and buffers: what a process still holds after a full collection. */
export function heldBytes(m: ProbedMemory): number {
  return m.heapUsed + m.external;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `use` against a fresh probed process of `main` (spawnProbed), stopped afterwards whatever happens. */
export async function withProbed(main: string, env: Readonly<Record<string, string>>, use: (service: ProbedProcess) => Promise<void>): Promise<void> {
  const service = await spawnProbed(main, env);
  try {
    await use(service);
  } finally {
    await service.stop();
  }
}

/**
 * The memory once it settles (two probes 1 s apart within 1 MB, for at most 20 s): the service's
 * log lines of an attack drain to stdout meanwhile (service-kit's logger buffers them), and on a
 * loaded machine that takes seconds.
 */
async function settledMemory(service: ProbedProcess): Promise<ProbedMemory> {
  let during = await service.memory();
  for (let i = 0; i < 20; i++) {
    await sleep(1000);
    const next = await service.memory();
    const settled = Math.abs(heldBytes(next) - heldBytes(during)) < MB;
    during = next;
    if (settled) break;
  }
  return during;
}

export interface SlowReaderFigures {
  readonly client: NonReader;
  readonly base: ProbedMemory;
  /** Request bytes the service took before it stopped reading. */
  readonly accepted: number;
  /** RSS growth at its peak while attacked. */
  readonly peakGrowth: number;
  /** Held bytes added while attacked (after a collection, once the memory settled). */
  readonly heldGrowth: number;
}

/** One client pipelines `totalBytes` of `request` and never reads an answer. */
export async function slowReader(service: ProbedProcess, request: Buffer, totalBytes: number): Promise<SlowReaderFigures> {
  const base = await service.memory();
  const baseRss = service.rss();
  let peak = baseRss;
  const client = await pipelineWithoutReading(service.port, request, totalBytes, 1500, () => (peak = Math.max(peak, service.rss())));
  peak = Math.max(peak, service.rss());
  const during = await settledMemory(service);
  return { client, base, accepted: client.accepted(), peakGrowth: peak - baseRss, heldGrowth: heldBytes(during) - heldBytes(base) };
}

export interface NonReadersFigures {
  readonly clients: readonly NonReader[];
  readonly base: ProbedMemory;
  /** Held bytes added per connection, once the memory settled. */
  readonly perConnection: number;
}

/** `count` connections each pipeline `request` up to 1 MB and never read; measured once the memory settled. */
export async function nonReaders(service: ProbedProcess, request: Buffer, count: number): Promise<NonReadersFigures> {
  const base = await service.memory();
  const clients = await Promise.all(Array.from({ length: count }, () => pipelineWithoutReading(service.port, request, MB, 800)));
  const during = await settledMemory(service);
  return { clients, base, perConnection: (heldBytes(during) - heldBytes(base)) / count };
}

export interface SlowlorisFigures {
  readonly headClosed: boolean;
  readonly bodyClosed: boolean;
  readonly elapsedMs: number;
  readonly base: ProbedMemory;
}

/**
 * Two slowloris clients of `POST <path>`: one dribbles a head that never ends a byte every 20 ms,
 * the other sends a head announcing 60 000 bytes and dribbles the body; until the service closed
 * both, or `limitMs`.
 */
export async function slowloris(service: ProbedProcess, path: string, limitMs: number): Promise<SlowlorisFigures> {
  const start = `POST ${path} HTTP/1.1\r\nHost: ${path.slice(1)}\r\nContent-Type: message/ohttp-req\r\n`;
  const head = `${start}X-Pad: ${"p".repeat(200)}`;
  const headClient = new RawHttpClient(service.port);
  const bodyClient = new RawHttpClient(service.port);
  try {
    const base = await service.memory();
    bodyClient.send(`${start}Content-Length: 60000\r\n\r\n`);
    const started = Date.now();
    for (let i = 0; !(headClient.closed && bodyClient.closed) && Date.now() - started < limitMs; i++) {
      if (!headClient.closed) headClient.send(head.charAt(i % head.length));
      if (!bodyClient.closed) bodyClient.send("b");
      await sleep(20);
    }
    return { headClosed: headClient.closed, bodyClosed: bodyClient.closed, elapsedMs: Date.now() - started, base };
  } finally {
    headClient.destroy();
    bodyClient.destroy();
  }
}

/** Held bytes added since `base`, after the clients are gone and 300 ms passed. */
export async function heldAfterClose(service: ProbedProcess, base: ProbedMemory, clients: readonly NonReader[] = []): Promise<number> {
  for (const c of clients) c.socket.destroy();
  await sleep(300);
  return heldBytes(await service.memory()) - heldBytes(base);
}
