/*
 * RFC 9292 §3.1, Figure 1:
 *   Request with Known-Length {
 *     Framing Indicator (i) = 0,
 *     Request Control Data (..),
 *     Known-Length Field Section (..),
 *     Known-Length Content (..),
 *     Known-Length Field Section (..),
 *     Padding (..),
 *   }
 *
 * RFC 9292 §3.2, Figure 2:
 *   Indeterminate-Length Request  {
 *     Framing Indicator (i) = 2,
 *     Request Control Data (..),
 *     Indeterminate-Length Field Section (..),
 *     Indeterminate-Length Content (..),
 *     Indeterminate-Length Field Section (..),
 *     Padding (..),
 *   }
 */
import { readControlData, writeControlData } from "./control-data.js";
import { Cursor } from "./cursor.js";
import type { Field } from "./fields.js";
import {
  type Decoded,
  type EncodeOptions,
  MessageKind,
  framingIndicator,
  readFramingIndicator,
  resolveEncodeOptions,
} from "./framing.js";
import { Budget, type DecodeLimits } from "./limits.js";
import { encodeMessage, readSections, sectionsSize, writeSections } from "./sections.js";

/**
 * An HTTP request as plain data. `path` is the `:path` of HTTP/2: path and query. An empty
 * `authority` means none was given (a `host` header may then name the target, RFC 9292 §5.1).
 */
export interface Request {
  readonly method: string;
  readonly scheme: string;
  readonly authority: string;
  readonly path: string;
  readonly headers: readonly Field[];
  readonly content: Uint8Array;
  readonly trailers: readonly Field[];
}

export function encodeRequest(req: Request, opts: EncodeOptions = {}): Uint8Array {
  const resolved = resolveEncodeOptions(opts);
  const estimate = 64 + req.method.length + req.scheme.length + req.authority.length + req.path.length + sectionsSize(req, resolved.padding);
  return encodeMessage(estimate, (w) => {
    w.varint(framingIndicator(MessageKind.Request, resolved.framing));
    writeControlData(w, req);
    writeSections(w, req, resolved);
  });
}

export function decodeRequest(bytes: Uint8Array, limits?: DecodeLimits): Request {
  return decodeRequestDetailed(bytes, limits).message;
}

/** Decodes a request and reports the framing, padding and truncation its encoder chose. */
export function decodeRequestDetailed(bytes: Uint8Array, limits?: DecodeLimits): Decoded<Request> {
  const budget = new Budget(limits);
  const cursor = new Cursor(bytes);
  const framing = readFramingIndicator(cursor, MessageKind.Request);
  const { method, scheme, authority, path } = readControlData(cursor, budget);
  const { headers, content, trailers, paddingLength, truncated } = readSections(cursor, framing, budget);
  return { message: { method, scheme, authority, path, headers, content, trailers }, framing, paddingLength, truncated };
}
