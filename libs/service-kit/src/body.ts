/**
 * Reads a request body into memory with a hard size limit, for the hot paths that skip
 * express's body parsers. A declared Content-Length over the limit is refused before reading.
 */
import type { IncomingMessage } from "node:http";
import { CodedError } from "@oblivious/wire";

export const BodyErrorCode = { TooLarge: "too-large", Aborted: "aborted", Timeout: "timeout" } as const;
export type BodyErrorCode = (typeof BodyErrorCode)[keyof typeof BodyErrorCode];

export class BodyError extends CodedError<BodyErrorCode> {
  override readonly name = "BodyError";
  constructor(code: BodyErrorCode) {
    super(code, code);
  }
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    return Promise.reject(new BodyError(BodyErrorCode.TooLarge));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (code: BodyErrorCode): void => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      reject(new BodyError(code));
    };
    req.on("data", (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        fail(BodyErrorCode.TooLarge);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    req.on("aborted", () => fail(BodyErrorCode.Aborted));
    req.on("error", () => fail(BodyErrorCode.Aborted));
    req.on("close", () => {
      if (!req.complete) fail(BodyErrorCode.Aborted);
    });
  });
}

/**
 * `readBody` for a handler: the body, or why there is none (`too-large`, `aborted`, or `timeout`
 * when `timeoutMs` is given and the body is not whole by then). Never rejects.
 */
export function readBodyWithin(req: IncomingMessage, limit: number, timeoutMs?: number): Promise<Buffer | BodyErrorCode> {
  const body = readBody(req, limit).catch((e: unknown) => (e instanceof BodyError && e.code === BodyErrorCode.TooLarge ? BodyErrorCode.TooLarge : BodyErrorCode.Aborted));
  if (timeoutMs === undefined) return body;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<BodyErrorCode>((resolve) => {
    timer = setTimeout(() => resolve(BodyErrorCode.Timeout), timeoutMs);
  });
  return Promise.race([body, timeout]).finally(() => clearTimeout(timer));
}

/** The media type of a Content-Type header, lower-cased and without parameters. */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const semi = contentType.indexOf(";");
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}
