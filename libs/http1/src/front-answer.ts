/**
 * Http1Front's answers: a whole answer as data, its HTTP/1.1 form (RFC 9112 §4, §6), and the same
 * answer on a node:http response for the fallback listener.
 */
import { STATUS_CODES, type ServerResponse } from "node:http";
import { currentHttpDate } from "./http-date.js";

/** A whole answer (lower-case header names, no framing headers: no content-length, connection). */
export interface FrontAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** The front's own 408 (RFC 9457 problem details; the services' problem tables live in service-kit). */
export const REQUEST_TIMEOUT: FrontAnswer = Object.freeze({
  status: 408,
  headers: Object.freeze({ "content-type": "application/problem+json", "cache-control": "no-store" }),
  body: new TextEncoder().encode(JSON.stringify({ type: "about:blank", title: "Request Timeout", status: 408 })),
});

/** Writes a whole answer on a node:http response (the fallback's form of what `handle` returns). */
export function writeAnswer(res: ServerResponse, answer: FrontAnswer, extra: Readonly<Record<string, string>> = {}): void {
  res.writeHead(answer.status, { ...answer.headers, ...extra, "content-length": answer.body.length });
  res.end(answer.body);
}

/**
 * The answer's bytes: status line, its fields, `content-length`, `date` (RFC 9110 §6.6.1), and
 * `connection: close`, or keep-alive with the idle limit so that a client's pool closes first
 * (RFC 9112 §9.3), as node:http writes them.
 */
export function serializeAnswer(answer: FrontAnswer, close: boolean, keepAliveSeconds: number): Buffer {
  const lines = [`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? "Unknown"}`];
  for (const [name, value] of Object.entries(answer.headers)) lines.push(`${name}: ${value}`);
  lines.push(`content-length: ${answer.body.length}`, `date: ${currentHttpDate()}`);
  lines.push(close ? "connection: close" : `connection: keep-alive\r\nkeep-alive: timeout=${keepAliveSeconds}`, "", "");
  const headBytes = Buffer.from(lines.join("\r\n"), "latin1");
  return Buffer.concat([headBytes, answer.body], headBytes.length + answer.body.length);
}
