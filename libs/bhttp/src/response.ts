/*
 * RFC 9292 §3.1, Figure 1:
 *   Response with Known-Length {
 *     Framing Indicator (i) = 1,
 *     Known-Length Informational Response (..) ...,
 *     Final Response Control Data (..),
 *     Known-Length Field Section (..),
 *     Known-Length Content (..),
 *     Known-Length Field Section (..),
 *     Padding (..),
 *   }
 *
 *   Known-Length Informational Response {
 *     Informational Response Control Data (..),
 *     Known-Length Field Section (..),
 *   }
 *
 * RFC 9292 §3.2, Figure 2: the same with framing indicator 3 and Indeterminate-Length parts.
 *
 * RFC 9292 §3.5, Figure 4, and §3.5.1, Figure 5:
 *   Final Response Control Data {
 *     Status Code (i) = 200..599,
 *   }
 *
 *   Informational Response Control Data {
 *     Status Code (i) = 100..199,
 *   }
 */
import { Cursor } from "./cursor.js";
import { BhttpError, BhttpErrorCode } from "./errors.js";
import { readFieldSection, writeFieldSection } from "./field-section.js";
import { type Field, SectionKind } from "./fields.js";
import {
  type Decoded,
  type EncodeOptions,
  MessageKind,
  framingIndicator,
  readFramingIndicator,
  resolveEncodeOptions,
} from "./framing.js";
import { Budget, type DecodeLimits } from "./limits.js";
import { encodeMessage, fieldsSize, readSections, sectionsSize, writeSections } from "./sections.js";

/** A 1xx response that precedes the final one (RFC 9292 §3.5.1). */
export interface InformationalResponse {
  readonly status: number;
  readonly headers: readonly Field[];
}

/** An HTTP response as plain data; reason phrases are not carried (RFC 9292 §3.5). */
export interface Response {
  readonly informational: readonly InformationalResponse[];
  readonly status: number;
  readonly headers: readonly Field[];
  readonly content: Uint8Array;
  readonly trailers: readonly Field[];
}

function isInformational(status: number): boolean {
  return Number.isInteger(status) && status >= 100 && status <= 199;
}

function isFinal(status: number): boolean {
  return Number.isInteger(status) && status >= 200 && status <= 599;
}

export function encodeResponse(res: Response, opts: EncodeOptions = {}): Uint8Array {
  const resolved = resolveEncodeOptions(opts);
  if (!isFinal(res.status) || !res.informational.every((i) => isInformational(i.status))) {
    throw new BhttpError(BhttpErrorCode.InvalidStatus);
  }
  const estimate = 64 + res.informational.reduce((n, info) => n + 16 + fieldsSize(info.headers), 0) + sectionsSize(res, resolved.padding);
  return encodeMessage(estimate, (w) => {
    w.varint(framingIndicator(MessageKind.Response, resolved.framing));
    for (const info of res.informational) {
      w.varint(info.status);
      writeFieldSection(w, info.headers, SectionKind.Header, resolved.framing);
    }
    w.varint(res.status);
    writeSections(w, res, resolved);
  });
}

export function decodeResponse(bytes: Uint8Array, limits?: DecodeLimits): Response {
  return decodeResponseDetailed(bytes, limits).message;
}

/** Decodes a response and reports the framing, padding and truncation its encoder chose. */
export function decodeResponseDetailed(bytes: Uint8Array, limits?: DecodeLimits): Decoded<Response> {
  const budget = new Budget(limits);
  const cursor = new Cursor(bytes);
  const framing = readFramingIndicator(cursor, MessageKind.Response);
  const informational: InformationalResponse[] = [];
  for (;;) {
    const at = cursor.offset;
    const status = cursor.varint(BhttpErrorCode.InvalidStatus);
    if (isFinal(status)) {
      const { headers, content, trailers, paddingLength, truncated } = readSections(cursor, framing, budget);
      return { message: { informational, status, headers, content, trailers }, framing, paddingLength, truncated };
    }
    if (!isInformational(status)) throw new BhttpError(BhttpErrorCode.InvalidStatus, at);
    budget.informational(at);
    // Not truncatable: the final response control data must follow it.
    informational.push({ status, headers: readFieldSection(cursor, SectionKind.Header, framing, budget) });
  }
}
