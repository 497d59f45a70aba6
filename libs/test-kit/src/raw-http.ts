import { connect, type Socket } from "node:net";

export interface RawAnswer {
  readonly status: number;
  /** By lower-case name (the last line of a name wins). */
  readonly headers: Map<string, string>;
  /** The field lines as they came: names in their case, order and duplicates kept. */
  readonly fields: readonly (readonly [string, string])[];
  /** The content, as latin1 text. */
  readonly body: string;
}

/**
 * HTTP/1.1 over a bare socket, for tests that must control every byte a client sends (pipelining,
 * duplicate or odd field lines, a body cut short) and see every byte of the answers: writes what
 * it is given, reads answers framed by Content-Length (none means empty).
 */
export class RawHttpClient {
  readonly socket: Socket;
  #buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  closed = false;

  constructor(port: number, options: { readonly host?: string; readonly localAddress?: string } = {}) {
    this.socket = connect({ port, host: options.host ?? "127.0.0.1", ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) });
    this.socket.on("data", (c: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, c]);
      this.#wake();
    });
    this.socket.on("close", () => {
      this.closed = true;
      this.#wake();
    });
    this.socket.on("error", () => undefined);
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  send(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** The next whole answer; rejects if the connection closes first or nothing comes in time. */
  async answer(timeoutMs = 5000): Promise<RawAnswer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.#buffer.indexOf("\r\n\r\n");
      if (end >= 0) {
        const lines = this.#buffer.toString("latin1", 0, end).split("\r\n");
        const fields = lines.slice(1).map((l) => {
          const i = l.indexOf(":");
          return [l.slice(0, i), l.slice(i + 1).trim()] as const;
        });
        const headers = new Map(fields.map(([n, v]) => [n.toLowerCase(), v]));
        const length = Number(headers.get("content-length") ?? "0");
        if (this.#buffer.length >= end + 4 + length) {
          const body = this.#buffer.toString("latin1", end + 4, end + 4 + length);
          this.#buffer = this.#buffer.subarray(end + 4 + length);
          return { status: Number(lines[0]?.split(" ")[1]), headers, fields, body };
        }
      }
      if (this.closed) throw new Error("closed before a whole answer");
      if (Date.now() > deadline) throw new Error("no answer in time");
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  async closedWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
