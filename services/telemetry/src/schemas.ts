/**
 * The event catalogue: every event type a client may report, with its fields and the values each
 * may take. It is data, and the only thing that decides what the service keeps: a field that is
 * not declared here, a value outside its set or range, and an event type not listed are dropped
 * (validate.ts). Every value that survives is one of a closed, declared set (an enum value,
 * `true`/`false`, an integer of a small range, or a bucket label), so it can become a metric
 * label; a raw measurement never does (a bucketed number is replaced by its bucket).
 *
 * No field can name a device, an account, a session or a time: identifiers are not declared,
 * and a device is known only at issuance, where quotas bound abuse (docs/design.md).
 */

export interface EnumFieldSchema {
  readonly kind: "enum";
  readonly values: readonly string[];
  readonly required: boolean;
  readonly doc: string;
}

/** An integer of a small range; each integer is its own label value. */
export interface IntFieldSchema {
  readonly kind: "int";
  readonly min: number;
  readonly max: number;
  readonly required: boolean;
  readonly doc: string;
}

export interface BoolFieldSchema {
  readonly kind: "bool";
  readonly required: boolean;
  readonly doc: string;
}

/**
 * A number from `min` to the last bound, kept only as its bucket: the first bound it does not
 * exceed (Prometheus `le` semantics), labelled `le_<bound>`.
 */
export interface BucketFieldSchema {
  readonly kind: "buckets";
  readonly min: number;
  /** Ascending upper bounds; the last one is the largest value accepted. */
  readonly bounds: readonly number[];
  readonly unit?: string;
  readonly required: boolean;
  readonly doc: string;
}

export type FieldSchema = EnumFieldSchema | IntFieldSchema | BoolFieldSchema | BucketFieldSchema;

export interface EventSchema {
  readonly doc: string;
  readonly fields: Readonly<Record<string, FieldSchema>>;
}

/** Round-trip times of an oblivious call, in milliseconds. */
const LATENCY_MS = [25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000] as const;

export const EVENT_SCHEMAS = {
  "app.start": {
    doc: "The app started.",
    fields: {
      platform: { kind: "enum", values: ["android", "ios", "desktop", "web"], required: true, doc: "client platform" },
      version_major: { kind: "int", min: 1, max: 50, required: true, doc: "major version of the app" },
      cold: { kind: "bool", required: false, doc: "a cold start (no process to resume)" },
    },
  },
  "sticker_search.result": {
    doc: "A sticker search through the oblivious path finished.",
    fields: {
      outcome: { kind: "enum", values: ["results", "no_results", "error", "cancelled"], required: true, doc: "how the search ended" },
      results: { kind: "buckets", min: 0, bounds: [0, 1, 5, 10, 25, 50], required: false, doc: "number of stickers shown" },
      latency_ms: { kind: "buckets", min: 0, bounds: LATENCY_MS, unit: "ms", required: true, doc: "time to the answer" },
    },
  },
  "ohttp.call": {
    doc: "One oblivious HTTP call (through relay and gateway) to a feature backend.",
    fields: {
      feature: { kind: "enum", values: ["sticker_search", "telemetry"], required: true, doc: "feature backend called" },
      status_class: { kind: "enum", values: ["2xx", "4xx", "5xx", "network_error", "timeout"], required: true, doc: "result of the call" },
      retries: { kind: "int", min: 0, max: 3, required: false, doc: "retries before this result" },
      latency_ms: { kind: "buckets", min: 0, bounds: LATENCY_MS, unit: "ms", required: true, doc: "time from first send to the result" },
    },
  },
  "token.wallet": {
    doc: "The client's Privacy Pass token wallet changed state.",
    fields: {
      event: { kind: "enum", values: ["topup", "empty", "refused"], required: true, doc: "tokens added, wallet ran out, or the issuer refused" },
      batch: { kind: "buckets", min: 0, bounds: [0, 1, 5, 10, 20, 50, 100], required: false, doc: "tokens in the top-up" },
    },
  },
} as const satisfies Readonly<Record<string, EventSchema>>;

export type EventCatalogue = typeof EVENT_SCHEMAS;
export type EventType = keyof EventCatalogue;
export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as readonly EventType[];

type FieldsOf<T extends EventType> = EventCatalogue[T]["fields"];

/** The label of a bucket: its upper bound. */
export type BucketLabel<B extends number = number> = `le_${B}`;

/** What is kept of a field's value: never a raw measurement, only a member of its declared set. */
export type FieldValue<F extends FieldSchema> = F extends { readonly kind: "enum"; readonly values: readonly (infer V)[] }
  ? V
  : F extends { readonly kind: "bool" }
    ? boolean
    : F extends { readonly kind: "buckets"; readonly bounds: readonly (infer B extends number)[] }
      ? BucketLabel<B>
      : number;

type RequiredKeys<F> = { [K in keyof F]: F[K] extends { readonly required: true } ? K : never }[keyof F];
type OptionalKeys<F> = Exclude<keyof F, RequiredKeys<F>>;

/** The kept fields of one event of type T: required ones always present. */
export type EventFieldValues<T extends EventType> = {
  readonly [K in RequiredKeys<FieldsOf<T>>]: FieldsOf<T>[K] extends FieldSchema ? FieldValue<FieldsOf<T>[K]> : never;
} & {
  readonly [K in OptionalKeys<FieldsOf<T>>]?: FieldsOf<T>[K] extends FieldSchema ? FieldValue<FieldsOf<T>[K]> : never;
};

/** An event that passed validation, as a union over the catalogue. */
export type AcceptedEvent = { readonly [T in EventType]: { readonly type: T; readonly fields: EventFieldValues<T> } }[EventType];

export function bucketLabel(bound: number): BucketLabel {
  return `le_${bound}`;
}

/** Every value a field can keep, as label text: the closed set its metric series are made of. */
export function fieldLabels(field: FieldSchema): readonly string[] {
  switch (field.kind) {
    case "enum":
      return field.values;
    case "bool":
      return ["true", "false"];
    case "int":
      return Array.from({ length: field.max - field.min + 1 }, (_, i) => String(field.min + i));
    case "buckets":
      return field.bounds.map(bucketLabel);
  }
}

/** The schema of `type`, if it is declared; own properties only (never `constructor` and kin). */
export function eventSchema(type: string): EventSchema | undefined {
  return Object.hasOwn(EVENT_SCHEMAS, type) ? EVENT_SCHEMAS[type as EventType] : undefined;
}
