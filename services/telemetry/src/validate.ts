/**
 * From request bytes to kept events, as two pure functions:
 *
 * - `decodeBatchBody`: the JSON text itself. UTF-8 (RFC 8259 §8.1), nesting no deeper than the
 *   format needs plus one level, no string or key longer than any declared value could be.
 *   Failing any of these refuses the whole batch.
 * - `validateBatch`: the batch envelope (`{"events": [...]}`, 1..maxEvents events; refused whole
 *   when wrong), then each event against its schema (schemas.ts). What does not match is dropped
 *   and counted by reason; the dropped value itself goes nowhere, not even into the answer.
 *
 * Counting: `unknown_type`, an event that is not an object (`invalid_type`) and an event that
 * lacks a required field after its fields were checked (`missing_field`) each count one dropped
 * event; every other count is one dropped field.
 */
import { bucketLabel, eventSchema, type AcceptedEvent, type FieldSchema } from "./schemas.js";

export const EVENT_DROP_REASONS = ["unknown_type", "undeclared_field", "invalid_type", "invalid_value", "out_of_range", "missing_field"] as const;
export type EventDropReason = (typeof EVENT_DROP_REASONS)[number];
export type DropCounts = Readonly<Record<EventDropReason, number>>;

/** Why a whole batch was refused. Each has its own problem (errors.ts). */
export const BatchErrorCode = {
  /** Not UTF-8, or not JSON. */
  MalformedJson: "malformed_json",
  /** Arrays or objects nested deeper than MAX_DEPTH. */
  TooDeep: "too_deep",
  /** A string or a key longer than MAX_STRING_LENGTH. */
  StringTooLong: "string_too_long",
  /** The JSON value is not an object. */
  NotObject: "not_object",
  /** `events` is missing or not an array. */
  EventsNotArray: "events_not_array",
  EmptyBatch: "empty_batch",
  TooManyEvents: "too_many_events",
} as const;
export type BatchErrorCode = (typeof BatchErrorCode)[keyof typeof BatchErrorCode];

/** batch → events → event is 3 levels; one more lets a nested field value be dropped as `invalid_type`. */
export const MAX_DEPTH = 4;
/** Far longer than any declared type, field name or enum value: only free text or junk is this long. */
export const MAX_STRING_LENGTH = 128;

export type DecodeResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: BatchErrorCode };

export type BatchResult =
  | {
      readonly ok: true;
      readonly received: number;
      readonly events: readonly AcceptedEvent[];
      readonly dropped: DropCounts;
    }
  | { readonly ok: false; readonly error: BatchErrorCode };

export interface BatchLimits {
  /** Most events in one batch. */
  readonly maxEvents: number;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Deepest array/object nesting of JSON text, counted outside strings; stops past `limit`. */
function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return deepest;
}

/** True when a string value or key anywhere in `value` is longer than `max`. Depth is bounded by the caller. */
function hasLongString(value: unknown, max: number): boolean {
  if (typeof value === "string") return value.length > max;
  if (Array.isArray(value)) return value.some((v) => hasLongString(v, max));
  if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) if (k.length > max || hasLongString(v, max)) return true;
  }
  return false;
}

export function decodeBatchBody(body: Uint8Array): DecodeResult {
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    return { ok: false, error: BatchErrorCode.MalformedJson };
  }
  if (nestingDepth(text, MAX_DEPTH) > MAX_DEPTH) return { ok: false, error: BatchErrorCode.TooDeep };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: BatchErrorCode.MalformedJson };
  }
  if (hasLongString(value, MAX_STRING_LENGTH)) return { ok: false, error: BatchErrorCode.StringTooLong };
  return { ok: true, value };
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

type Checked = { readonly ok: true; readonly value: string | number | boolean } | { readonly ok: false; readonly reason: EventDropReason };

function checkField(spec: FieldSchema, value: unknown): Checked {
  switch (spec.kind) {
    case "enum":
      if (typeof value !== "string") return { ok: false, reason: "invalid_type" };
      return spec.values.includes(value) ? { ok: true, value } : { ok: false, reason: "invalid_value" };
    case "bool":
      return typeof value === "boolean" ? { ok: true, value } : { ok: false, reason: "invalid_type" };
    case "int":
      if (typeof value !== "number") return { ok: false, reason: "invalid_type" };
      if (!Number.isInteger(value)) return { ok: false, reason: Number.isFinite(value) ? "invalid_value" : "out_of_range" };
      return value >= spec.min && value <= spec.max ? { ok: true, value } : { ok: false, reason: "out_of_range" };
    case "buckets": {
      if (typeof value !== "number") return { ok: false, reason: "invalid_type" };
      if (!(value >= spec.min)) return { ok: false, reason: "out_of_range" };
      // The raw number stops here: only the bucket it falls in is kept.
      const bound = spec.bounds.find((b) => value <= b);
      return bound === undefined ? { ok: false, reason: "out_of_range" } : { ok: true, value: bucketLabel(bound) };
    }
  }
}

function validateEvent(event: unknown, drop: (reason: EventDropReason) => void): AcceptedEvent | undefined {
  const dropEvent = (reason: EventDropReason): undefined => {
    drop(reason);
    return undefined;
  };
  if (!isRecord(event)) return dropEvent("invalid_type");
  if (!Object.hasOwn(event, "type")) return dropEvent("missing_field");
  const type = event["type"];
  if (typeof type !== "string") return dropEvent("invalid_type");
  const schema = eventSchema(type);
  if (schema === undefined) return dropEvent("unknown_type");
  const kept: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(event)) {
    if (name === "type") continue;
    if (!Object.hasOwn(schema.fields, name)) {
      drop("undeclared_field");
      continue;
    }
    const spec = schema.fields[name];
    if (spec === undefined) continue;
    const checked = checkField(spec, value);
    if (checked.ok) kept[name] = checked.value;
    else drop(checked.reason);
  }
  for (const [name, spec] of Object.entries(schema.fields)) {
    if (spec.required && !Object.hasOwn(kept, name)) return dropEvent("missing_field");
  }
  // `kept` holds exactly the declared fields of `type`, each a value of its declared set.
  return { type, fields: kept } as unknown as AcceptedEvent;
}

export function emptyDropCounts(): Record<EventDropReason, number> {
  return { unknown_type: 0, undeclared_field: 0, invalid_type: 0, invalid_value: 0, out_of_range: 0, missing_field: 0 };
}

/** Checks a decoded batch against the envelope and the schemas. Pure: the same input, the same result. */
export function validateBatch(batch: unknown, limits: BatchLimits): BatchResult {
  if (!isRecord(batch)) return { ok: false, error: BatchErrorCode.NotObject };
  const events = Object.hasOwn(batch, "events") ? batch["events"] : undefined;
  if (!Array.isArray(events)) return { ok: false, error: BatchErrorCode.EventsNotArray };
  if (events.length === 0) return { ok: false, error: BatchErrorCode.EmptyBatch };
  if (events.length > limits.maxEvents) return { ok: false, error: BatchErrorCode.TooManyEvents };
  const dropped = emptyDropCounts();
  const drop = (reason: EventDropReason): void => {
    dropped[reason] += 1;
  };
  // The envelope declares `events` alone; anything beside it is dropped like any undeclared field.
  for (const name of Object.keys(batch)) if (name !== "events") drop("undeclared_field");
  const kept: AcceptedEvent[] = [];
  for (const event of events) {
    const accepted = validateEvent(event, drop);
    if (accepted !== undefined) kept.push(accepted);
  }
  return { ok: true, received: events.length, events: kept, dropped };
}
