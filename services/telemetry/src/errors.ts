/**
 * The service's one table from a refused batch to its answer: status and
 * `application/problem+json` body (RFC 9457). Every code is also an `outcome` label value of
 * `telemetry_batches_total`. Bodies are fixed text: never request data, the same for everyone.
 *
 * 400 when the body is not JSON at all (or nests beyond what JSON of this format can be);
 * 422 (RFC 9110 §15.5.21) when it is JSON but not a batch this service can process;
 * 413 and 415 for the size and the media type of the content.
 */
import { CommonProblems, problemType, type Problem } from "@oblivious/service-kit";
import { BatchErrorCode, MAX_DEPTH, MAX_STRING_LENGTH } from "./validate.js";

export const EVENTS_MEDIA_TYPE = "application/json";

export const TelemetryError = {
  ...BatchErrorCode,
  UnsupportedMediaType: "unsupported_media_type",
  TooLarge: "too_large",
} as const;
export type TelemetryError = (typeof TelemetryError)[keyof typeof TelemetryError];

export const TELEMETRY_PROBLEMS: Readonly<Record<TelemetryError, Problem>> = {
  unsupported_media_type: {
    ...CommonProblems.unsupportedMediaType,
    type: problemType("events-media-type"),
    detail: "A batch of events must be sent as application/json.",
  },
  too_large: {
    ...CommonProblems.payloadTooLarge,
    type: problemType("events-too-large"),
    detail: "The batch is larger than this service accepts (TELEMETRY_MAX_BODY).",
  },
  malformed_json: { type: problemType("events-malformed-json"), title: "Batch Is Not JSON", status: 400, detail: "The body must be UTF-8 JSON." },
  too_deep: {
    type: problemType("events-too-deep"),
    title: "Batch Nested Too Deeply",
    status: 400,
    detail: `Arrays and objects may nest at most ${MAX_DEPTH} levels.`,
  },
  string_too_long: {
    type: problemType("events-string-too-long"),
    title: "String Too Long",
    status: 422,
    detail: `No string or key may be longer than ${MAX_STRING_LENGTH} characters.`,
  },
  not_object: { type: problemType("events-not-object"), title: "Batch Is Not An Object", status: 422, detail: 'A batch is an object: {"events": [...]}.' },
  events_not_array: { type: problemType("events-not-array"), title: "Events Missing", status: 422, detail: 'The batch must have an "events" array.' },
  empty_batch: { type: problemType("events-empty"), title: "Empty Batch", status: 422, detail: "A batch holds at least one event." },
  too_many_events: {
    type: problemType("events-too-many"),
    title: "Too Many Events",
    status: 422,
    detail: "The batch holds more events than this service accepts (TELEMETRY_MAX_BATCH).",
  },
};
