/**
 * Raw node:net targets for the client's adversarial tests: each request carries `x-id`, and the
 * target's answer carries that id in its content, so that a test can tell whose answer a request
 * got. A target's `misbehave` hook adds bytes nobody asked for.
 */
import { createServer, type Server, type Socket } from "node:net";

export interface IdRequest {
  readonly id: string;
  readonly method: string;
  readonly socket: Socket;
}

/** What the target writes for one request: the pieces, written one by one (a turn of its loop apart). */
export type Misbehave = (request: IdRequest, answer: string) => readonly (string | { readonly delayMs: number; readonly bytes: string })[];

export interface IdTarget {
  readonly base: URL;
  readonly received: IdRequest[];
  /** Connections accepted so far. */
  readonly accepted: () => number;
  /** Requests that arrived on a connection while an earlier one on it was still unanswered. */
  readonly pipelined: () => number;
  /** Server-side sockets still open. */
  readonly sockets: Set<Socket>;
  misbehave: Misbehave;
  /** How long the target waits before answering. */
  delayMs: number;
  close(): Promise<void>;
}

/** A well-formed keep-alive answer carrying `text`. */
export function answerFor(text: string, status = 200): string {
  return `HTTP/1.1 ${status} X\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text, "latin1")}\r\n\r\n${text}`;
}

export const honest: Misbehave = (_r, answer) => [answer];

export async function idTarget(misbehave: Misbehave = honest): Promise<IdTarget> {
  const received: IdRequest[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  let pipelined = 0;
  const target: IdTarget = {
    base: new URL("http://127.0.0.1"),
    received,
    accepted: () => accepted,
    pipelined: () => pipelined,
    sockets,
    misbehave,
    delayMs: 0,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let pending = "";
    let outstanding = 0;
    socket.on("data", (chunk: Buffer) => {
      pending += chunk.toString("latin1");
      for (;;) {
        const end = pending.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = pending.slice(0, end);
        const length = /\r\ncontent-length: (\d+)/i.exec(head);
        const total = end + 4 + (length ? Number(length[1]) : 0);
        if (pending.length < total) return;
        pending = pending.slice(total);
        const request: IdRequest = { id: /\r\nx-id: ([^\r]*)/i.exec(head)?.[1] ?? "", method: head.slice(0, head.indexOf(" ")), socket };
        received.push(request);
        if (outstanding > 0) pipelined++;
        outstanding++;
        const pieces = target.misbehave(request, answerFor(`answer:${request.id}`));
        void (async () => {
          if (target.delayMs > 0) await new Promise((r) => setTimeout(r, target.delayMs));
          outstanding--;
          for (const piece of pieces) {
            if (typeof piece === "string") {
              socket.write(piece);
              await new Promise((r) => setImmediate(r));
            } else {
              await new Promise((r) => setTimeout(r, piece.delayMs));
              if (!socket.destroyed) socket.write(piece.bytes);
            }
          }
        })();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return Object.assign(target, { base: new URL(`http://127.0.0.1:${port}`) });
}
