/** What a service gives Http1Front (front.ts), what its handler gets, and what the front reports. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FrontAnswer } from "./front-answer.js";

/** One request of the hot path, read whole. */
export interface FrontRequest {
  /** One of `FrontOptions.paths`. */
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  /** The connection's peer, as node:http's `req.socket.remoteAddress`. */
  readonly remoteAddress: string | undefined;
  /**
   * The fields named in `FrontOptions.fields` that the request carries, by lower-case name. Lines
   * of the same name are joined with ", ", as node:http joins fields it has no rule of its own
   * for (`X-Forwarded-For` among them).
   */
  readonly fields: ReadonlyMap<string, string>;
}

export interface FrontOptions {
  /** Paths answered here, to `POST` only. */
  readonly paths: readonly string[];
  /** The largest body answered here; a larger declared length goes to node:http (413). */
  readonly maxBodyBytes: number;
  /** Lower-case names of the fields `handle` gets (`FrontRequest.fields`); none by default. */
  readonly fields?: readonly string[];
  /** Answers one request. Must not reject. */
  readonly handle: (request: FrontRequest) => Promise<FrontAnswer>;
  /** Called once per request answered here (by `handle` or `timedOut`), when its answer has been written. */
  readonly record: (path: string, status: number, ms: number) => void;
  /** The listener of everything else. */
  readonly fallback: (req: IncomingMessage, res: ServerResponse) => void;
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly keepAliveTimeoutMs?: number;
  /** How long a body may take after its head; only `requestTimeoutMs` bounds it by default. */
  readonly bodyTimeoutMs?: number;
  /** How long written answers may wait for the client to take them; `requestTimeoutMs` by default. */
  readonly sendTimeoutMs?: number;
  /**
   * The answer to a request whose head was accepted here but whose body did not arrive in time;
   * the connection closes after it. Without it, a bare 408 problem, as node:http's own.
   */
  readonly timedOut?: (path: string) => FrontAnswer;
  /** Told when a client goes away between the head accepted here and the end of its body. */
  readonly aborted?: (path: string) => void;
}

/** What the connections kept here hold now (handed-over ones are node:http's). */
export interface FrontHeld {
  readonly connections: number;
  /** Input received and not consumed. */
  readonly pendingBytes: number;
  /** Output written and not yet taken by the kernel. */
  readonly unsentBytes: number;
}
