/**
 * Problem details for HTTP APIs (RFC 9457). Every error answer of every service is one of these,
 * as `application/problem+json`. Problem types the project defines are tag URIs (RFC 4151), which
 * need no registration and resolve nowhere; types that RFCs register keep their IANA URIs.
 */
import type { ServerResponse } from "node:http";
import type { FrontAnswer } from "@oblivious/http1";

export const PROBLEM_MEDIA_TYPE = "application/problem+json";

/** The `type` of a project-defined problem. */
export function problemType(name: string): string {
  return `tag:oblivious-services,2026:problem/${name}`;
}

export interface Problem {
  /** A URI; `about:blank` when the status code says it all (RFC 9457, Section 4.2.1). */
  readonly type: string;
  readonly title: string;
  readonly status: number;
  /** Fixed text written by this code; never request data, never an internal error message. */
  readonly detail?: string;
}

export function problemJson(problem: Problem): string {
  return JSON.stringify(problem);
}

/**
 * Writes a problem answer on a node:http (or express) response. Extra headers such as `Allow` or
 * `Retry-After` go in `headers`.
 */
export function sendProblem(res: ServerResponse, problem: Problem, headers: Readonly<Record<string, string>> = {}): void {
  const body = problemJson(problem);
  res.statusCode = problem.status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader("content-type", PROBLEM_MEDIA_TYPE);
  res.setHeader("content-length", Buffer.byteLength(body));
  res.setHeader("cache-control", "no-store");
  res.end(body);
}

/** A problem as a whole answer (for Http1Front, or `writeAnswer`), with the headers sendProblem writes. */
export function problemAnswer(problem: Problem, headers: Readonly<Record<string, string>> = {}): FrontAnswer {
  return {
    status: problem.status,
    headers: { ...headers, "content-type": PROBLEM_MEDIA_TYPE, "cache-control": "no-store" },
    body: Buffer.from(problemJson(problem)),
  };
}

/** The problems every service can answer with; each service adds its own. */
export const CommonProblems = {
  notFound: { type: "about:blank", title: "Not Found", status: 404 },
  methodNotAllowed: { type: "about:blank", title: "Method Not Allowed", status: 405 },
  unsupportedMediaType: { type: "about:blank", title: "Unsupported Media Type", status: 415 },
  payloadTooLarge: { type: "about:blank", title: "Content Too Large", status: 413 },
  badRequest: { type: "about:blank", title: "Bad Request", status: 400 },
  requestTimeout: { type: "about:blank", title: "Request Timeout", status: 408 },
  tooManyRequests: { type: "about:blank", title: "Too Many Requests", status: 429 },
  internal: { type: "about:blank", title: "Internal Server Error", status: 500 },
  unavailable: { type: "about:blank", title: "Service Unavailable", status: 503 },
} as const satisfies Record<string, Problem>;
