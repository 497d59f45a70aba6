/**
 * The hostile clients the gateway's and the relay's front tests run against their real process
 * (spawnProbed): each returns the figures a test asserts on, so both services measure the same
 * way (method: docs/decisions/0025-http1-front-bounds.md).
 */
import { RawHttpClient } from "./raw-http.js";
import { pipelineWithoutReading, type NonReader, type ProbedMemory, type ProbedProcess } from "./slow-reader.js";

export const MB = 1024 * 1024;

/** Heap and buffers: what a process still holds after a full collection. */
export function heldBytes(m: ProbedMemory): number {
  return m.heapUsed + m.external;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface SlowReaderFigures {
  readonly client: NonReader;
  readonly base: ProbedMemory;
  /** Request bytes the service took before it stopped reading. */
  readonly accepted: number;
  /** RSS growth at its peak while attacked. */
  readonly peakGrowth: number;
  /** Held bytes added while attacked (after a collection). */
  readonly heldGrowth: number;
}

/** One client pipelines `totalBytes` of `request` and never reads an answer. */
export async function slowReader(service: ProbedProcess, request: Buffer, totalBytes: number): Promise<SlowReaderFigures> {
  const base = await service.memory();
  const baseRss = service.rss();
  let peak = baseRss;
  const client = await pipelineWithoutReading(service.port, request, totalBytes, 1500, () => (peak = Math.max(peak, service.rss())));
  const during = await service.memory();
  peak = Math.max(peak, during.rss);
  return { client, base, accepted: client.accepted(), peakGrowth: peak - baseRss, heldGrowth: heldBytes(during) - heldBytes(base) };
}

export interface NonReadersFigures {
  readonly clients: readonly NonReader[];
  readonly base: ProbedMemory;
  /** Held bytes added per connection, once the memory settled. */
  readonly perConnection: number;
}

/**
 * `count` connections each pipeline `request` up to 1 MB and never read. Measured once the memory
 * settles: the service's log lines of the attack drain to stdout meanwhile (service-kit's logger
 * buffers them), within 20 s.
 */
export async function nonReaders(service: ProbedProcess, request: Buffer, count: number): Promise<NonReadersFigures> {
  const base = await service.memory();
  const clients = await Promise.all(Array.from({ length: count }, () => pipelineWithoutReading(service.port, request, MB, 800)));
  let during = await service.memory();
  for (let i = 0; i < 20; i++) {
    await sleep(1000);
    const next = await service.memory();
    const settled = Math.abs(heldBytes(next) - heldBytes(during)) < MB;
    during = next;
    if (settled) break;
  }
  return { clients, base, perConnection: (heldBytes(during) - heldBytes(base)) / count };
}

export interface SlowlorisFigures {
  readonly headClosed: boolean;
  readonly bodyClosed: boolean;
  readonly elapsedMs: number;
  readonly base: ProbedMemory;
}

/**
 * Two slowloris clients: one dribbles `head` (a request head that never ends) a byte every 20 ms,
 * the other sends `bodyHead` and then dribbles its body; until the service closed both, or `limitMs`.
 */
export async function slowloris(service: ProbedProcess, head: string, bodyHead: string, limitMs: number): Promise<SlowlorisFigures> {
  const headClient = new RawHttpClient(service.port);
  const bodyClient = new RawHttpClient(service.port);
  try {
    const base = await service.memory();
    bodyClient.send(bodyHead);
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
