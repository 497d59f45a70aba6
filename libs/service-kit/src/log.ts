/**
 * Logging by declared events only. A service declares each event it may log, with the fields it
 * may carry and their types: closed enums, bounded integers, durations and booleans. There is no
 * string field that takes free text, so a query, a token, a header or an address cannot be
 * written to a log line: at compile time such a field does not type-check, and at run time
 * (a cast, JavaScript) an undeclared field or an out-of-set value is dropped and counted.
 *
 * Lines are JSON through pino, one per event: `{"level","time","service","event",...fields}`.
 */
import pino from "pino";
import type { DestinationStream } from "pino";

export const LogLevel = { Debug: "debug", Info: "info", Warn: "warn", Error: "error" } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

export interface EnumField<V extends string = string> {
  readonly kind: "enum";
  readonly values: readonly V[];
}
export interface IntField {
  readonly kind: "int";
  readonly min: number;
  readonly max: number;
}
export interface DurationField {
  readonly kind: "duration";
}
export interface BoolField {
  readonly kind: "bool";
}
export type FieldSpec = EnumField | IntField | DurationField | BoolField;

/** Field constructors for event declarations. */
export const field = {
  enum: <const V extends readonly string[]>(...values: V): EnumField<V[number]> => ({ kind: "enum", values }),
  int: (min: number, max: number): IntField => ({ kind: "int", min, max }),
  /** Milliseconds, non-negative, kept to microsecond precision. */
  duration: (): DurationField => ({ kind: "duration" }),
  bool: (): BoolField => ({ kind: "bool" }),
} as const;

export interface EventSpec {
  readonly level: LogLevel;
  readonly fields: Readonly<Record<string, FieldSpec>>;
}
export type EventCatalog = Readonly<Record<string, EventSpec>>;

type ValueOf<S> = S extends EnumField<infer V> ? V : S extends BoolField ? boolean : number;
export type EventFields<E extends EventSpec> = { readonly [K in keyof E["fields"]]?: ValueOf<E["fields"][K]> };

/** Declares a catalogue of events; the identity function, there for type inference. */
export function defineEvents<const C extends EventCatalog>(catalog: C): C {
  return catalog;
}

/** Why a field or an event was dropped. */
export const DropReason = {
  UndeclaredEvent: "undeclared_event",
  UndeclaredField: "undeclared_field",
  InvalidValue: "invalid_value",
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

export interface Logger<C extends EventCatalog> {
  event<N extends keyof C & string>(name: N, fields?: EventFields<C[N]>): void;
  /** Writes out what is buffered; `runService` calls it last when a service stops. */
  flush(): Promise<void>;
  /** Fields and events dropped so far, by reason: for tests and the metrics endpoint. */
  readonly dropped: Readonly<Record<DropReason, number>>;
}

export interface LoggerOptions<C extends EventCatalog> {
  readonly service: string;
  readonly events: C;
  /** Where lines go; stdout by default. Tests pass a stream that captures them. */
  readonly destination?: DestinationStream;
  readonly level?: LogLevel;
  /** Called for each drop, so a service can count it in its metrics. */
  readonly onDrop?: (reason: DropReason) => void;
}

function valid(spec: FieldSpec, value: unknown): value is string | number | boolean {
  switch (spec.kind) {
    case "enum":
      return typeof value === "string" && spec.values.includes(value);
    case "int":
      return Number.isSafeInteger(value) && (value as number) >= spec.min && (value as number) <= spec.max;
    case "duration":
      return typeof value === "number" && Number.isFinite(value) && value >= 0;
    case "bool":
      return typeof value === "boolean";
  }
}

/**
 * stdout, buffered: a per-request event written with a `write` of its own cost about 5% of the
 * gateway's CPU at full load (measured with --cpu-prof). Lines are batched up to 4 KiB and
 * written at least every 250 ms, so a quiet service still shows its events promptly.
 */
function bufferedStdout(): pino.DestinationStream & { flush(cb: (err?: Error) => void): void } {
  return pino.destination({ fd: 1, sync: false, minLength: 4096, periodicFlush: 250 });
}

export function createLogger<const C extends EventCatalog>(options: LoggerOptions<C>): Logger<C> {
  const stdout = options.destination === undefined ? bufferedStdout() : undefined;
  const base = pino(
    {
      base: { service: options.service },
      level: options.level ?? "info",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // No serializers for err/req/res: nothing but declared fields is ever passed in.
      serializers: {},
    },
    stdout ?? options.destination,
  );
  const dropped: Record<DropReason, number> = { undeclared_event: 0, undeclared_field: 0, invalid_value: 0 };
  const drop = (reason: DropReason): void => {
    dropped[reason] += 1;
    options.onDrop?.(reason);
  };
  const catalog: EventCatalog = options.events;

  return {
    dropped,
    flush: () =>
      new Promise<void>((resolve) => {
        if (stdout === undefined) return resolve();
        const timer = setTimeout(resolve, 500);
        stdout.flush(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
    event(name, fields) {
      const spec = Object.hasOwn(catalog, name) ? catalog[name] : undefined;
      if (spec === undefined) {
        drop(DropReason.UndeclaredEvent);
        return;
      }
      const line: Record<string, string | number | boolean> = { event: name };
      for (const [key, value] of Object.entries(fields ?? {})) {
        const fieldSpec = Object.hasOwn(spec.fields, key) ? spec.fields[key] : undefined;
        if (fieldSpec === undefined) drop(DropReason.UndeclaredField);
        else if (value === undefined) continue;
        else if (!valid(fieldSpec, value)) drop(DropReason.InvalidValue);
        else line[key] = fieldSpec.kind === "duration" ? Math.round((value as number) * 1000) / 1000 : value;
      }
      base[spec.level](line);
    },
  };
}

/** Events every service logs; each service spreads these into its own catalogue. */
export const lifecycleEvents = defineEvents({
  "service.listening": { level: "info", fields: { port: field.int(0, 65535), admin: field.bool() } },
  "service.draining": { level: "info", fields: { inFlight: field.int(0, 1_000_000) } },
  "service.stopped": { level: "info", fields: { forced: field.bool(), durationMs: field.duration() } },
  "config.invalid": { level: "error", fields: {} },
  "error.unexpected": { level: "error", fields: { where: field.enum("request", "background", "shutdown") } },
});
