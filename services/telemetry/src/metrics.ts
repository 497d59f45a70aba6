/**
 * The telemetry service's metrics, on an injected registry: what it keeps of accepted events is
 * aggregates only. Every label value comes from a closed set declared in code or in the event
 * catalogue (schemas.ts); nothing a client sent is ever a label unless it is a member of its
 * field's declared set. Every series exists from the start, so the output's shape does not
 * depend on what was sent, and a rate() over a rare value is not empty.
 *
 * Bucketed fields also get a histogram of their own (`telemetry_<type>_<field>`) with the
 * declared bounds, for histogram_quantile. It observes the bucket's upper bound, never the raw
 * number, so its `_sum` is a sum of bounds and cannot carry a client's exact measurement.
 */
import { DropReason } from "@oblivious/service-kit";
import { Counter, Histogram, type Registry } from "prom-client";
import { TelemetryError } from "./errors.js";
import { bucketLabel, EVENT_SCHEMAS, EVENT_TYPES, fieldLabels, type AcceptedEvent, type FieldSchema } from "./schemas.js";
import { EVENT_DROP_REASONS, type DropCounts } from "./validate.js";

/** What became of one batch that passed the token gate. */
export const BATCH_OUTCOMES = ["accepted", ...Object.values(TelemetryError), "aborted"] as const;
export type BatchOutcome = (typeof BATCH_OUTCOMES)[number];

export interface TelemetryMetrics {
  batch(outcome: BatchOutcome): void;
  /** Counts the kept events and each kept field value. */
  accepted(events: readonly AcceptedEvent[]): void;
  dropped(counts: DropCounts): void;
  logDropped(reason: DropReason): void;
}

/** The histogram metric name of a bucketed field, e.g. `telemetry_ohttp_call_latency_ms`. */
export function bucketMetricName(type: string, field: string): string {
  return `telemetry_${type}_${field}`.replace(/[^a-zA-Z0-9_]/g, "_");
}

interface BucketHistogram {
  readonly histogram: Histogram;
  /** Bucket label → its upper bound, the value observed. */
  readonly bounds: ReadonlyMap<string, number>;
}

export function createTelemetryMetrics(registry: Registry): TelemetryMetrics {
  const registers = [registry];
  const batches = new Counter({
    name: "telemetry_batches_total",
    help: "POST /v1/events batches that passed the token gate, by outcome.",
    labelNames: ["outcome"] as const,
    registers,
  });
  const events = new Counter({
    name: "telemetry_events_total",
    help: "Events accepted, by declared event type.",
    labelNames: ["type"] as const,
    registers,
  });
  const values = new Counter({
    name: "telemetry_event_values_total",
    help: "Kept field values of accepted events: enum values, true/false, small integers and bucket labels.",
    labelNames: ["type", "field", "value"] as const,
    registers,
  });
  const dropped = new Counter({
    name: "telemetry_dropped_total",
    help: "Events or fields dropped by validation, by reason; nothing dropped is stored.",
    labelNames: ["reason"] as const,
    registers,
  });
  const logDropped = new Counter({
    name: "telemetry_log_dropped_total",
    help: "Log events or fields dropped because they were undeclared or out of range, and lines dropped because stdout's backlog was full.",
    labelNames: ["reason"] as const,
    registers,
  });
  const histograms = new Map<string, BucketHistogram>();
  for (const type of EVENT_TYPES) {
    events.inc({ type }, 0);
    for (const [field, spec] of Object.entries<FieldSchema>(EVENT_SCHEMAS[type].fields)) {
      for (const value of fieldLabels(spec)) values.inc({ type, field, value }, 0);
      if (spec.kind !== "buckets") continue;
      const histogram = new Histogram({
        name: bucketMetricName(type, field),
        help: `${type} ${field}: ${spec.doc}${spec.unit === undefined ? "" : ` (${spec.unit})`}; observes the upper bound of the bucket.`,
        buckets: [...spec.bounds],
        registers,
      });
      histogram.zero({});
      histograms.set(`${type}\n${field}`, { histogram, bounds: new Map(spec.bounds.map((b) => [bucketLabel(b), b])) });
    }
  }
  for (const outcome of BATCH_OUTCOMES) batches.inc({ outcome }, 0);
  for (const reason of EVENT_DROP_REASONS) dropped.inc({ reason }, 0);
  for (const reason of Object.values(DropReason)) logDropped.inc({ reason }, 0);

  return {
    batch: (outcome) => batches.inc({ outcome }),
    accepted(accepted) {
      for (const event of accepted) {
        events.inc({ type: event.type });
        const fields: Readonly<Record<string, string | number | boolean | undefined>> = event.fields;
        for (const [field, value] of Object.entries(fields)) {
          if (value === undefined) continue;
          const label = String(value);
          values.inc({ type: event.type, field, value: label });
          const bucketed = histograms.get(`${event.type}\n${field}`);
          const bound = bucketed?.bounds.get(label);
          if (bucketed !== undefined && bound !== undefined) bucketed.histogram.observe(bound);
        }
      }
    },
    dropped(counts) {
      for (const reason of EVENT_DROP_REASONS) if (counts[reason] > 0) dropped.inc({ reason }, counts[reason]);
    },
    logDropped: (reason) => logDropped.inc({ reason }),
  };
}
