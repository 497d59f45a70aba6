/** One connection kept by Http1Front (front.ts): where it is in its exchange, and what it holds. */
import type { Socket } from "node:net";
import type { ParsedHead } from "./front-head.js";

export const State = {
  /** Between requests: waiting for a first byte (keep-alive deadline). */
  Idle: 0,
  /** Some bytes of a head have come. */
  Head: 1,
  /** The head is parsed; the body is coming. */
  Body: 2,
  /** The request is being answered. */
  Busy: 3,
  /** Answered, and the unsent output is over its bound: nothing more is read until 'drain'. */
  Sending: 4,
  /** Ended by the server (Connection: close, a deadline): its last bytes are flushing. */
  Closing: 5,
  /** Given to node:http, or closed. */
  Gone: 6,
} as const;
export type State = (typeof State)[keyof typeof State];

export interface Head extends ParsedHead {
  /** Index of the body's first byte in the pending bytes. */
  readonly bodyStart: number;
}

const EMPTY = Buffer.alloc(0);

export class Connection {
  state: State = State.Idle;
  /** Bytes received and not consumed yet. */
  pending: Buffer = EMPTY;
  /** Where the search for the end of the head resumes. */
  scanned = 0;
  head: Head | undefined;
  /** When the current state's deadline started: the request's first byte, going idle, waiting for 'drain', ending. */
  since = performance.now();
  /** When the current request's head was complete. */
  bodySince = 0;
  /** Removes the front's listeners from the socket (set once they are added). */
  detach: () => void = () => undefined;
  /** Read once: a destroyed socket no longer knows its peer. */
  readonly remoteAddress: string | undefined;

  constructor(readonly socket: Socket) {
    this.remoteAddress = socket.remoteAddress;
  }

  /** Forgets the bytes not consumed (the connection is closing or handed over). */
  release(): void {
    this.pending = EMPTY;
    this.head = undefined;
  }
}
