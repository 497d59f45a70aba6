/**
 * A recording TCP proxy between two hops: it passes bytes through unchanged and keeps, per
 * connection, the peer address the next hop would have seen and every byte sent towards it.
 * Placed in front of the gateway and of each backend, it shows what each hop received from the
 * one before: the headers and addresses the relay and the gateway add, byte for byte, with no
 * help from the services themselves.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface RecordedConnection {
  /** The address the next hop saw as its peer (the proxy stands in for the previous hop). */
  readonly peerAddress: string;
  readonly chunks: Buffer[];
}

export interface Recorder {
  readonly name: string;
  readonly url: string;
  readonly connections: readonly RecordedConnection[];
  /** Everything received, all connections, as one buffer. */
  bytes(): Buffer;
  close(): Promise<void>;
}

export async function startRecorder(name: string, upstream: URL): Promise<Recorder> {
  const connections: RecordedConnection[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((downstream) => {
    const record: RecordedConnection = { peerAddress: downstream.remoteAddress ?? "", chunks: [] };
    connections.push(record);
    const up = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
    sockets.add(downstream).add(up);
    downstream.on("data", (chunk: Buffer) => record.chunks.push(Buffer.from(chunk)));
    downstream.pipe(up).pipe(downstream);
    const end = (): void => {
      downstream.destroy();
      up.destroy();
      sockets.delete(downstream);
      sockets.delete(up);
    };
    downstream.on("error", end).on("close", end);
    up.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    connections,
    bytes: () => Buffer.concat(connections.flatMap((c) => c.chunks)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
